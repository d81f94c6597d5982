/**
 * The embedded store: one SQLite file in the data folder, repositories over it.
 */
import type { Logger } from '../log/logger.js';
import { openDatabase, type OpenDatabaseOptions, type SqliteDatabase } from './database.js';
import { SqliteBindingRepository } from './sqlite-binding-repository.js';
import { SqliteUserRepository } from './sqlite-user-repository.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** Clock for `createdAt`/`updatedAt` stamps (tests inject one). */
  clock?: () => number;
}

export class SqliteStore implements Store {
  readonly users: SqliteUserRepository;
  readonly bindings: SqliteBindingRepository;
  readonly #db: SqliteDatabase;
  readonly #logger: Logger;

  constructor(db: SqliteDatabase, options: { logger: Logger; clock?: () => number }) {
    this.#db = db;
    this.#logger = options.logger;
    const repositoryOptions = { logger: options.logger, ...(options.clock ? { clock: options.clock } : {}) };
    this.users = new SqliteUserRepository(db, repositoryOptions);
    this.bindings = new SqliteBindingRepository(db, repositoryOptions);
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.#db.close();
    this.#logger.debug({ path: this.#db.name }, 'database closed');
  }
}

/** Open (creating and migrating as needed) the database and wrap it in repositories. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(options);
  return new SqliteStore(db, { logger: options.logger, ...(options.clock ? { clock: options.clock } : {}) });
}
