/**
 * Composer sessions, in memory: an opaque id (the `sb_session` cookie) names the user it was
 * opened for and the CSRF token its writes must echo. Sessions end at a fixed time after login;
 * a restart ends them all (users log in again). Memory is bounded by `maxSessions`.
 */
import { randomBytes } from 'node:crypto';

export interface Session {
  readonly id: string;
  readonly aor: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface SessionStoreOptions {
  /** Default 12 h. */
  lifetimeMs?: number;
  /** Default 10 000; beyond it the oldest session ends. */
  maxSessions?: number;
  clock?: () => number;
}

export const DEFAULT_SESSION_LIFETIME_MS = 12 * 3600_000;

export class SessionStore {
  readonly lifetimeMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #maxSessions: number;
  readonly #clock: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_SESSION_LIFETIME_MS;
    this.#maxSessions = Math.max(1, options.maxSessions ?? 10_000);
    this.#clock = options.clock ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  create(aor: string): Session {
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      aor,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: this.#clock() + this.lifetimeMs,
    };
    this.#sessions.set(session.id, session);
    if (this.#sessions.size > this.#maxSessions) this.#evict();
    return session;
  }

  /** The live session with this id, or undefined (unknown or expired; expired ones are dropped). */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.#clock()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  /** End every session of a user (the user was deleted). */
  deleteFor(aor: string): void {
    for (const [id, session] of this.#sessions) if (session.aor === aor) this.#sessions.delete(id);
  }

  #evict(): void {
    const now = this.#clock();
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
    // Map order is insertion order: the first entries are the oldest logins.
    for (const id of this.#sessions.keys()) {
      if (this.#sessions.size <= this.#maxSessions) break;
      this.#sessions.delete(id);
    }
  }
}
