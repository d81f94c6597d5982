/**
 * Opens the embedded SQLite database (better-sqlite3) with the settings every repository relies
 * on, and brings its schema up to date.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import DatabaseConstructor from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { StoreError } from './errors.js';
import { runMigrations } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';

export type SqliteDatabase = DatabaseConstructor.Database;

export interface OpenDatabaseOptions {
  /** Folder for the database file; created (mode 0700) when missing. */
  dataDir: string;
  /** File name inside `dataDir`; `:memory:` opens a private in-memory database (tests). */
  fileName?: string;
  logger: Logger;
  /** How long a statement waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Override the migration list (tests). */
  migrations?: readonly Migration[];
}

export const DEFAULT_DATABASE_FILE = 'switchboard.db';

export function openDatabase(options: OpenDatabaseOptions): SqliteDatabase {
  const { dataDir, fileName = DEFAULT_DATABASE_FILE, logger, busyTimeoutMs = 5000 } = options;
  const inMemory = fileName === ':memory:';
  const path = inMemory ? ':memory:' : join(resolve(dataDir), fileName);

  let db: SqliteDatabase;
  try {
    if (!inMemory) {
      mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
      // The file holds password hashes: create it readable by the owner only. SQLite gives the
      // -wal and -shm files the same permissions as the database file.
      closeSync(openSync(path, 'a', 0o600));
    }
    db = new DatabaseConstructor(path);
  } catch (error) {
    throw new StoreError('open-failed', `cannot open database ${path}: ${(error as Error).message}`, { cause: error });
  }

  try {
    configure(db, inMemory, busyTimeoutMs);
    runMigrations(db, options.migrations ?? MIGRATIONS, logger);
  } catch (error) {
    db.close();
    throw error;
  }
  logger.debug({ path }, 'database open');
  return db;
}

function configure(db: SqliteDatabase, inMemory: boolean, busyTimeoutMs: number): void {
  // Wait for another connection's write lock instead of failing at once with SQLITE_BUSY
  // (the CLI may write while the server runs).
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
  if (!inMemory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (typeof mode !== 'string' || mode.toLowerCase() !== 'wal') {
      throw new StoreError('open-failed', `database ${db.name} refused WAL mode (journal_mode is ${String(mode)})`);
    }
  }
  // Durability, and why NORMAL is enough here. In WAL mode COMMIT appends the transaction's
  // pages and a checksummed commit frame to the -wal file with write(2) before it returns, so
  // the bytes are in the kernel's page cache by the time a REGISTER's 200 is sent.
  // synchronous=NORMAL only skips the fsync(2) per commit (the WAL is fsynced at checkpoints).
  // If the process dies — a crash, an OOM kill, `kill -9` — the kernel still owns those bytes
  // and writes them out; the next open replays every committed frame of the WAL. Nothing
  // committed is lost. What NORMAL does not survive is the kernel itself stopping (power
  // loss, OS crash) before the page cache reaches the disk: the last transactions can then
  // roll back, though the database stays consistent. synchronous=FULL would cover that at the
  // price of one fsync per write; registrations are refreshed by the UAs within minutes, so
  // losing the last few on power loss is the better trade.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}
