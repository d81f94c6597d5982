/**
 * The CPL repositories over the store's database file (the CLI and tests open it on their own;
 * the server may share its SqliteDatabase). SQLite in WAL mode lets the CLI write while the
 * server runs; the engine checks the stored hash per call, so a new upload takes effect at once.
 */
import type { Logger } from '../log/logger.js';
import { openDatabase, type SqliteDatabase } from './database.js';
import { SqliteCplLogRepository } from './sqlite-cpl-log-repository.js';
import { SqliteCplScriptRepository } from './sqlite-cpl-script-repository.js';

export interface CplStore {
  readonly scripts: SqliteCplScriptRepository;
  readonly logs: SqliteCplLogRepository;
  close(): void;
}

export function cplRepositories(db: SqliteDatabase, options: { clock?: () => number; maxLogEntriesPerUser?: number } = {}): Omit<CplStore, 'close'> {
  return {
    scripts: new SqliteCplScriptRepository(db, options.clock ? { clock: options.clock } : {}),
    logs: new SqliteCplLogRepository(db, options.maxLogEntriesPerUser !== undefined ? { maxEntriesPerUser: options.maxLogEntriesPerUser } : {}),
  };
}

/** Opens (creating and migrating) `<dataDir>/switchboard.db` and returns the CPL repositories. */
export function openCplStore(options: { dataDir: string; fileName?: string; logger: Logger; clock?: () => number; maxLogEntriesPerUser?: number }): CplStore {
  const db = openDatabase({ dataDir: options.dataDir, logger: options.logger, ...(options.fileName ? { fileName: options.fileName } : {}) });
  return {
    ...cplRepositories(db, {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.maxLogEntriesPerUser !== undefined ? { maxLogEntriesPerUser: options.maxLogEntriesPerUser } : {}),
    }),
    close: () => {
      if (db.open) db.close();
    },
  };
}
