import { describe, expect, it } from 'vitest';
import { WallClock } from './wall-clock.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('WallClock (one timer for every running event)', () => {
  it('expires a budget once its time has passed, not before', async () => {
    const clock = new WallClock();
    const started = performance.now();
    let expiredAt = 0;
    clock.arm(40, () => (expiredAt = performance.now()));
    await sleep(20);
    expect(expiredAt).toBe(0);
    await sleep(60);
    expect(expiredAt - started).toBeGreaterThanOrEqual(39);
    expect(clock.size).toBe(0);
  });

  it('never expires a disarmed budget, and still expires the others in deadline order', async () => {
    const clock = new WallClock();
    const expired: string[] = [];
    const late = clock.arm(60, () => expired.push('late'));
    const early = clock.arm(20, () => expired.push('early'));
    clock.arm(40, () => expired.push('middle'));
    clock.disarm(early);
    await sleep(50);
    expect(expired).toEqual(['middle']);
    await sleep(40);
    expect(expired).toEqual(['middle', 'late']);
    clock.disarm(late);
    expect(clock.size).toBe(0);
  });

  it('re-arms for a budget shorter than the one its timer waits for', async () => {
    const clock = new WallClock();
    const expired: string[] = [];
    clock.arm(1000, () => expired.push('long'));
    const short = performance.now();
    let shortAt = 0;
    clock.arm(15, () => {
      shortAt = performance.now();
      expired.push('short');
    });
    await sleep(60);
    expect(expired).toEqual(['short']);
    expect(shortAt - short).toBeLessThan(60);
    expect(clock.size).toBe(1);
  });
});
