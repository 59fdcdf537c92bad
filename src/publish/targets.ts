import { HbuildError } from '../core/errors.js';
import { redactUrl } from '../fetch/index-url.js';

export interface PublishTargets {
  /** The repository URL as given, credentials included: where credentials may come from. */
  repository: URL;
  /** The upload URL without credentials. */
  upload: URL;
  /** The simple index root, ending in `/`, without credentials. */
  simple: URL;
  /** The keyring service name: the repository URL as written, without credentials. */
  service: string;
  /** For messages. */
  shown: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i;

/**
 * Check `--repository` and `--index-url`: http(s) only, and plain http only to a loopback
 * address, since the upload carries a password. The simple index defaults to `simple/`
 * under the repository URL (pypiserver's layout; devpi and others need --index-url).
 */
export function publishTargets(repositoryRaw: string, indexRaw?: string): PublishTargets {
  const repository = parseUrl(repositoryRaw, '--repository');
  const upload = new URL(repository.href);
  upload.username = '';
  upload.password = '';
  const service = repository.username === '' && repository.password === '' ? repositoryRaw : upload.href;
  const simple = indexRaw === undefined ? new URL('simple/', upload.href.endsWith('/') ? upload.href : `${upload.href}/`) : parseUrl(indexRaw, '--index-url');
  if (!simple.pathname.endsWith('/')) simple.pathname += '/';
  simple.username = '';
  simple.password = '';
  return { repository, upload, simple, service, shown: redactUrl(upload.href) };
}

function parseUrl(raw: string, flag: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HbuildError('ERR_USAGE', `${flag} ${JSON.stringify(redactUrl(raw))} is not a URL`, { hint: `${flag} takes an http(s) URL` });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HbuildError('ERR_USAGE', `${flag} ${redactUrl(raw)} must be http(s)`, { hint: `${flag} takes an http(s) URL` });
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new HbuildError('ERR_USAGE', `${flag} ${redactUrl(raw)} is plain http to another host: the upload's password would cross the network in clear`, {
      hint: 'use https (or a TLS proxy or SSH tunnel to a loopback address)',
    });
  }
  return url;
}
