/**
 * The HttpAccess every route module is given (see http-access.ts and .notes/session-api.md):
 *
 *  1. `Authorization: Bearer <admin token>` — the admin, compared in constant time;
 *  2. `Authorization: Basic <user:password>` — a user with their SIP credentials, checked
 *     against the stored HA1 values (RFC 7616 §3.4.2: H(username:realm:password), realm = the
 *     user's domain), so the API never needs the password itself;
 *  3. the `sb_session` cookie of a composer login; writes made with it must carry the session's
 *     `X-CSRF-Token` (a cross-site form cannot read it, so it cannot forge the write).
 *
 * Failed credentials count against the source address (FailureRateLimiter, shared with SIP
 * digest failures' policy); a blocked source gets 429 before its credentials are looked at.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FailureRateLimiter } from '../auth/failure-rate-limiter.js';
import { computeHa1, hexDigestsEqual } from '../store/ha1.js';
import type { UserRepository } from '../store/user-repository.js';
import { parseCookies, SESSION_COOKIE } from './cookies.js';
import type { Caller, HttpAccess } from './http-access.js';
import type { Session, SessionStore } from './session-store.js';
import { resolveUserName, UserAdminError } from './user-admin.js';

export interface StoreHttpAccessOptions {
  adminToken: string;
  users: UserRepository;
  sessions: SessionStore;
  limiter: FailureRateLimiter;
  /** Served domains; a bare user name belongs to the first. */
  domains: readonly string[];
}

export type LoginResult = { ok: true; session: Session } | { ok: false; status: 401 } | { ok: false; status: 429; retryAfterMs: number };

type Verdict =
  | { kind: 'caller'; caller: Caller; via: 'bearer' | 'basic' | 'session' }
  | { kind: 'none' }
  | { kind: 'invalid' }
  | { kind: 'blocked'; retryAfterMs: number }
  | { kind: 'csrf' };

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

export class StoreHttpAccess implements HttpAccess {
  readonly sessions: SessionStore;
  readonly #options: StoreHttpAccessOptions;
  readonly #adminDigest: Buffer;

  constructor(options: StoreHttpAccessOptions) {
    this.#options = options;
    this.sessions = options.sessions;
    // Compare fixed-length digests so the comparison time says nothing about the token length.
    this.#adminDigest = sha256(options.adminToken);
  }

  async identify(request: FastifyRequest): Promise<Caller | undefined> {
    const verdict = await this.#verdict(request);
    return verdict.kind === 'caller' ? verdict.caller : undefined;
  }

  async requireUser(request: FastifyRequest, reply: FastifyReply, aor: string): Promise<boolean> {
    const verdict = await this.#verdict(request);
    if (verdict.kind !== 'caller') return this.#refuse(request, reply, verdict);
    if (verdict.caller.kind === 'admin') return true;
    if (verdict.caller.aor === normalizeAorParam(aor)) return true;
    void reply.code(403).send({ error: 'forbidden', message: `${verdict.caller.aor} may not act for ${aor}` });
    return false;
  }

