/**
 * Wall-clock budgets of running events behind one timer. A `setTimeout` + `clearTimeout` pair
 * per event (plus the `Promise.race` around it) cost a few µs of every crossing into an isolate
 * (bench/app-bench.ts, op `crossing`); almost every event ends long before its budget (5 s by
 * default), so one timer armed for the earliest deadline, re-armed only when it fires, does the
 * same job. A deadline fires no earlier than its budget and, like a plain timer, late only by
 * event-loop delay.
 */

/** One armed budget; `WallClock.disarm` it when the event ends first. */
export interface WallBudget {
  readonly deadline: number;
  readonly expire: () => void;
}

export class WallClock {
  readonly #now: () => number;
  readonly #armed = new Set<WallBudget>();
  #timer: NodeJS.Timeout | undefined;
  /** When `#timer` fires (Infinity: no timer). */
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Calls `expire` once `ms` have passed, unless disarmed before. */
  arm(ms: number, expire: () => void): WallBudget {
    const budget: WallBudget = { deadline: this.#now() + ms, expire };
    this.#armed.add(budget);
    if (budget.deadline < this.#timerAt) this.#schedule(budget.deadline);
    // A pending event keeps the process alive, as its own timer would.
    else if (this.#armed.size === 1) this.#timer?.ref();
    return budget;
  }

  disarm(budget: WallBudget): void {
    // The timer stays armed (re-armed or dropped when it fires); unref'd so an idle runtime
    // does not hold the process open until then.
    if (this.#armed.delete(budget) && this.#armed.size === 0) this.#timer?.unref();
  }

  /** Budgets armed now (tests). */
  get size(): number {
    return this.#armed.size;
  }

  #schedule(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - this.#now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = this.#now();
    let next = Number.POSITIVE_INFINITY;
    const due: WallBudget[] = [];
    for (const budget of this.#armed) {
      if (budget.deadline <= now) due.push(budget);
      else if (budget.deadline < next) next = budget.deadline;
    }
    for (const budget of due) this.#armed.delete(budget);
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next);
    for (const budget of due) budget.expire();
  }
}
