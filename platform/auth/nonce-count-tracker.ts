/**
 * Replay protection for qop=auth (RFC 7616 §3.4 and §5.5: the server remembers the nonce-count
 * it has seen and rejects a repeated or lower one). Per nonce it keeps the highest nc, bounded
 * in memory: entries expire with the nonce lifetime, and beyond `maxEntries` the least recently
 * used ones are evicted.
 *
 * Eviction must not reopen a replay window: once a nonce's history is gone, an old nc for it
 * would look fresh. So the tracker keeps a floor — the issue time just after the newest nonce
 * it ever evicted, and at first its own start time (it knows nothing of nonces issued before).
 * A nonce issued before the floor without an entry has `unknown-history`; the authenticator
 * answers it as stale, and the client retries with a fresh nonce at no cost to its user.
 */

export type NonceCountCheck = 'ok' | 'replay' | 'unknown-history';

export interface NonceCountTrackerOptions {
  /** How long a nonce stays usable; entries older than this are dropped. */
  lifetimeMs: number;
  maxEntries?: number;
  clock?: () => number;
}

interface Entry {
  issuedAt: number;
  highestNc: number;
}

export class NonceCountTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #lifetimeMs: number;
  readonly #maxEntries: number;
  readonly #clock: () => number;
  #floor: number;

  constructor(options: NonceCountTrackerOptions) {
    this.#lifetimeMs = options.lifetimeMs;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 50_000);
    this.#clock = options.clock ?? Date.now;
    this.#floor = this.#clock();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Record `nc` for `nonce` (issued at `issuedAt`) if it is higher than any seen. */
  check(nonce: string, issuedAt: number, nc: number): NonceCountCheck {
    const entry = this.#entries.get(nonce);
    if (!entry) {
      if (issuedAt < this.#floor) return 'unknown-history';
      this.#entries.set(nonce, { issuedAt, highestNc: nc });
      if (this.#entries.size > this.#maxEntries) this.#shrink();
      return 'ok';
    }
    if (nc <= entry.highestNc) return 'replay';
    entry.highestNc = nc;
    // Map order is insertion order: re-inserting makes this the most recently used.
    this.#entries.delete(nonce);
    this.#entries.set(nonce, entry);
    return 'ok';
  }

  /** Drop expired entries, then the least recently used until 90 % full (so the O(n) pass is
   *  paid once per many inserts). */
  #shrink(): void {
    const expiredBefore = this.#clock() - this.#lifetimeMs;
    for (const [nonce, entry] of this.#entries) {
      if (entry.issuedAt < expiredBefore) this.#entries.delete(nonce);
    }
    const target = Math.max(1, Math.floor(this.#maxEntries * 0.9));
    for (const [nonce, entry] of this.#entries) {
      if (this.#entries.size <= target) break;
      this.#entries.delete(nonce);
      this.#floor = Math.max(this.#floor, entry.issuedAt + 1);
    }
  }
}
