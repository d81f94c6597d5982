/**
 * Capture times: a monotonic microsecond count (process.hrtime: never steps back, so ladder
 * offsets are exact) and the epoch microseconds it corresponds to, anchored once per tracer so
 * that one clock read serves both.
 */
export interface TraceClock {
  /** Monotonic µs (any origin). */
  monoUs(): number;
  /** Epoch µs of a `monoUs` reading. */
  wallUs(monoUs: number): number;
}

export function systemTraceClock(): TraceClock {
  const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);
  const offset = Date.now() * 1000 - monoUs();
  return { monoUs, wallUs: (mono) => mono + offset };
}
