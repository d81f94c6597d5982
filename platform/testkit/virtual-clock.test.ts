import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH, VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('fires timers in time order (ties in scheduling order) only when advanced, settling after each', async () => {
    const fired: string[] = [];
    let settles = 0;
    const clock = new VirtualClock({ settle: async () => void (settles += 1) });
    clock.setTimeout(() => fired.push(`b@${clock.elapsed}`), 200);
    clock.setTimeout(() => fired.push(`a@${clock.elapsed}`), 100);
    clock.setTimeout(() => fired.push(`a2@${clock.elapsed}`), 100);
    const cancelled = clock.setTimeout(() => fired.push('never'), 150);
    cancelled.cancel();
    expect(clock.now()).toBe(VIRTUAL_EPOCH);
    await clock.advance(150);
    expect(fired).toEqual(['a@100', 'a2@100']);
    expect(clock.elapsed).toBe(150);
    await clock.advance(50);
    expect(fired).toEqual(['a@100', 'a2@100', 'b@200']);
    expect(settles).toBeGreaterThanOrEqual(3);
    expect(clock.pending()).toBe(0);
  });

  it('runs timers that timers schedule within the same advance, and runUntil stops at a condition', async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const tick = (): void => {
      ticks += 1;
      clock.setTimeout(tick, 1000);
    };
    clock.setTimeout(tick, 1000);
    await clock.advance(10_000);
    expect(ticks).toBe(10);
    expect(await clock.runUntil(() => ticks === 15, 60_000)).toBe(true);
    expect(clock.elapsed).toBe(15_000);
    expect(await clock.runUntil(() => false, 3_000)).toBe(false);
    expect(clock.nextAt()).toBeGreaterThan(clock.now());
  });

  it('refuses overlapping advances and negative steps', async () => {
    const clock = new VirtualClock({ settle: () => new Promise((resolve) => setImmediate(resolve)) });
    const first = clock.advance(10);
    await expect(clock.advance(10)).rejects.toThrow(/already advancing/u);
    await first;
    expect(() => clock.advance(-1)).toThrow(/cannot advance/u);
  });
});
