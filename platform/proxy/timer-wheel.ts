/**
 * Many timers of one fixed duration, with coarse precision. Timer C (§16.8) runs for every
 * ringing INVITE branch for over three minutes and restarts on every provisional response. A
 * Node timer per branch costs ~180 B (the Timeout and its argument array), a new one per
 * restart; here an armed branch is one entry in one Set of a ring of slots, and a single
 * interval timer ticks while anything is armed.
 *
 * An item fires at least `delayMs` and less than two ticks later than that after it was armed;
 * a tick is 1/64 of the delay (at least 10 ms), so under 6 s late for Timer C's 185 s.
 */
export interface WheelItem {
  /** The slot the item waits in; -1 when not armed. Owned by the wheel. */
  wheelSlot: number;
}

const SLOTS_PER_DELAY = 64;
const MIN_TICK_MS = 10;

export class TimerWheel<T extends WheelItem> {
  readonly #slots: Array<Set<T>>;
  readonly #tickMs: number;
  readonly #ahead: number;
  readonly #onExpire: (item: T) => void;
  #cursor = 0;
  #armed = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(delayMs: number, onExpire: (item: T) => void) {
    this.#tickMs = Math.max(MIN_TICK_MS, Math.ceil(delayMs / SLOTS_PER_DELAY));
    this.#ahead = Math.ceil(delayMs / this.#tickMs);
    // The cursor's own slot is behind; `ahead + 1` slots past it fires no earlier than delayMs.
    this.#slots = Array.from({ length: this.#ahead + 2 }, () => new Set<T>());
    this.#onExpire = onExpire;
  }

  /** Items armed now. */
  get size(): number {
    return this.#armed;
  }

  /** (Re)starts the item's timer. */
  arm(item: T): void {
    this.disarm(item);
    const slot = (this.#cursor + this.#ahead + 1) % this.#slots.length;
    this.#slots[slot]!.add(item);
    item.wheelSlot = slot;
    this.#armed += 1;
    if (this.#ticker === undefined) {
      this.#ticker = setInterval(() => this.#tick(), this.#tickMs);
      this.#ticker.unref?.();
    }
  }

  disarm(item: T): void {
    if (item.wheelSlot < 0) return;
    this.#slots[item.wheelSlot]!.delete(item);
    item.wheelSlot = -1;
    this.#armed -= 1;
  }

  #tick(): void {
    this.#cursor = (this.#cursor + 1) % this.#slots.length;
    const due = this.#slots[this.#cursor]!;
    if (due.size > 0) {
      // A fresh Set: an item that fires may be armed again (into another slot).
      this.#slots[this.#cursor] = new Set();
      for (const item of due) {
        item.wheelSlot = -1;
        this.#armed -= 1;
      }
      for (const item of due) this.#onExpire(item);
    }
    if (this.#armed === 0 && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }
}
