import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { loadDockerode } from './lean-client.js';

/** Where a Docker engine is reached: a unix socket, TCP (optionally TLS), or SSH. */
export interface EngineAddress {
  /** `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2376`, `ssh://user@host`; default from DOCKER_HOST. */
  host?: string;
  /** Directory with ca.pem, cert.pem, key.pem for TCP+TLS (DOCKER_CERT_PATH). */
  certPath?: string;
  /** For ssh://: the host key the server must present, as OpenSSH prints it (`SHA256:<base64>`); any other key is refused. */
  hostKey?: string;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export function engineOptions(address: EngineAddress = {}, env: NodeJS.ProcessEnv = process.env): Docker.DockerOptions {
  const host = address.host ?? env.DOCKER_HOST ?? `unix://${DEFAULT_DOCKER_SOCKET}`;
  const url = parseHost(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'ssh:') {
    const pinned = address.hostKey;
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: url.port ? Number(url.port) : 22,
      username: url.username || undefined,
      // ssh2 accepts any host key unless told otherwise; with a pin, only that key.
      sshOptions: {
        ...(env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
        ...(pinned === undefined ? {} : { hostVerifier: (key: Buffer) => sshFingerprint(key) === pinned }),
      },
    } as Docker.DockerOptions;
  }
  const certPath = address.certPath ?? env.DOCKER_CERT_PATH;
  const port = Number(url.port || (certPath ? 2376 : 2375));
  if (!certPath) return { protocol: 'http', host: url.hostname, port };
  return {
    protocol: 'https',
    host: url.hostname,
    port,
    ca: readFileSync(join(certPath, 'ca.pem')),
    cert: readFileSync(join(certPath, 'cert.pem')),
    key: readFileSync(join(certPath, 'key.pem')),
  };
}

/** OpenSSH's fingerprint of a raw host key: `SHA256:` and the unpadded base64 of its digest. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function parseHost(host: string): URL {
  const withScheme = host.startsWith('/') ? `unix://${host}` : host;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw badHost(host);
  }
  if (!['unix:', 'tcp:', 'ssh:', 'http:', 'https:'].includes(url.protocol)) throw badHost(host);
  return url;
}

function badHost(host: string): HbuildError {
  return new HbuildError('ERR_USAGE', `cannot use Docker host ${JSON.stringify(host)}`, {
    hint: 'use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST',
  });
}

/** How an engine address is shown in messages. */
export function describeEngine(address: EngineAddress = {}, env: NodeJS.ProcessEnv = process.env): string {
  const host = address.host ?? env.DOCKER_HOST ?? `unix://${DEFAULT_DOCKER_SOCKET}`;
  return host.startsWith('/') ? `unix://${host}` : host;
}

/** Connect to an engine and make sure it answers; a dead engine is a clear error, not a hang. */
export async function connectDocker(address: EngineAddress = {}): Promise<Docker> {
  const options = engineOptions(address);
  // Loaded on first use: a run whose every wheel is cached never pays for the Docker client.
  const { default: DockerClient } = await loadDockerode();
  const docker = new DockerClient({ ...options, timeout: 0 });
  try {
    await withTimeout(docker.ping(), 10_000);
  } catch (err) {
    throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `no Docker engine answers at ${describeEngine(address)}`, {
      hint: 'start one (as root: `dockerd &`, or run scripts/setup.sh), or point --docker-host / DOCKER_HOST at a running engine',
      cause: err,
    });
  }
  return docker;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
