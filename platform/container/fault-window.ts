/**
 * Counts an app's faults in a sliding window; reaching the limit quarantines the app
 * (spec §D "per-app quarantine", issue #5: "after repeated faults disables that app").
 */
export interface FaultLimit {
  /** Faults that disable the app (default 5). */
  readonly maxFaults: number;
  /** Window the faults must fall in, in ms (default 60 s). */
  readonly windowMs: number;
}

export const DEFAULT_FAULT_LIMIT: FaultLimit = { maxFaults: 5, windowMs: 60_000 };

export class FaultWindow {
  readonly #limit: FaultLimit;
  readonly #now: () => number;
  #times: number[] = [];

  constructor(limit: FaultLimit = DEFAULT_FAULT_LIMIT, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Records one fault; true when the window now holds `maxFaults` or more. */
  record(): boolean {
    const now = this.#now();
    this.#times = this.#times.filter((time) => now - time < this.#limit.windowMs);
    this.#times.push(now);
    return this.#times.length >= this.#limit.maxFaults;
  }

  /** Faults currently inside the window. */
  get count(): number {
    const now = this.#now();
    return this.#times.filter((time) => now - time < this.#limit.windowMs).length;
  }

  reset(): void {
    this.#times = [];
  }
}
