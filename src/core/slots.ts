/** Build slots: how many container builds run at once, and in what order they start. */
export interface Slots {
  /**
   * Run `fn` holding `weight` slots (a build a recipe says needs two CPUs takes two of
   * the run's `--jobs`). Higher `priority` starts first; equal priorities start in order.
   * Waiting ends with the signal's reason when `signal` aborts first.
   */
  run<T>(fn: () => Promise<T>, options?: { weight?: number; priority?: number; signal?: AbortSignal }): Promise<T>;
}

/** A counting semaphore with weights and priorities. */
export function createSlots(capacity: number): Slots {
  let free = capacity;
  let arrivals = 0;
  const waiting: Array<{ weight: number; priority: number; order: number; wake: () => void }> = [];
  const pump = (): void => {
    waiting.sort((a, b) => b.priority - a.priority || a.order - b.order);
    while (waiting.length > 0 && (waiting[0]?.weight ?? 0) <= free) {
      const next = waiting.shift();
      if (!next) return;
      free -= next.weight;
      next.wake();
    }
  };
  const acquire = (weight: number, priority: number, signal: AbortSignal | undefined): Promise<() => void> => {
    const w = Math.min(Math.max(1, Math.ceil(weight)), capacity);
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const entry = {
        weight: w,
        priority,
        order: arrivals++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(() => {
            free += w;
            // Hand the slot on after the releasing job's failure has been seen (a fail-fast abort comes first).
            setImmediate(pump);
          });
        },
      };
      const onAbort = (): void => {
        const at = waiting.indexOf(entry);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(entry);
      // Not at once: work that becomes ready together (the dependents of one build) all queues first, so the highest priority wins.
      setImmediate(pump);
    });
  };
  return {
    async run(fn, options = {}) {
      const release = await acquire(options.weight ?? 1, options.priority ?? 0, options.signal);
      try {
        options.signal?.throwIfAborted();
        return await fn();
      } finally {
        release();
      }
    },
  };
}
