/**
 * Timers for finished transactions that only wait (RFC 3261 §17 Timers D, I, J, K; RFC 6026
 * Timers L, M). Every entry of one queue waits the same time, so entries expire in the order
 * they were added: a FIFO per duration with one `setTimeout` for its head replaces one timer
 * per transaction (a proxy at 1 000 calls/s keeps ~100 000 such waits, each a Timeout object
 * and a closure otherwise).
 *
 * The timer is `unref`ed: waiting out retransmissions must not keep a process alive (as the
 * per-transaction wait timers in timers.ts).
 */

export interface Waiting {
  /** Epoch ms (Date.now clock) at which `expire` runs. */
  deadline: number;
  /** Set when the entry ended early (a transport error): `expire` still runs at the deadline,
   *  so the owner can tidy up, and tells by this flag. */
  done: boolean;
}

class FifoQueue<T extends Waiting> {
  readonly #entries: T[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onExpire: (entry: T) => void) {}

  get size(): number {
    return this.#entries.length - this.#head;
  }

  add(entry: T): void {
    this.#entries.push(entry);
    if (this.#timer === undefined) this.#arm(Date.now());
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries.length = 0;
    this.#head = 0;
  }

  #arm(now: number): void {
    const head = this.#entries[this.#head];
    if (head === undefined) return;
    const timer = setTimeout(() => this.#fire(), Math.max(0, head.deadline - now));
    timer.unref?.();
    this.#timer = timer;
  }

  #fire(): void {
    this.#timer = undefined;
    const now = Date.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head]!;
      if (entry.deadline > now) break;
      this.#head++;
      this.onExpire(entry);
    }
    // Compact now and then instead of shifting on every expiry.
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      entries.splice(0, this.#head);
      this.#head = 0;
    } else if (this.#head === entries.length) {
      entries.length = 0;
      this.#head = 0;
    }
    if (this.#timer === undefined) this.#arm(now);
  }
}

/** One FIFO per distinct wait duration (in practice: 64·T1, T4, and Timer D). */
export class WaitQueues<T extends Waiting> {
  readonly #queues = new Map<number, FifoQueue<T>>();

  constructor(private readonly onExpire: (entry: T) => void) {}

  /** Entries waiting, done ones included until their deadline passes. */
  get size(): number {
    let size = 0;
    for (const queue of this.#queues.values()) size += queue.size;
    return size;
  }

  /** `entry.expire` runs `ms` from now (ms > 0). Sets `entry.deadline`. */
  add(entry: T, ms: number): void {
    entry.deadline = Date.now() + ms;
    let queue = this.#queues.get(ms);
    if (!queue) this.#queues.set(ms, (queue = new FifoQueue(this.onExpire)));
    queue.add(entry);
  }

  /** Drops every entry without expiring it and stops the timers (shutdown). */
  clear(): void {
    for (const queue of this.#queues.values()) queue.clear();
    this.#queues.clear();
  }
}
