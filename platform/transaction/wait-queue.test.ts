import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WaitQueues, type Waiting } from './wait-queue.js';

interface Entry extends Waiting {
  name: string;
}

const entry = (name: string): Entry => ({ name, deadline: 0, done: false });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WaitQueues', () => {
  it('expires each entry at its own deadline with one timer per duration', () => {
    const expired: string[] = [];
    const queues = new WaitQueues<Entry>((e) => expired.push(e.name));
    queues.add(entry('a'), 1000);
    vi.advanceTimersByTime(300);
    queues.add(entry('b'), 1000);
    queues.add(entry('c'), 200);
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(199);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['c']);
    vi.advanceTimersByTime(499);
    expect(expired).toEqual(['c']);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['c', 'a']);
    vi.advanceTimersByTime(300);
    expect(expired).toEqual(['c', 'a', 'b']);
    expect(vi.getTimerCount()).toBe(0);
    expect(queues.size).toBe(0);
  });

  it('still expires entries that ended early (flagged done) and stops everything on clear()', () => {
    const expired: string[] = [];
    const queues = new WaitQueues<Entry>((e) => expired.push(e.done ? `${e.name} (done)` : e.name));
    const early = entry('early');
    queues.add(early, 100);
    queues.add(entry('kept'), 100);
    early.done = true;
    vi.advanceTimersByTime(100);
    expect(expired).toEqual(['early (done)', 'kept']);
    queues.add(entry('dropped'), 100);
    queues.clear();
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(['early (done)', 'kept']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('handles many entries in order (compaction)', () => {
    let count = 0;
    let last = -1;
    const queues = new WaitQueues<Entry>((e) => {
      const n = Number(e.name);
      expect(n).toBeGreaterThan(last);
      last = n;
      count++;
    });
    for (let i = 0; i < 5000; i++) {
      queues.add(entry(String(i)), 50);
      if (i % 100 === 99) vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(100);
    expect(count).toBe(5000);
  });
});
