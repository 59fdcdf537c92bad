import { HbuildError } from '../core/errors.js';

/**
 * The Python index the user already trusts: --index-url, then PIP_INDEX_URL,
 * then pip's own configuration, then pip's built-in default. hbuild names no
 * index of its own.
 */
export async function resolveIndexUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const chosen = flag ?? env.PIP_INDEX_URL ?? (await pipSetting());
  if (!chosen) {
    throw new HbuildError('ERR_USAGE', 'no Python index is configured', {
      hint: 'pass --index-url, set PIP_INDEX_URL, or `pip config set global.index-url URL`',
    });
  }
  return validateIndexUrl(chosen);
}

export function validateIndexUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HbuildError('ERR_USAGE', `index URL ${JSON.stringify(redactUrl(raw))} is not a URL`, { hint: 'use an http(s) URL of a PEP 503 simple index' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HbuildError('ERR_USAGE', `index URL ${redactUrl(raw)} must be http(s)`, { hint: 'use a local sdist directory (--sdist-dir) for files on disk' });
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

/** A URL fit for logs: credentials replaced. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.href;
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}

async function pipSetting(): Promise<string | undefined> {
  const { execa } = await import('execa');
  const python = process.env.HBUILD_PYTHON ?? 'python3';
  const configured = await execa(python, ['-m', 'pip', 'config', 'get', 'global.index-url'], { reject: false, timeout: 20_000 });
  if (configured.exitCode === 0 && configured.stdout.trim()) return configured.stdout.trim();
  const builtIn = await execa(python, ['-c', 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'], { reject: false, timeout: 20_000 });
  return builtIn.exitCode === 0 && builtIn.stdout.trim() ? builtIn.stdout.trim() : undefined;
}