  async requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const verdict = await this.#verdict(request);
    if (verdict.kind !== 'caller') return this.#refuse(request, reply, verdict);
    if (verdict.caller.kind === 'admin') return true;
    void reply.code(403).send({ error: 'forbidden', message: 'this needs the admin token' });
    return false;
  }

  /** A composer login (POST /api/v1/session). */
  async login(username: string, password: string, source: string): Promise<LoginResult> {
    const state = this.#options.limiter.check(source);
    if (state.blocked) return { ok: false, status: 429, retryAfterMs: state.retryAfterMs };
    const aor = await this.verifyPassword(username, password);
    if (!aor) {
      this.#options.limiter.recordFailure(source);
      return { ok: false, status: 401 };
    }
    return { ok: true, session: this.sessions.create(aor) };
  }

  /** The live session named by the request's cookie. */
  sessionOf(request: FastifyRequest): Session | undefined {
    const id = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    return id ? this.sessions.get(id) : undefined;
  }

  /** Whether the request carries the session's CSRF token. */
  hasCsrfToken(request: FastifyRequest, session: Session): boolean {
    const header = request.headers[CSRF_HEADER];
    const value = Array.isArray(header) ? header[0] : header;
    return typeof value === 'string' && timingSafeEqual(sha256(value), sha256(session.csrfToken));
  }

  /** The user's AOR when `password` is theirs (`username` as `alice` or `alice@domain`). */
  async verifyPassword(username: string, password: string): Promise<string | undefined> {
    let aor: string;
    try {
      aor = resolveUserName(username, this.#options.domains).aor;
    } catch (error) {
      if (error instanceof UserAdminError) return undefined;
      throw error;
    }
    const user = await this.#options.users.get(aor);
    // Hash even for an unknown user, so timing does not reveal which users exist.
    const realm = user?.domain ?? this.#options.domains[0] ?? '';
    const name = user?.username ?? 'nobody';
    const sha = computeHa1('SHA-256', name, realm, password);
    const md5 = computeHa1('MD5', name, realm, password);
    if (!user) return undefined;
    const ok = hexDigestsEqual(sha, user.ha1Sha256) && hexDigestsEqual(md5, user.ha1Md5);
    return ok ? user.aor : undefined;
  }

  async #verdict(request: FastifyRequest): Promise<Verdict> {
    const source = request.ip;
    const authorization = request.headers.authorization;
    if (authorization !== undefined && authorization.trim() !== '') {
      const blocked = this.#options.limiter.check(source);
      if (blocked.blocked) return { kind: 'blocked', retryAfterMs: blocked.retryAfterMs };
      const verdict = await this.#checkAuthorization(authorization);
      if (verdict.kind === 'invalid') {
        const state = this.#options.limiter.recordFailure(source);
        if (state.blocked) return { kind: 'blocked', retryAfterMs: state.retryAfterMs };
      }
      return verdict;
    }
    const session = this.sessionOf(request);
    if (!session) return { kind: 'none' };
    if (WRITE_METHODS.has(request.method) && !this.hasCsrfToken(request, session)) return { kind: 'csrf' };
    return { kind: 'caller', caller: { kind: 'user', aor: session.aor }, via: 'session' };
  }

  async #checkAuthorization(header: string): Promise<Verdict> {
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer') {
      return timingSafeEqual(sha256(value), this.#adminDigest) ? { kind: 'caller', caller: { kind: 'admin' }, via: 'bearer' } : { kind: 'invalid' };
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return { kind: 'invalid' };
      const aor = await this.verifyPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
      return aor ? { kind: 'caller', caller: { kind: 'user', aor }, via: 'basic' } : { kind: 'invalid' };
    }
    return { kind: 'invalid' };
  }

  #refuse(request: FastifyRequest, reply: FastifyReply, verdict: Exclude<Verdict, { kind: 'caller' }>): false {
    switch (verdict.kind) {
      case 'blocked':
        void reply
          .code(429)
          .header('retry-after', String(Math.ceil(verdict.retryAfterMs / 1000)))
          .send({ error: 'too-many-attempts', message: 'too many failed attempts from this address; try again later' });
        return false;
      case 'csrf':
        void reply.code(403).send({ error: 'csrf-token', message: `a write with the session cookie needs the ${CSRF_HEADER} header of the session` });
        return false;
      case 'none':
      case 'invalid':
        if (wantsChallenge(request)) reply.header('www-authenticate', 'Basic realm="switchboard", charset="UTF-8"');
        void reply.code(401).send({ error: 'unauthorized', message: verdict.kind === 'none' ? 'credentials needed' : 'the credentials were not accepted' });
        return false;
    }
  }
}

/** A browser must not pop a password dialog over the composer: no Basic challenge for script
 *  requests (X-Requested-With) or requests that carry a session cookie. */
function wantsChallenge(request: FastifyRequest): boolean {
  if (request.headers['x-requested-with'] !== undefined) return false;
  return !parseCookies(request.headers.cookie).has(SESSION_COOKIE);
}

/** `{aor}` path parameters: a leading `sip:` dropped, the domain lower-cased. */
export function normalizeAorParam(aor: string): string {
  const text = aor.trim().replace(/^sips?:/iu, '');
  const at = text.lastIndexOf('@');
  return at < 0 ? text : `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
