import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMER_CONFIG, deriveTimerValues, resolveTimerConfig, TRYING_DELAY_MS } from './timers.js';

describe('RFC 3261 Table 4 timer values', () => {
  it('defaults T1 to 500 ms, T2 to 4 s and T4 to 5 s (§17.1.1.1, §17.1.2.2)', () => {
    expect(resolveTimerConfig()).toEqual({ T1: 500, T2: 4000, T4: 5000 });
    expect(DEFAULT_TIMER_CONFIG).toEqual({ T1: 500, T2: 4000, T4: 5000 });
  });

  it('over an unreliable transport: A=E=G=T1, B=F=H=J=L=M=64*T1, D=32 s, I=K=T4', () => {
    const values = deriveTimerValues(resolveTimerConfig(), false);
    expect(values).toEqual({ A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000, T2: 4000 });
  });

  it('over a reliable transport: A, E and G are not started and D, I, J, K are zero', () => {
    const values = deriveTimerValues(resolveTimerConfig(), true);
    expect(values).toEqual({ A: null, B: 32_000, D: 0, E: null, F: 32_000, G: null, H: 32_000, I: 0, J: 0, K: 0, L: 32_000, M: 32_000, T2: 4000 });
  });

  it('derives everything from the instance configuration, not from globals', () => {
    const fast = deriveTimerValues(resolveTimerConfig({ T1: 100, T2: 400, T4: 1000 }), false);
    const slow = deriveTimerValues(resolveTimerConfig(), false);
    expect(fast).toMatchObject({ A: 100, B: 6400, F: 6400, H: 6400, J: 6400, L: 6400, M: 6400, I: 1000, K: 1000, T2: 400 });
    expect(slow.B).toBe(32_000);
  });

  it('keeps Timer D at least 32 s for unreliable transports even with a small T1 (§17.1.1.2)', () => {
    expect(deriveTimerValues(resolveTimerConfig({ T1: 100 }), false).D).toBe(32_000);
    expect(deriveTimerValues(resolveTimerConfig({ T1: 1000, T2: 4000 }), false).D).toBe(64_000);
  });

  it('waits 200 ms before the automatic 100 Trying (§17.2.1)', () => {
    expect(TRYING_DELAY_MS).toBe(200);
  });

  it('rejects non-positive values and a T2 below T1', () => {
    expect(() => resolveTimerConfig({ T1: 0 })).toThrow(RangeError);
    expect(() => resolveTimerConfig({ T4: -1 })).toThrow(RangeError);
    expect(() => resolveTimerConfig({ T1: Number.NaN })).toThrow(RangeError);
    expect(() => resolveTimerConfig({ T1: 5000, T2: 4000 })).toThrow(/T2/);
  });
});
