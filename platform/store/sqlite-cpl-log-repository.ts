/** CplLogRepository on SQLite, keeping at most `maxEntriesPerUser` entries per user. */
import { normalizeAor } from './aor.js';
import type { CplLogEntry, CplLogRepository, NewCplLogEntry } from './cpl-log-repository.js';
import type { SqliteDatabase } from './database.js';

interface LogRow {
  id: number;
  aor: string;
  time: number;
  name: string | null;
  comment: string | null;
  origin: string;
  destination: string;
  call_id: string | null;
}

/** Longest stored text field; longer comments are cut (a script author controls them). */
const MAX_FIELD = 1024;

export class SqliteCplLogRepository implements CplLogRepository {
  readonly #insert;
  readonly #prune;
  readonly #list;
  readonly #listBefore;
  readonly #clear;
  readonly #max: number;

  constructor(db: SqliteDatabase, options: { maxEntriesPerUser?: number } = {}) {
    this.#max = options.maxEntriesPerUser ?? 1000;
    this.#insert = db.prepare<[Omit<LogRow, 'id'>], LogRow>(
      `INSERT INTO cpl_log (aor, time, name, comment, origin, destination, call_id)
       VALUES (@aor, @time, @name, @comment, @origin, @destination, @call_id) RETURNING *`,
    );
    this.#prune = db.prepare<[string, string, number]>(
      'DELETE FROM cpl_log WHERE aor = ? AND id <= (SELECT id FROM cpl_log WHERE aor = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    );
    this.#list = db.prepare<[string, number], LogRow>('SELECT * FROM cpl_log WHERE aor = ? ORDER BY id DESC LIMIT ?');
    this.#listBefore = db.prepare<[string, number, number], LogRow>('SELECT * FROM cpl_log WHERE aor = ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.#clear = db.prepare<[string]>('DELETE FROM cpl_log WHERE aor = ?');
  }

  async append(entry: NewCplLogEntry): Promise<CplLogEntry> {
    const aor = normalizeAor(entry.aor);
    const row = this.#insert.get({
      aor,
      time: entry.time,
      name: cut(entry.name),
      comment: cut(entry.comment),
      origin: cut(entry.origin) ?? '',
      destination: cut(entry.destination) ?? '',
      call_id: cut(entry.callId),
    });
    if (!row) throw new Error(`storing a CPL log entry of ${aor} returned nothing`);
    this.#prune.run(aor, aor, this.#max);
    return toEntry(row);
  }

  async list(aor: string, options: { limit?: number; before?: number } = {}): Promise<CplLogEntry[]> {
    const key = normalizeAor(aor);
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000));
    const rows = options.before === undefined ? this.#list.all(key, limit) : this.#listBefore.all(key, options.before, limit);
    return rows.map(toEntry);
  }

  async clear(aor: string): Promise<number> {
    return this.#clear.run(normalizeAor(aor)).changes;
  }
}

function cut(text: string | null): string | null {
  return text === null ? null : text.length > MAX_FIELD ? text.slice(0, MAX_FIELD) : text;
}

function toEntry(row: LogRow): CplLogEntry {
  return {
    id: row.id,
    aor: row.aor,
    time: row.time,
    name: row.name,
    comment: row.comment,
    origin: row.origin,
    destination: row.destination,
    callId: row.call_id,
  };
}
