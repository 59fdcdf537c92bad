import { chmod, lstat, unlink } from 'node:fs/promises';
import { isIPv4, connect } from 'node:net';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HbuildError } from '../../core/errors.js';

/**
 * Connections the kernel queues before the daemon accepts them (Linux caps it at
 * net.core.somaxconn). A full queue makes a unix-socket client fail with EAGAIN instead of
 * reading a 503, so it is deep: a burst waits there and is then answered, within the limits.
 */
const LISTEN_BACKLOG = 4096;

export interface TcpAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:8080` or `[::1]:8080`. Only loopback addresses are accepted: there is no TLS to protect a token elsewhere. */
export function parseTcpAddress(text: string): TcpAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || host === undefined || !Number.isInteger(port) || port > 65_535) {
    throw new HbuildError('ERR_USAGE', `cannot read TCP address ${JSON.stringify(text)}`, { hint: 'use --tcp 127.0.0.1:PORT' });
  }
  if (!isLoopback(host)) {
    throw new HbuildError('ERR_USAGE', `refusing to listen on ${text}: only loopback addresses are served without TLS, and hbuild has no TLS`, {
      hint: 'use --tcp 127.0.0.1:PORT, and reach it from elsewhere through an SSH tunnel or a TLS-terminating proxy',
    });
  }
  return { host, port };
}

/** Literal loopback addresses only: a host name could resolve anywhere. */
export function isLoopback(host: string): boolean {
  if (isIPv4(host)) return host.split('.')[0] === '127';
  return host === '::1';
}

/**
 * Listen on a unix socket readable and writable only by its owner: the socket is created under
 * umask 177, so it is never reachable by others, not even for a moment. A socket file left by a
 * dead daemon is replaced; a live one is not.
 */
export async function listenUnix(server: Server, path: string): Promise<void> {
  const existing = await lstat(path).catch(() => null);
  if (existing) {
    if (!existing.isSocket()) throw new HbuildError('ERR_USAGE', `${path} exists and is not a socket`, { hint: 'pass another --socket path' });
    if (await answers(path)) throw new HbuildError('ERR_USAGE', `a daemon already listens on ${path}`, { hint: 'stop it first, or pass another --socket path' });
    await unlink(path);
  }
  const previous = process.umask(0o177);
  try {
    await listen(server, () => server.listen({ path, backlog: LISTEN_BACKLOG }));
  } finally {
    process.umask(previous);
  }
  await chmod(path, 0o600);
}

export async function listenTcp(server: Server, address: TcpAddress): Promise<TcpAddress> {
  await listen(server, () => server.listen({ port: address.port, host: address.host, backlog: LISTEN_BACKLOG }));
  const bound = server.address() as AddressInfo;
  return { host: address.host, port: bound.port };
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new HbuildError('ERR_USAGE', `cannot listen: ${err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
    start();
  });
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
