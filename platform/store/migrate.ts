/**
 * Applies schema migrations in order, each in its own transaction, and records them in
 * `schema_migrations`. Running it again applies nothing. A database whose recorded version is
 * newer than the code was written by a newer Switchboard: opening it could corrupt data the
 * newer schema depends on, so it is refused.
 */
import type DatabaseConstructor from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { StoreError } from './errors.js';
import type { Migration } from './migrations.js';

type Database = DatabaseConstructor.Database;

interface AppliedRow {
  version: number;
  name: string;
}

/** Returns the versions it applied (empty when the schema was current). */
export function runMigrations(db: Database, migrations: readonly Migration[], logger: Logger): number[] {
  checkMigrationList(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);

  const selectApplied = db.prepare<[], AppliedRow>('SELECT version, name FROM schema_migrations ORDER BY version');
  const insertApplied = db.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const latest = migrations.at(-1)?.version ?? 0;

  const verify = (applied: AppliedRow[]): void => {
    const newest = applied.at(-1)?.version ?? 0;
    if (newest > latest) {
      throw new StoreError(
        'schema-too-new',
        `database ${db.name} has schema version ${newest} but this Switchboard knows versions up to ${latest}; ` +
          'it was written by a newer release — run that release (or a newer one), or restore a backup made by this one',
      );
    }
    for (const row of applied) {
      const known = migrations.find((m) => m.version === row.version);
      if (!known || known.name !== row.name) {
        throw new StoreError(
          'schema-mismatch',
          `database ${db.name} recorded migration ${row.version} "${row.name}" but this build has ` +
            `${known ? `"${known.name}"` : 'no such migration'}; the database comes from a different build`,
        );
      }
    }
  };

  verify(selectApplied.all());
  const appliedNow: number[] = [];
  for (const migration of migrations) {
    // IMMEDIATE takes the write lock before reading, so two processes opening the same file
    // cannot both apply a migration: the second waits (busy_timeout), then sees it recorded.
    const applied = db
      .transaction(() => {
        const rows = selectApplied.all();
        verify(rows);
        if (rows.some((row) => row.version === migration.version)) return false;
        db.exec(migration.up);
        insertApplied.run(migration.version, migration.name, Date.now());
        return true;
      })
      .immediate();
    if (applied) {
      appliedNow.push(migration.version);
      logger.info({ version: migration.version, migration: migration.name }, 'applied schema migration');
    }
  }
  return appliedNow;
}

function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration "${migration.name}" has version ${migration.version}, expected ${index + 1}`);
    }
  });
}
