/**
 * The compiled script of a user for this call. The stored hash is read on every call (one
 * indexed SQLite row), and the compiled form comes from the cache keyed by (user, hash): an
 * upload from any process — HTTP, REGISTER or the CLI on the same database — takes effect on
 * the next call, and a call never recompiles an unchanged script.
 */
import { CplScriptCache, type CompiledCpl } from '../index.js';
import type { Logger } from '../../platform/log/logger.js';
import type { CplScriptSource } from './ports.js';

export class CplScriptLoader {
  constructor(
    private readonly scripts: CplScriptSource,
    readonly cache: CplScriptCache,
    private readonly logger: Logger,
  ) {}

  /** The user's compiled script, or null when there is none (or it no longer compiles). */
  async load(aor: string): Promise<CompiledCpl | null> {
    const head = await this.scripts.head(aor);
    if (head === undefined) return null;
    const hit = this.cache.get(aor, head.hash);
    if (hit !== null) return hit;
    const stored = await this.scripts.get(aor);
    if (stored === undefined) return null;
    this.cache.invalidate(aor); // older versions of this user's script are garbage now
    const result = this.cache.compile(aor, stored.xml);
    if (!result.ok) {
      // Stored scripts were valid at upload; a stricter policy since then makes them inert.
      this.logger.warn({ aor, version: stored.version, errors: result.errors.slice(0, 3) }, 'stored CPL script no longer compiles; ignored');
      return null;
    }
    return result.script;
  }
}
