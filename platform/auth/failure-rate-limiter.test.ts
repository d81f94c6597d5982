import { describe, expect, it } from 'vitest';
import { FailureRateLimiter } from './failure-rate-limiter.js';

describe('FailureRateLimiter', () => {
  it('blocks a source at the 10th failure within 60 s, for the cool-down, then recovers', () => {
    let now = 0;
    const limiter = new FailureRateLimiter({ clock: () => now, blockMs: 120_000 });
    for (let i = 1; i <= 9; i++) {
      now += 1000;
      expect(limiter.recordFailure('198.51.100.7')).toEqual({ blocked: false });
    }
    expect(limiter.check('198.51.100.7')).toEqual({ blocked: false });
    now += 1000;
    expect(limiter.recordFailure('198.51.100.7')).toEqual({ blocked: true, retryAfterMs: 120_000 });
    expect(limiter.check('198.51.100.7')).toEqual({ blocked: true, retryAfterMs: 120_000 });
    expect(limiter.check('203.0.113.1')).toEqual({ blocked: false });

    now += 60_000;
    expect(limiter.check('198.51.100.7')).toEqual({ blocked: true, retryAfterMs: 60_000 });
    // Failures while blocked do not extend the block.
    expect(limiter.recordFailure('198.51.100.7')).toEqual({ blocked: true, retryAfterMs: 60_000 });
    now += 60_000;
    expect(limiter.check('198.51.100.7')).toEqual({ blocked: false });
    // The count starts again from zero.
    expect(limiter.recordFailure('198.51.100.7')).toEqual({ blocked: false });
  });

  it('forgets failures older than the window (sliding, not fixed)', () => {
    let now = 0;
    const limiter = new FailureRateLimiter({ maxFailures: 3, windowMs: 60_000, clock: () => now });
    limiter.recordFailure('a'); // t=0
    now = 30_000;
    limiter.recordFailure('a'); // t=30 s
    now = 60_001; // the first one has left the window
    expect(limiter.recordFailure('a')).toEqual({ blocked: false });
    now = 60_002;
    expect(limiter.recordFailure('a').blocked).toBe(true); // 30 s, 60.001 s, 60.002 s
  });

  it('tracks a bounded number of sources, keeping blocked ones over idle ones', () => {
    let now = 0;
    const limiter = new FailureRateLimiter({ maxFailures: 2, maxSources: 100, clock: () => now });
    limiter.recordFailure('attacker');
    limiter.recordFailure('attacker');
    now = 61_000;
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(limiter.check('attacker').blocked).toBe(true);
  });
});
