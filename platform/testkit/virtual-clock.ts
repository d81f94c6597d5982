/**
 * A virtual clock for the test kit: session expiry, app timers, proxy timeouts, Timer C and ring
 * times all run on it (it is the engine's HostClock), and time moves only when a test says so.
 * `advance(30_000)` fires what falls due in those 30 s one timer at a time, and after each
 * timer waits until the kit is idle (app events delivered, decisions carried out), so a 30 s
 * no-answer test takes milliseconds and always sees the same order of events.
 */
import type { HostClock, HostTimer } from '../sdk/host/app-sessions.js';

/** The virtual time a kit starts at (ladder times are relative to it). */
export const VIRTUAL_EPOCH = Date.UTC(2030, 0, 1);

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export interface VirtualClockOptions {
  /** Absolute start time (ms since 1970). Default VIRTUAL_EPOCH. */
  readonly start?: number;
  /** Awaited after every timer fired (the kit waits for its work to settle). */
  readonly settle?: () => Promise<void>;
}

export class VirtualClock implements HostClock {
  readonly start: number;
  #now: number;
  #seq = 0;
  #queue: Scheduled[] = [];
  #advancing = false;
  readonly #settle: () => Promise<void>;

  constructor(options: VirtualClockOptions = {}) {
    this.start = options.start ?? VIRTUAL_EPOCH;
    this.#now = this.start;
    this.#settle = options.settle ?? (() => Promise.resolve());
  }

  now(): number {
    return this.#now;
  }

  /** Virtual milliseconds since the clock started. */
  get elapsed(): number {
    return this.#now - this.start;
  }

  setTimeout(callback: () => void, ms: number): HostTimer {
    const entry: Scheduled = { at: this.#now + Math.max(0, ms), seq: ++this.#seq, callback, cancelled: false };
    this.#queue.push(entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Timers still to fire. */
  pending(): number {
    return this.#queue.filter((entry) => !entry.cancelled).length;
  }

  /** When the next timer fires (absolute), if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const entry of this.#queue) if (!entry.cancelled && (next === undefined || entry.at < next)) next = entry.at;
    return next;
  }

  /** Moves time forward by `ms`, firing everything due on the way, in order. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`cannot advance a clock by ${ms} ms`);
    return this.advanceTo(this.#now + ms);
  }

  /** Moves time to `time` (absolute), firing everything due up to and including it. */
  async advanceTo(time: number): Promise<void> {
    if (this.#advancing) throw new Error('the virtual clock is already advancing (await the other advance first)');
    this.#advancing = true;
    try {
      await this.#settle();
      for (;;) {
        const next = this.nextAt();
        if (next === undefined || next > time) break;
        this.#fireAt(next);
        await this.#settle();
      }
      this.#now = Math.max(this.#now, time);
      await this.#settle();
    } finally {
      this.#advancing = false;
    }
  }

  /** Jumps to the next timer and fires everything due then. False when nothing is scheduled. */
  async next(): Promise<boolean> {
    const next = this.nextAt();
    if (next === undefined) return false;
    await this.advanceTo(next);
    return true;
  }

  /** Fires timer by timer until `done()` holds; false if it does not within `maxMs` of virtual time. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const limit = this.#now + maxMs;
    await this.#settle();
    while (!done()) {
      const next = this.nextAt();
      if (next === undefined || next > limit) return false;
      await this.advanceTo(next);
    }
    return true;
  }

  /** Fires the earliest timer due by `time` (ties in the order they were scheduled). */
  #fireAt(time: number): void {
    let first: Scheduled | undefined;
    for (const entry of this.#queue) {
      if (entry.cancelled || entry.at > time) continue;
      if (first === undefined || entry.at < first.at || (entry.at === first.at && entry.seq < first.seq)) first = entry;
    }
    this.#queue = this.#queue.filter((entry) => !entry.cancelled && entry !== first);
    if (first === undefined) return;
    this.#now = Math.max(this.#now, first.at);
    first.cancelled = true;
    first.callback();
  }
}
