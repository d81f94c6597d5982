/**
 * Original-dialog identifiers (TS 24.229 §5.4.3.4): the token the S-CSCF puts in its own URI in
 * the Route it gives an AS, so that it recognises the request when the AS sends it back. Only we
 * create and consume it, so it is an opaque random token (128 bits, isc.md §5.4: ≥ 96) and the
 * chain state stays here, server-side (Clearwater's choice), never derived from Call-ID or tags
 * (an AS acting as B2BUA changes those, §5.7.5). Entries expire (TTL ≥ the INVITE transaction
 * lifetime); an unknown or expired token is treated as a fresh request (isc.md §5.4).
 */
import { randomBytes } from 'node:crypto';

/** Prefix of the user part of our ODI Route URI: `sip:odi_<token>@host:port;lr`. */
export const ODI_USER_PREFIX = 'odi_';

export interface OdiTableOptions<T> {
  /** Time to live of an entry in ms (default 180 000: Timer C + margin). */
  ttlMs?: number;
  /** Upper bound on live entries; the oldest are dropped first (default 100 000). */
  maxEntries?: number;
  clock?: () => number;
  /** Called when an entry is dropped without being taken (expired or evicted). */
  onExpire?: (state: T) => void;
}

interface Entry<T> {
  state: T;
  expiresAt: number;
}

export class OdiTable<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #ttl: number;
  readonly #max: number;
  readonly #clock: () => number;
  readonly #onExpire: ((state: T) => void) | undefined;

  constructor(options: OdiTableOptions<T> = {}) {
    this.#ttl = options.ttlMs ?? 180_000;
    this.#max = options.maxEntries ?? 100_000;
    this.#clock = options.clock ?? Date.now;
    this.#onExpire = options.onExpire;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Store `state` under a fresh token (URL- and SIP-user-safe: hex). */
  create(state: T): string {
    this.sweep();
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#drop(oldest);
    }
    const token = randomBytes(16).toString('hex');
    this.#entries.set(token, { state, expiresAt: this.#clock() + this.#ttl });
    return token;
  }

  /** The live state of a token, or undefined (unknown or expired). */
  get(token: string): T | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock()) {
      this.#drop(token);
      return undefined;
    }
    return entry.state;
  }

  /** Remove and return: a token is consumed once (the chain moves on with a new one). */
  take(token: string): T | undefined {
    const state = this.get(token);
    if (state !== undefined) this.#entries.delete(token);
    return state;
  }

  delete(token: string): boolean {
    return this.#entries.delete(token);
  }

  /** Drop expired entries (insertion order = expiry order: the TTL is fixed). */
  sweep(): void {
    const now = this.#clock();
    for (const [token, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#drop(token);
    }
  }

  #drop(token: string): void {
    const entry = this.#entries.get(token);
    if (!entry) return;
    this.#entries.delete(token);
    this.#onExpire?.(entry.state);
  }
}

/** The token in an ODI Route user part (`odi_<32 hex>`), or undefined. */
export function odiTokenOf(user: string | undefined): string | undefined {
  if (user === undefined || !user.startsWith(ODI_USER_PREFIX)) return undefined;
  const token = user.slice(ODI_USER_PREFIX.length);
  return /^[0-9a-f]{32}$/.test(token) ? token : undefined;
}
