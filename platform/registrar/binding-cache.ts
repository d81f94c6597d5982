/**
 * Location lookups from memory: every proxied INVITE asks the location service for the callee's
 * bindings, and reading them from SQLite (query, rows, JSON Path) is ~45 µs of a call's budget.
 * This keeps the answer per AOR and checks before every use that the store has not changed.
 *
 * Coherence comes from the store, not from a TTL: `version()` is a value that changes with
 * every committed write, from this process or another (for SQLite: `total_changes()` of our
 * connection together with `PRAGMA data_version`, which moves when another connection — the
 * CLI's `user del` — commits). Any change empties the whole cache; the registrar also drops
 * the AOR it just wrote. Writes themselves stay synchronous in the store, so a restart or a
 * `kill -9` loses nothing the cache knew.
 *
 * Entries are dropped when their first binding expires (the store's answer would change then),
 * and the oldest ones when there are more than `maxEntries`.
 */
import type { Binding } from '../store/binding-repository.js';

export interface BindingCacheOptions {
  /** Changes whenever anything in the store changed (see above); a primitive (compared with ===). */
  version: () => unknown;
  /** AORs kept at most (default 10 000). */
  maxEntries?: number;
}

/** What the location service learnt about an AOR. */
export interface CachedLocation {
  /** Unexpired bindings, in the store's order (highest q first). */
  readonly bindings: readonly Binding[];
  /** For an AOR without bindings: whether it is a user of ours (undefined: not asked). */
  readonly known: boolean | undefined;
}

interface Entry extends CachedLocation {
  /** The earliest binding expiry: the entry is stale from then on. */
  readonly validUntil: number;
}

export class BindingCache {
  readonly #entries = new Map<string, Entry>();
  readonly #version: () => unknown;
  readonly #maxEntries: number;
  #seen: unknown;

  constructor(options: BindingCacheOptions) {
    this.#version = options.version;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#seen = options.version();
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The store's version now, emptying the cache when it moved. Take it before reading the store
   * and hand it to `set`: an answer read while a write slipped in is then not kept.
   */
  version(): unknown {
    this.#checkVersion();
    return this.#seen;
  }

  /** The cached answer for `aor` at time `now`, or undefined (ask the store, then `set`). */
  get(aor: string, now: number): CachedLocation | undefined {
    this.#checkVersion();
    const entry = this.#entries.get(aor);
    if (entry === undefined) return undefined;
    if (entry.validUntil <= now) {
      this.#entries.delete(aor);
      return undefined;
    }
    return entry;
  }

  /** Remember the store's answer, read at store version `readAt` (from `version()`). */
  set(aor: string, bindings: readonly Binding[], known: boolean | undefined, readAt: unknown): void {
    this.#checkVersion();
    if (readAt !== this.#seen) return;
    let validUntil = Number.POSITIVE_INFINITY;
    for (const binding of bindings) validUntil = Math.min(validUntil, binding.expiresAt);
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(aor)) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(aor, { bindings, known, validUntil });
  }

  invalidate(aor: string): void {
    this.#entries.delete(aor);
  }

  clear(): void {
    this.#entries.clear();
  }

  #checkVersion(): void {
    const version = this.#version();
    if (version === this.#seen) return;
    this.#seen = version;
    this.#entries.clear();
  }
}
