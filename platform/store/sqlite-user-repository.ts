/**
 * UserRepository on SQLite. Statements are prepared once; every method runs synchronously
 * inside its call, so its promise resolves only after the change is committed.
 */
import type { Logger } from '../log/logger.js';
import { formatAor, normalizeAor, parseAor } from './aor.js';
import type { SqliteDatabase } from './database.js';
import { StoreError } from './errors.js';
import { computeHa1, hexDigestsEqual } from './ha1.js';
import type { NewUser, User, UserRepository } from './user-repository.js';

interface UserRow {
  aor: string;
  username: string;
  domain: string;
  display_name: string | null;
  ha1_md5: string;
  ha1_sha256: string;
  created_at: number;
  updated_at: number;
}

const MAX_PASSWORD_LENGTH = 1024;

export class SqliteUserRepository implements UserRepository {
  readonly #db: SqliteDatabase;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #insert;
  readonly #select;
  readonly #selectAll;
  readonly #selectByDomain;
  readonly #deleteUser;
  readonly #deleteBindings;
  readonly #updateHa1;

  constructor(db: SqliteDatabase, options: { logger: Logger; clock?: () => number }) {
    this.#db = db;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.#insert = db.prepare<[UserRow]>(
      `INSERT INTO users (aor, username, domain, display_name, ha1_md5, ha1_sha256, created_at, updated_at)
       VALUES (@aor, @username, @domain, @display_name, @ha1_md5, @ha1_sha256, @created_at, @updated_at)`,
    );
    this.#select = db.prepare<[string], UserRow>('SELECT * FROM users WHERE aor = ?');
    this.#selectAll = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY domain, username');
    this.#selectByDomain = db.prepare<[string], UserRow>('SELECT * FROM users WHERE domain = ? ORDER BY username');
    this.#deleteUser = db.prepare<[string]>('DELETE FROM users WHERE aor = ?');
    this.#deleteBindings = db.prepare<[string]>('DELETE FROM bindings WHERE aor = ?');
    this.#updateHa1 = db.prepare<[string, string, number, string]>(
      'UPDATE users SET ha1_md5 = ?, ha1_sha256 = ?, updated_at = ? WHERE aor = ?',
    );
  }

  async add(user: NewUser): Promise<User> {
    const aor = formatAor(user.username, user.domain);
    checkPassword(user.password);
    const domain = user.domain.toLowerCase();
    const now = this.#clock();
    const row: UserRow = {
      aor,
      username: user.username,
      domain,
      display_name: user.displayName ?? null,
      ha1_md5: computeHa1('MD5', user.username, domain, user.password),
      ha1_sha256: computeHa1('SHA-256', user.username, domain, user.password),
      created_at: now,
      updated_at: now,
    };
    try {
      this.#insert.run(row);
    } catch (error) {
      if (isConstraintError(error)) throw new StoreError('user-exists', `user ${aor} already exists`, { cause: error });
      throw error;
    }
    this.#logger.info({ aor }, 'user added');
    return toUser(row);
  }

  async get(aor: string): Promise<User | undefined> {
    const key = lookupKey(aor);
    if (key === undefined) return undefined;
    const row = this.#select.get(key);
    return row ? toUser(row) : undefined;
  }

  async list(domain?: string): Promise<User[]> {
    const rows = domain === undefined ? this.#selectAll.all() : this.#selectByDomain.all(domain.toLowerCase());
    return rows.map(toUser);
  }

  async delete(aor: string): Promise<boolean> {
    const key = lookupKey(aor);
    if (key === undefined) return false;
    // A deleted user must not stay reachable through registrations it made.
    const deleted = this.#db.transaction(() => {
      const changes = this.#deleteUser.run(key).changes;
      if (changes > 0) this.#deleteBindings.run(key);
      return changes > 0;
    })();
    if (deleted) this.#logger.info({ aor: key }, 'user deleted');
    return deleted;
  }

  async setPassword(aor: string, password: string): Promise<User> {
    checkPassword(password);
    const key = normalizeAor(aor);
    const updated = this.#db.transaction(() => {
      const row = this.#select.get(key);
      if (!row) return undefined;
      const next: UserRow = {
        ...row,
        ha1_md5: computeHa1('MD5', row.username, row.domain, password),
        ha1_sha256: computeHa1('SHA-256', row.username, row.domain, password),
        updated_at: this.#clock(),
      };
      this.#updateHa1.run(next.ha1_md5, next.ha1_sha256, next.updated_at, key);
      return next;
    })();
    if (!updated) throw new StoreError('user-not-found', `user ${key} does not exist`);
    this.#logger.info({ aor: key }, 'user password changed');
    return toUser(updated);
  }

  async verifyPassword(aor: string, password: string): Promise<boolean> {
    const key = lookupKey(aor);
    const row = key === undefined ? undefined : this.#select.get(key);
    const parts = key === undefined ? undefined : parseAor(key);
    // Hash even for an unknown user so the answer takes the same time either way.
    const candidate = computeHa1('SHA-256', parts?.username ?? '', parts?.domain ?? '', password);
    return row !== undefined && hexDigestsEqual(candidate, row.ha1_sha256);
  }
}

function lookupKey(aor: string): string | undefined {
  const parts = parseAor(aor);
  return parts ? `${parts.username}@${parts.domain}` : undefined;
}

function checkPassword(password: string): void {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new StoreError('invalid-user', `password must be 1–${MAX_PASSWORD_LENGTH} characters`);
  }
}

function isConstraintError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SQLITE_CONSTRAINT')
  );
}

function toUser(row: UserRow): User {
  return {
    aor: row.aor,
    username: row.username,
    domain: row.domain,
    ...(row.display_name !== null ? { displayName: row.display_name } : {}),
    ha1Md5: row.ha1_md5,
    ha1Sha256: row.ha1_sha256,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
