import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { StoreError } from './errors.js';
import { runMigrations } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { makeTempDir } from './test-support.js';

describe('openDatabase', () => {
  let temp: ReturnType<typeof makeTempDir>;
  const open: SqliteDatabase[] = [];
  const openDb = (options: Partial<Parameters<typeof openDatabase>[0]> = {}): SqliteDatabase => {
    const db = openDatabase({ dataDir: join(temp.dir, 'data'), logger: silentLogger, ...options });
    open.push(db);
    return db;
  };

  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    temp.cleanup();
  });

  it('creates the data folder and a file readable by its owner only', () => {
    openDb();
    const file = join(temp.dir, 'data', 'switchboard.db');
    expect(statSync(file).isFile()).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(temp.dir, 'data')).mode & 0o077).toBe(0);
  });

  it('runs in WAL mode with synchronous=NORMAL, foreign keys and a busy timeout', () => {
    const db = openDb({ busyTimeoutMs: 1234 });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
  });

  it('records every migration once in schema_migrations', () => {
    const db = openDb();
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
  });

  it('is idempotent: reopening and re-running the migrations applies nothing', () => {
    openDb().close();
    const db = openDb();
    expect(runMigrations(db, MIGRATIONS, silentLogger)).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
  });

  it('applies only the migrations that are new', () => {
    const extra: Migration = { version: MIGRATIONS.length + 1, name: 'notes', up: 'CREATE TABLE notes (id INTEGER PRIMARY KEY) STRICT;' };
    openDb().close();
    const db = openDb({ migrations: [...MIGRATIONS, extra] });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'notes'").get()).toEqual({ name: 'notes' });
    expect(runMigrations(db, [...MIGRATIONS, extra], silentLogger)).toEqual([]);
  });

  it('rolls back a migration that fails and records nothing for it', () => {
    const broken: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'broken',
      up: 'CREATE TABLE half (id INTEGER PRIMARY KEY); THIS IS NOT SQL;',
    };
    expect(() => openDb({ migrations: [...MIGRATIONS, broken] })).toThrow(/syntax error/);
    const db = openDb();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: MIGRATIONS.length });
  });

  it('refuses a database written by a newer release, naming both versions', () => {
    const db = openDb();
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, ?, 0)').run('from the future');
    db.close();
    let error: unknown;
    try {
      openDb();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('schema-too-new');
    expect((error as StoreError).message).toMatch(new RegExp(`schema version 99 .* up to ${MIGRATIONS.length}`));
  });

  it('refuses a database whose recorded migration has another name', () => {
    const db = openDb();
    db.prepare('UPDATE schema_migrations SET name = ? WHERE version = 1').run('something else');
    db.close();
    expect(() => openDb()).toThrow(expect.objectContaining({ code: 'schema-mismatch' }));
  });

  it('rejects a migration list with a gap (a programming error)', () => {
    const gap: Migration = { version: MIGRATIONS.length + 2, name: 'gap', up: '' };
    expect(() => openDb({ migrations: [...MIGRATIONS, gap] })).toThrow(/expected/);
  });

  it('opens an in-memory database for tests', () => {
    const db = openDb({ fileName: ':memory:' });
    expect(db.memory).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
  });
});
