import type { HbuildError } from '../core/errors.js';
import type { Member } from './members.js';

interface Waiter {
  key: string;
  weight: number;
  grant: (member: Member) => void;
  fail: (err: HbuildError) => void;
}

/**
 * The build slots of a pool's members: a build of `weight` slots waits for the usable member
 * (for its check key) with the most free slots, equal ones in the order the engines were
 * given; a weight above a member's slots takes all of them. When no member is usable for a
 * key at all, its waiting builds fail at once with `noEngine`, rather than wait for one.
 */
export function createMemberSlots(usable: (key: string) => Member[], noEngine: (key: string) => HbuildError) {
  const waiting: Waiter[] = [];
  const pump = (): void => {
    for (const waiter of [...waiting]) {
      const candidates = usable(waiter.key);
      if (candidates.length === 0) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.fail(noEngine(waiter.key));
        continue;
      }
      const fits = candidates.filter((m) => m.slots - m.busy >= Math.min(waiter.weight, m.slots));
      // The most free slots first; equal: the order the engines were given in.
      const best = fits.reduce<Member | undefined>((a, m) => (a === undefined || m.slots - m.busy > a.slots - a.busy ? m : a), undefined);
      if (best === undefined) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      best.busy += Math.min(waiter.weight, best.slots);
      waiter.grant(best);
    }
  };

  const acquire = (key: string, weight: number, signal: AbortSignal): Promise<{ member: Member; release: () => void }> =>
    new Promise((resolve, reject) => {
      signal.throwIfAborted();
      const onAbort = (): void => {
        const at = waiting.indexOf(waiter);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        key,
        weight,
        grant: (member) => {
          signal.removeEventListener('abort', onAbort);
          const held = Math.min(weight, member.slots);
          resolve({
            member,
            release: () => {
              member.busy -= held;
              setImmediate(pump);
            },
          });
        },
        fail: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.push(waiter);
      pump();
    });

  return { acquire, pump };
}
