import { execa } from 'execa';
import { redactUrl, resolveIndexUrl } from '../fetch/index-url.js';

/**
 * Every index `hbuild lock` consults, primary first: --index-url (else PIP_INDEX_URL, else
 * pip's configuration), then --extra-index-url flags (else PIP_EXTRA_INDEX_URL, else pip's
 * `global.extra-index-url`). Extras from pip's configuration that are not http(s) (local
 * `file://` trees) are skipped with a warning, since hbuild reads only http(s) indexes.
 */
export async function configuredIndexUrls(
  flags: { indexUrl?: string; extraIndexUrls: string[] },
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const primary = await resolveIndexUrl(flags.indexUrl, env);
  let extras = flags.extraIndexUrls;
  if (extras.length === 0 && env.PIP_EXTRA_INDEX_URL) extras = env.PIP_EXTRA_INDEX_URL.split(/\s+/).filter(Boolean);
  else if (extras.length === 0 && flags.indexUrl === undefined && !env.PIP_INDEX_URL) {
    extras = (await pipExtraIndexUrls(env)).filter((url) => {
      const http = /^https?:\/\//i.test(url);
      if (!http) warn(`ignoring the extra index ${redactUrl(url)} from pip's configuration: hbuild reads only http(s) indexes`);
      return http;
    });
  }
  const all = [primary];
  for (const extra of extras) {
    const url = await resolveIndexUrl(extra, {});
    if (!all.includes(url)) all.push(url);
  }
  return all;
}

async function pipExtraIndexUrls(env: NodeJS.ProcessEnv): Promise<string[]> {
  const python = env.HBUILD_PYTHON ?? 'python3';
  const out = await execa(python, ['-m', 'pip', 'config', 'get', 'global.extra-index-url'], { reject: false, timeout: 20_000 });
  return out.exitCode === 0 ? out.stdout.split(/\s+/).filter(Boolean) : [];
}
