/**
 * Slows password guessing: per source address, at most `maxFailures` failed authentications
 * within a sliding window of `windowMs`; the failure that reaches the limit blocks the source
 * for `blockMs`. While blocked, the endpoint should not even evaluate credentials (answer 403
 * or drop — policy above this layer). Successes do not reset the count: an attacker holding one
 * valid account could otherwise interleave logins to keep guessing others.
 *
 * Memory is bounded: a source keeps at most `maxFailures` time stamps, and at most `maxSources`
 * sources are tracked — idle ones are dropped first, then the least recently seen unblocked ones.
 */

export interface FailureRateLimiterOptions {
  /** Failures allowed within the window; the one reaching it blocks. Default 10. */
  maxFailures?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** How long a source stays blocked. Default 300 s. */
  blockMs?: number;
  /** Default 10 000. */
  maxSources?: number;
  clock?: () => number;
}

export type RateLimitState = { blocked: false } | { blocked: true; retryAfterMs: number };

interface SourceState {
  /** Failure times within the window, oldest first. */
  failures: number[];
  blockedUntil: number;
}

export class FailureRateLimiter {
  readonly #sources = new Map<string, SourceState>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #maxSources: number;
  readonly #clock: () => number;

  constructor(options: FailureRateLimiterOptions = {}) {
    this.#maxFailures = Math.max(1, options.maxFailures ?? 10);
    this.#windowMs = options.windowMs ?? 60_000;
    this.#blockMs = options.blockMs ?? 300_000;
    this.#maxSources = Math.max(1, options.maxSources ?? 10_000);
    this.#clock = options.clock ?? Date.now;
  }

  /** Sources currently tracked (for metrics and tests). */
  get size(): number {
    return this.#sources.size;
  }

  /** Whether `source` (an address, or address:port) may try to authenticate now. */
  check(source: string): RateLimitState {
    const state = this.#sources.get(source);
    if (!state) return { blocked: false };
    const now = this.#clock();
    if (state.blockedUntil > now) return { blocked: true, retryAfterMs: state.blockedUntil - now };
    return { blocked: false };
  }

  /** Count one failed attempt; returns the state after it. */
  recordFailure(source: string): RateLimitState {
    const now = this.#clock();
    let state = this.#sources.get(source);
    if (state) {
      this.#sources.delete(source); // re-inserted below: most recently seen last
    } else {
      state = { failures: [], blockedUntil: 0 };
    }
    this.#sources.set(source, state);
    if (this.#sources.size > this.#maxSources) this.#shrink(now);

    if (state.blockedUntil > now) return { blocked: true, retryAfterMs: state.blockedUntil - now };
    dropOlderThan(state.failures, now - this.#windowMs);
    state.failures.push(now);
    if (state.failures.length >= this.#maxFailures) {
      state.failures.length = 0;
      state.blockedUntil = now + this.#blockMs;
      return { blocked: true, retryAfterMs: this.#blockMs };
    }
    return { blocked: false };
  }

  /** Make room: drop idle sources, then the least recently seen unblocked ones, and only then
   *  blocked ones (rotating through many addresses must not lift a block cheaply). Shrinks to
   *  90 % so the O(n) pass is paid once per many inserts. */
  #shrink(now: number): void {
    const target = Math.max(1, Math.floor(this.#maxSources * 0.9));
    const isBlocked = (state: SourceState): boolean => state.blockedUntil > now;
    for (const [source, state] of this.#sources) {
      if (!isBlocked(state) && (state.failures.at(-1) ?? 0) <= now - this.#windowMs) this.#sources.delete(source);
    }
    for (const pass of [false, true]) {
      for (const [source, state] of this.#sources) {
        if (this.#sources.size <= target) return;
        if (pass || !isBlocked(state)) this.#sources.delete(source);
      }
    }
  }
}

function dropOlderThan(times: number[], cutoff: number): void {
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= cutoff) drop++;
  if (drop > 0) times.splice(0, drop);
}
