/**
 * A counting semaphore with weights: a build that a recipe says needs two CPUs
 * takes two of the run's `--jobs` slots, so heavy builds do not oversubscribe.
 */
export function createSlots(capacity: number): { acquire(weight: number): Promise<() => void> } {
  let free = capacity;
  const waiting: Array<{ weight: number; wake: () => void }> = [];
  const pump = (): void => {
    while (waiting.length > 0 && (waiting[0]?.weight ?? 0) <= free) {
      const next = waiting.shift();
      if (!next) return;
      free -= next.weight;
      next.wake();
    }
  };
  return {
    acquire(weight) {
      const w = Math.min(Math.max(1, Math.ceil(weight)), capacity);
      return new Promise((resolve) => {
        waiting.push({
          weight: w,
          wake: () =>
            resolve(() => {
              free += w;
              pump();
            }),
        });
        pump();
      });
    },
  };
}
