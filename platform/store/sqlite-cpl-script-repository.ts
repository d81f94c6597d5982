/**
 * CplScriptRepository on SQLite. A replacement is one UPDATE (atomic: a concurrent call sees
 * the old or the new script, never a mix); the version counts uploads per user.
 */
import { normalizeAor } from './aor.js';
import type { CplScriptHead, CplScriptRecord, CplScriptRepository } from './cpl-script-repository.js';
import type { SqliteDatabase } from './database.js';

interface ScriptRow {
  aor: string;
  xml: string;
  hash: string;
  version: number;
  size: number;
  uploaded_at: number;
}

export class SqliteCplScriptRepository implements CplScriptRepository {
  readonly #clock: () => number;
  readonly #select;
  readonly #selectHead;
  readonly #upsert;
  readonly #delete;

  constructor(db: SqliteDatabase, options: { clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#select = db.prepare<[string], ScriptRow>('SELECT * FROM cpl_scripts WHERE aor = ?');
    this.#selectHead = db.prepare<[string], CplScriptHead>('SELECT hash, version FROM cpl_scripts WHERE aor = ?');
    this.#upsert = db.prepare<[ScriptRow], ScriptRow>(
      `INSERT INTO cpl_scripts (aor, xml, hash, version, size, uploaded_at)
       VALUES (@aor, @xml, @hash, 1, @size, @uploaded_at)
       ON CONFLICT (aor) DO UPDATE SET xml = excluded.xml, hash = excluded.hash, version = version + 1,
         size = excluded.size, uploaded_at = excluded.uploaded_at
       RETURNING *`,
    );
    this.#delete = db.prepare<[string]>('DELETE FROM cpl_scripts WHERE aor = ?');
  }

  async get(aor: string): Promise<CplScriptRecord | undefined> {
    const row = this.#select.get(normalizeAor(aor));
    return row && toRecord(row);
  }

  async head(aor: string): Promise<CplScriptHead | undefined> {
    return this.#selectHead.get(normalizeAor(aor));
  }

  async put(aor: string, xml: string, hash: string): Promise<{ record: CplScriptRecord; created: boolean }> {
    const key = normalizeAor(aor);
    const row = this.#upsert.get({ aor: key, xml, hash, version: 1, size: Buffer.byteLength(xml, 'utf8'), uploaded_at: this.#clock() });
    if (!row) throw new Error(`storing the CPL script of ${key} returned nothing`);
    return { record: toRecord(row), created: row.version === 1 };
  }

  async remove(aor: string): Promise<boolean> {
    return this.#delete.run(normalizeAor(aor)).changes > 0;
  }
}

function toRecord(row: ScriptRow): CplScriptRecord {
  return { aor: row.aor, xml: row.xml, hash: row.hash, version: row.version, size: row.size, uploadedAt: row.uploaded_at };
}
