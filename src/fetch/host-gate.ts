import { createSlots, type Slots } from '../core/slots.js';

/**
 * At most this many requests to one origin are in flight at once; the rest wait their turn.
 * Measured on this project's machine: 85 index pages fetched all at once took 5.1 s (every
 * request past about twenty new connections stalled for 5 s, a resolver's timeout), eight at a
 * time 0.32 s. pip keeps a pool of ten connections per host for the same reason.
 */
export const MAX_REQUESTS_PER_ORIGIN = 8;

const gates = new Map<string, Slots>();

/**
 * Run `fn` (a request and the reading of its whole body) holding one of its origin's request
 * slots. Waiting ends when `signal` aborts.
 */
export function throughOrigin<T>(url: URL | string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  const origin = new URL(url).origin;
  let gate = gates.get(origin);
  if (!gate) {
    gate = createSlots(MAX_REQUESTS_PER_ORIGIN);
    gates.set(origin, gate);
  }
  return gate.run(fn, signal ? { signal } : {});
}
