import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { rawErrorResponse } from './http-errors.js';

/** How many connections one listener holds, and for how long before its request headers arrive. */
export interface ConnectionLimits {
  /** Connections served at once; past it a newcomer makes room by closing a waiting one, or is answered 503. */
  maxConnections: number;
  /**
   * Connections whose request headers have not arrived yet. Unset means only `maxConnections`
   * bounds them. When a newcomer finds them all taken, the oldest is closed with a 503.
   */
  maxWaiting?: number;
  /** From accepting a connection to its request headers having arrived. */
  headerDeadlineMs: number;
  /** Seconds a refused client is told to wait (Retry-After). */
  retryAfterSeconds: number;
}

/** The unix socket: whoever can connect is the daemon's owner, so nobody is cut off for others. */
export const UNIX_LIMITS: ConnectionLimits = { maxConnections: 256, headerDeadlineMs: 5_000, retryAfterSeconds: 1 };

/**
 * Loopback TCP. Every loopback client has the same address and differs only by port, so a cap
 * per remote address would just be a second global cap. What tells clients apart is the token,
 * and a connection shows it only with its headers: so all connections still waiting for theirs
 * count as one peer, which may hold at most half the places; a new connection pushes the oldest
 * of them out. Half-sent connections can then never take the places of requests that came with
 * the token, and a client that sends its headers at once gets in. The cap is not smaller
 * because a burst of real clients also waits here until the daemon reads their headers.
 */
export const TCP_LIMITS: ConnectionLimits = { ...UNIX_LIMITS, maxWaiting: UNIX_LIMITS.maxConnections / 2 };

/** How long a closing connection may take to read its answer and hang up before it is dropped. */
const LINGER_MS = 2_000;
/** Refused connections reading their answer at once; past it the oldest is dropped unread. */
const MAX_LINGERING = 1024;
const PRESSURE_LOG_INTERVAL_MS = 10_000;

export interface ConnectionGuard {
  /** Whether the guard has answered this connection itself; a request on it gets no other answer. */
  isClosing(socket: Socket): boolean;
}

/**
 * Put admission in front of `server`'s HTTP parser: count connections, refuse those past the
 * limits with a 503 written straight onto the socket, and close connections whose headers miss
 * the deadline with a 408. A refused connection is half-closed and read until the client hangs
 * up, so the client reads its answer instead of a reset.
 */
export function guardConnections(server: Server, limits: ConnectionLimits, log: Logger, listener: string): ConnectionGuard {
  const served = new Set<Socket>();
  const waiting = new Map<Socket, NodeJS.Timeout>();
  const lingering = new Set<Socket>();
  const closing = new WeakSet<Socket>();
  const pressure = { refused: 0, pushedOut: 0, timedOut: 0, since: 0 };

  const busy = rawErrorResponse(503, 'ERR_TOO_MANY_CONNECTIONS', 'the daemon has too many connections open; try again shortly', {
    'retry-after': String(limits.retryAfterSeconds),
  });
  const late = rawErrorResponse(408, 'ERR_REQUEST_TIMEOUT', `request headers did not arrive within ${limits.headerDeadlineMs / 1000} s`);

  function noteLoad(kind: 'refused' | 'pushedOut' | 'timedOut'): void {
    pressure[kind] += 1;
    const now = Date.now();
    if (now - pressure.since < PRESSURE_LOG_INTERVAL_MS) return;
    const { refused, pushedOut, timedOut } = pressure;
    log.warn({ listener, refused, pushedOut, timedOut, served: served.size, waiting: waiting.size, maxConnections: limits.maxConnections }, 'connections refused or closed under load');
    Object.assign(pressure, { refused: 0, pushedOut: 0, timedOut: 0, since: now });
  }

  function stopWaiting(socket: Socket): void {
    clearTimeout(waiting.get(socket));
    waiting.delete(socket);
  }

  /** Answer and half-close; keep reading (the HTTP parser does for a served socket) so unread input never turns the close into a reset. */
  function closeWith(socket: Socket, answer: string): void {
    stopWaiting(socket);
    served.delete(socket);
    closing.add(socket);
    if (socket.destroyed) return;
    const oldest = lingering.size >= MAX_LINGERING ? lingering.values().next().value : undefined;
    if (oldest !== undefined) {
      lingering.delete(oldest);
      oldest.destroy();
    }
    lingering.add(socket);
    const drop = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => {
      clearTimeout(drop);
      lingering.delete(socket);
    });
    socket.once('end', () => socket.destroy());
    socket.end(answer);
  }

  function pushOutOldestWaiting(): boolean {
    const oldest = waiting.keys().next().value;
    if (oldest === undefined) return false;
    noteLoad('pushedOut');
    closeWith(oldest, busy);
    return true;
  }

  function admit(socket: Socket): boolean {
    if (limits.maxWaiting !== undefined && waiting.size >= limits.maxWaiting) pushOutOldestWaiting();
    if (served.size >= limits.maxConnections && !pushOutOldestWaiting()) {
      noteLoad('refused');
      socket.on('error', () => socket.destroy());
      socket.resume();
      closeWith(socket, busy);
      return false;
    }
    served.add(socket);
    const deadline = setTimeout(() => {
      noteLoad('timedOut');
      closeWith(socket, late);
    }, limits.headerDeadlineMs).unref();
    waiting.set(socket, deadline);
    socket.once('close', () => {
      stopWaiting(socket);
      served.delete(socket);
    });
    return true;
  }

  // Node's HTTP server attaches its parser in its own 'connection' listener. A refused socket
  // must never get one, so admission goes in front of it instead of beside it.
  const parse = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!admit(socket)) return;
    for (const attach of parse) attach.call(server, socket);
  });
  server.on('request', (req: IncomingMessage) => stopWaiting(req.socket));

  return { isClosing: (socket) => closing.has(socket) };
}
