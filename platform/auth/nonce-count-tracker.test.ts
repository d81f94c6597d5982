import { describe, expect, it } from 'vitest';
import { NonceCountTracker } from './nonce-count-tracker.js';

describe('NonceCountTracker (RFC 7616 §3.4 nonce-count)', () => {
  const T0 = 1_000_000;

  it('accepts increasing counts and rejects a repeated or lower one as a replay', () => {
    const tracker = new NonceCountTracker({ lifetimeMs: 300_000, clock: () => T0 });
    expect(tracker.check('n1', T0, 1)).toBe('ok');
    expect(tracker.check('n1', T0, 1)).toBe('replay');
    expect(tracker.check('n1', T0, 3)).toBe('ok'); // gaps are fine: requests can be lost
    expect(tracker.check('n1', T0, 2)).toBe('replay');
    expect(tracker.check('n2', T0, 1)).toBe('ok');
  });

  it('knows nothing of nonces issued before it started: unknown-history', () => {
    const tracker = new NonceCountTracker({ lifetimeMs: 300_000, clock: () => T0 });
    expect(tracker.check('old', T0 - 1, 1)).toBe('unknown-history');
    expect(tracker.check('new', T0, 1)).toBe('ok');
  });

  it('stays within maxEntries, and an evicted nonce cannot be replayed', () => {
    let now = T0;
    const tracker = new NonceCountTracker({ lifetimeMs: 300_000, maxEntries: 10, clock: () => now });
    for (let i = 0; i < 10; i++) expect(tracker.check(`n${i}`, T0 + i, 1)).toBe('ok');
    now = T0 + 100;
    expect(tracker.check('n0', T0, 2)).toBe('ok'); // n0 is now the most recently used
    expect(tracker.check('n10', T0 + 10, 1)).toBe('ok'); // 11 > 10: evicts n1, n2 (least recently used)
    expect(tracker.size).toBeLessThanOrEqual(10);
    expect(tracker.check('n1', T0 + 1, 1)).toBe('unknown-history');
    expect(tracker.check('n0', T0, 2)).toBe('replay');
    expect(tracker.check('n10', T0 + 10, 2)).toBe('ok');
  });

  it('drops expired entries before evicting live ones', () => {
    let now = T0;
    const tracker = new NonceCountTracker({ lifetimeMs: 1000, maxEntries: 4, clock: () => now });
    tracker.check('a', T0, 1);
    tracker.check('b', T0, 1);
    now = T0 + 500;
    tracker.check('c', now, 1);
    tracker.check('d', now, 1);
    now = T0 + 1500; // a and b expired
    tracker.check('e', now, 1);
    expect(tracker.size).toBe(3);
    // Expiry does not raise the floor: c and d keep their history.
    expect(tracker.check('c', T0 + 500, 1)).toBe('replay');
  });
});
