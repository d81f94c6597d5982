/**
 * A small LRU of compiled scripts keyed by (user, SHA-256 of the script text), so a call never
 * recompiles. `invalidate(user)` drops a user's entries when their script changes or is removed.
 */
import type { CompiledCpl } from './compiled-script.js';
import { compileCpl, type CplCompileResult } from './compile-cpl.js';
import type { CplCompileOptions } from './compile-options.js';
import { hashScript } from './script-hash.js';

export class CplScriptCache {
  private readonly entries = new Map<string, CompiledCpl>();

  constructor(
    private readonly capacity = 1000,
    private readonly options?: CplCompileOptions,
  ) {
    if (capacity < 1) throw new Error('CplScriptCache capacity must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** A cached compiled script, or null. */
  get(user: string, hash: string): CompiledCpl | null {
    const key = cacheKey(user, hash);
    const hit = this.entries.get(key);
    if (hit === undefined) return null;
    this.entries.delete(key); // refresh recency
    this.entries.set(key, hit);
    return hit;
  }

  /** The compiled form of `xml` for `user`, compiling on a miss (invalid scripts are not cached). */
  compile(user: string, xml: string): CplCompileResult {
    const hash = hashScript(xml);
    const hit = this.get(user, hash);
    if (hit !== null) return { ok: true, script: hit, warnings: [] };
    const result = compileCpl(xml, this.options);
    if (result.ok) this.put(user, result.script);
    return result;
  }

  put(user: string, script: CompiledCpl): void {
    const key = cacheKey(user, script.hash);
    this.entries.delete(key);
    this.entries.set(key, script);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops every cached script of `user`; returns how many. */
  invalidate(user: string): number {
    const prefix = `${user.length}:${user}:`;
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix)) {
        this.entries.delete(key);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Length-prefixed so that no user name can collide with another user's prefix. */
function cacheKey(user: string, hash: string): string {
  return `${user.length}:${user}:${hash}`;
}
