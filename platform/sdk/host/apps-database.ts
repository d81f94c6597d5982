/**
 * The apps database `<data dir>/apps.sqlite` (WAL, so the CLI and a running server share it):
 * deployed bundles (`apps`) and the per-app key-value store (`app_kv`). Kept apart from the
 * core's store: it belongs to the app container alone.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export function openAppsDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'apps.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS apps (
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
    );
  `);
  return db;
}
