/**
 * platform/store — repositories over embedded SQLite, and the interfaces a server database
 * would implement instead.
 */
export type { Store } from './store.js';
export type { NewUser, User, UserRepository } from './user-repository.js';
export type {
  Binding,
  BindingFlow,
  BindingInput,
  BindingRepository,
  ContactUpdate,
  RegistrationOutcome,
  RegistrationUpdate,
} from './binding-repository.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { computeHa1, digestHash, hexDigestsEqual, DIGEST_ALGORITHMS, type DigestAlgorithm } from './ha1.js';
export { formatAor, normalizeAor, parseAor } from './aor.js';
export { contactKey, contactUrisEquivalent, parseComparableSipUri, type ComparableSipUri } from './contact-uri.js';
export { openDatabase, DEFAULT_DATABASE_FILE, type OpenDatabaseOptions, type SqliteDatabase } from './database.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export { runMigrations } from './migrate.js';
export { SqliteStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { SqliteUserRepository } from './sqlite-user-repository.js';
export { SqliteBindingRepository } from './sqlite-binding-repository.js';
export type { CplScriptHead, CplScriptRecord, CplScriptRepository } from './cpl-script-repository.js';
export type { CplLogEntry, CplLogRepository, NewCplLogEntry } from './cpl-log-repository.js';
export { SqliteCplScriptRepository } from './sqlite-cpl-script-repository.js';
export { SqliteCplLogRepository } from './sqlite-cpl-log-repository.js';
export { cplRepositories, openCplStore, type CplStore } from './cpl-store.js';
