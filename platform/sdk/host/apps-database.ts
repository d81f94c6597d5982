/**
 * The apps database `<data dir>/apps.sqlite` (WAL, so the CLI and a running server share it):
 * deployed bundles (`apps`), the per-app key-value store (`app_kv`) and the application sessions
 * and timers that outlive a restart (`app_sessions`, `app_session_timers`,
 * session-persistence.ts). Kept apart from the core's store: it belongs to the app container
 * alone. The schema evolves by numbered steps recorded in `PRAGMA user_version`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Schema steps, applied in order from the database's `user_version` on; append, never edit.
 * Step 1 is the schema from before versioning (IF NOT EXISTS: such databases are at version 0).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS apps (
     name TEXT PRIMARY KEY,
     version TEXT NOT NULL,
     hash TEXT NOT NULL,
     bundle TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'refused')),
     error TEXT,
     active_hash TEXT,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS app_kv (
     app TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY (app, key)
   );`,
  // Application sessions and timers (issue 5 §1: they survive a restart). Attributes and timer
  // payloads are structured-clone data (Map, Set, Date, bigint, cycles…), which JSON cannot
  // hold, so they are stored as V8 serializer BLOBs (node:v8 serialize; V8 reads older versions).
  `CREATE TABLE IF NOT EXISTS app_sessions (
     app TEXT NOT NULL,
     key TEXT NOT NULL,
     attributes BLOB NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (app, key)
   ) WITHOUT ROWID;
   CREATE TABLE IF NOT EXISTS app_session_timers (
     app TEXT NOT NULL,
     key TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     payload BLOB NOT NULL,
     due_at INTEGER NOT NULL,
     repeat_ms INTEGER,
     PRIMARY KEY (app, key, id)
   ) WITHOUT ROWID;`,
];

/** The schema version this code writes (`PRAGMA user_version`). */
export const APPS_SCHEMA_VERSION = MIGRATIONS.length;

export function openAppsDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'apps.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() >= MIGRATIONS.length) return;
  // IMMEDIATE: a CLI command and the server opening the file at once migrate one after the other.
  db.transaction(() => {
    const from = version();
    if (from > MIGRATIONS.length) return;
    for (const step of MIGRATIONS.slice(from)) db.exec(step);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
