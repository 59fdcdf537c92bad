import { describe, expect, it } from 'vitest';
import { createSlots } from '../../src/core/slots.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { open, wait };
}

describe('createSlots', () => {
  it('runs at most capacity at once, counting a heavy job as several', async () => {
    const slots = createSlots(2);
    const first = gate();
    const started: string[] = [];

    const a = slots.run(async () => { started.push('a'); await first.wait; });
    const heavy = slots.run(async () => { started.push('heavy'); }, { weight: 2 });
    await tick();
    const startedWhileAHolds = [...started];
    first.open();
    await Promise.all([a, heavy]);

    expect(startedWhileAHolds).toEqual(['a']);
    expect(started).toEqual(['a', 'heavy']);
  });

  it('starts higher priorities first, equal ones in arrival order', async () => {
    const slots = createSlots(1);
    const hold = gate();
    const order: string[] = [];

    const holder = slots.run(() => hold.wait);
    const runs = [
      slots.run(async () => void order.push('low-1')),
      slots.run(async () => void order.push('high'), { priority: 1 }),
      slots.run(async () => void order.push('low-2')),
    ];
    hold.open();
    await Promise.all([holder, ...runs]);

    expect(order).toEqual(['high', 'low-1', 'low-2']);
  });

  it('gives up waiting when the signal aborts, and frees the slot of a failed job', async () => {
    const slots = createSlots(1);
    const hold = gate();
    const controller = new AbortController();

    const holder = slots.run(() => hold.wait);
    const waiting = slots.run(async () => 'never', { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    hold.open();
    await holder;
    await expect(slots.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');

    expect(await slots.run(async () => 'free again')).toBe('free again');
  });
});
