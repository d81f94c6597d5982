import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel, type WheelItem } from './timer-wheel.js';

interface Item extends WheelItem {
  name: string;
}
const item = (name: string): Item => ({ name, wheelSlot: -1 });

describe('TimerWheel (Timer C for every ringing branch, §16.8)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires an item no earlier than the delay and less than two ticks (2 × delay / 64) later', () => {
    const fired: Array<[string, number]> = [];
    const start = Date.now();
    const wheel = new TimerWheel<Item>(185_000, (i) => fired.push([i.name, Date.now() - start]));
    vi.advanceTimersByTime(1234); // armed between two ticks (the ticker is not running yet)
    wheel.arm(item('a'));
    vi.advanceTimersByTime(1000);
    wheel.arm(item('b'));
    vi.advanceTimersByTime(200_000);
    expect(fired.map(([name]) => name)).toEqual(['a', 'b']);
    const [[, a], [, b]] = fired as [[string, number], [string, number]];
    expect(a - 1234).toBeGreaterThanOrEqual(185_000);
    expect(a - 1234).toBeLessThan(185_000 + 2 * Math.ceil(185_000 / 64));
    expect(b - 2234).toBeGreaterThanOrEqual(185_000);
    expect(b - 2234).toBeLessThan(185_000 + 2 * Math.ceil(185_000 / 64));
    expect(wheel.size).toBe(0);
  });

  it('restarts an item armed again (a provisional response resets Timer C) and forgets a disarmed one', () => {
    const fired: string[] = [];
    const wheel = new TimerWheel<Item>(1000, (i) => fired.push(i.name));
    const reset = item('reset');
    const stopped = item('stopped');
    wheel.arm(reset);
    wheel.arm(stopped);
    vi.advanceTimersByTime(900);
    wheel.arm(reset);
    wheel.disarm(stopped);
    vi.advanceTimersByTime(900);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(fired).toEqual(['reset']);
    expect(reset.wheelSlot).toBe(-1);
    expect(wheel.size).toBe(0);
  });

  it('lets an expiring item be armed again from its own expiry, and stops ticking when empty', () => {
    let count = 0;
    const again = item('again');
    const wheel = new TimerWheel<Item>(100, (i) => {
      count += 1;
      if (count < 3) wheel.arm(i);
    });
    wheel.arm(again);
    vi.advanceTimersByTime(1000);
    expect(count).toBe(3);
    expect(wheel.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
