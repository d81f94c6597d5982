/**
 * Per-user IMS service profiles (TS 29.228 IMSSubscription) for the S-CSCF role, over the
 * store's database file. Like the CPL scripts: the text as provisioned, its SHA-256 (the key of
 * the compiled form), a version counting uploads. Callers validate before `put` (the store does
 * not judge profiles), so a refused upload never replaces the active one. The CLI opens the
 * file on its own (WAL: works while a server runs); the server may share its SqliteDatabase.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { normalizeAor } from './aor.js';
import { openDatabase, type SqliteDatabase } from './database.js';

export interface ServiceProfileRecord {
  /** `user@domain` (domain lower-cased). */
  aor: string;
  text: string;
  /** SHA-256 of `text`, lower-case hex. */
  hash: string;
  version: number;
  size: number;
  /** Epoch milliseconds. */
  uploadedAt: number;
}

interface ProfileRow {
  aor: string;
  text: string;
  hash: string;
  version: number;
  size: number;
  uploaded_at: number;
}

export function profileHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class SqliteServiceProfileRepository {
  readonly #clock: () => number;
  readonly #select;
  readonly #selectHead;
  readonly #upsert;
  readonly #delete;

  constructor(db: SqliteDatabase, options: { clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#select = db.prepare<[string], ProfileRow>('SELECT * FROM service_profiles WHERE aor = ?');
    this.#selectHead = db.prepare<[string], { hash: string; version: number }>('SELECT hash, version FROM service_profiles WHERE aor = ?');
    this.#upsert = db.prepare<[ProfileRow], ProfileRow>(
      `INSERT INTO service_profiles (aor, text, hash, version, size, uploaded_at)
       VALUES (@aor, @text, @hash, 1, @size, @uploaded_at)
       ON CONFLICT (aor) DO UPDATE SET text = excluded.text, hash = excluded.hash, version = version + 1,
         size = excluded.size, uploaded_at = excluded.uploaded_at
       RETURNING *`,
    );
    this.#delete = db.prepare<[string]>('DELETE FROM service_profiles WHERE aor = ?');
  }

  async get(aor: string): Promise<ServiceProfileRecord | undefined> {
    const row = this.#select.get(normalizeAor(aor));
    return row && toRecord(row);
  }

  /** Hash and version only: cheap enough for every request. */
  async head(aor: string): Promise<{ hash: string; version: number } | undefined> {
    return this.#selectHead.get(normalizeAor(aor));
  }

  async put(aor: string, text: string): Promise<{ record: ServiceProfileRecord; created: boolean }> {
    const key = normalizeAor(aor);
    const row = this.#upsert.get({ aor: key, text, hash: profileHash(text), version: 1, size: Buffer.byteLength(text, 'utf8'), uploaded_at: this.#clock() });
    if (!row) throw new Error(`storing the service profile of ${key} returned nothing`);
    return { record: toRecord(row), created: row.version === 1 };
  }

  async remove(aor: string): Promise<boolean> {
    return this.#delete.run(normalizeAor(aor)).changes > 0;
  }
}

function toRecord(row: ProfileRow): ServiceProfileRecord {
  return { aor: row.aor, text: row.text, hash: row.hash, version: row.version, size: row.size, uploadedAt: row.uploaded_at };
}

export interface ServiceProfileStore {
  readonly profiles: SqliteServiceProfileRepository;
  close(): void;
}

/** Opens (creating and migrating) `<dataDir>/switchboard.db` for the profile repository. */
export function openServiceProfileStore(options: { dataDir: string; fileName?: string; logger: Logger; clock?: () => number }): ServiceProfileStore {
  const db = openDatabase({ dataDir: options.dataDir, logger: options.logger, ...(options.fileName ? { fileName: options.fileName } : {}) });
  return {
    profiles: new SqliteServiceProfileRepository(db, options.clock ? { clock: options.clock } : {}),
    close: () => {
      if (db.open) db.close();
    },
  };
}
