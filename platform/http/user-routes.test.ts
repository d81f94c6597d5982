/**
 * The users API and the session/CSRF rules (.notes/session-api.md) on a bare Fastify app with a
 * real SQLite store, through app.inject().
 */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FailureRateLimiter } from '../auth/failure-rate-limiter.js';
import { silentLogger } from '../log/logger.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { StoreHttpAccess } from './http-access-service.js';
import { createSessionRoutes } from './session-routes.js';
import { SessionStore } from './session-store.js';
import { createUserRoutes } from './user-routes.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const DOMAINS = ['sb.test', 'other.test'];

interface Harness {
  app: FastifyInstance;
  store: SqliteStore;
  access: StoreHttpAccess;
}

async function harness(limiter = new FailureRateLimiter({ maxFailures: 50 })): Promise<Harness> {
  const store = openSqliteStore({ dataDir: '.', fileName: ':memory:', logger: silentLogger });
  const access = new StoreHttpAccess({ adminToken: ADMIN, users: store.users, sessions: new SessionStore(), limiter, domains: DOMAINS });
  const app = Fastify();
  await app.register(async (scope) => createSessionRoutes(access)(scope));
  await app.register(async (scope) =>
    createUserRoutes({ users: store.users, access, domains: DOMAINS, onUserDeleted: (aor) => access.sessions.deleteFor(aor) })(scope),
  );
  await app.ready();
  return { app, store, access };
}

const admin = { authorization: `Bearer ${ADMIN}` };
const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const json = (response: LightMyRequestResponse): Record<string, unknown> => response.json<Record<string, unknown>>();

describe('users API', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.app.close();
    await h.store.close();
  });

  it('lets the admin add, list, read and delete users; never shows HA1', async () => {
    const added = await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { username: 'alice', password: 'pw-a', displayName: 'Alice' } });
    expect(added.statusCode).toBe(201);
    expect(json(added)).toMatchObject({ aor: 'alice@sb.test', username: 'alice', domain: 'sb.test', displayName: 'Alice' });
    expect(added.body).not.toMatch(/ha1/i);
    expect((await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload: { aor: 'bob@Other.Test', password: 'pw-b' } })).statusCode).toBe(201);

    const list = await h.app.inject({ url: '/api/v1/users', headers: admin });
    expect(list.statusCode).toBe(200);
    expect((json(list).users as Array<{ aor: string }>).map((u) => u.aor)).toEqual(['bob@other.test', 'alice@sb.test']);
    const onlySb = await h.app.inject({ url: '/api/v1/users?domain=sb.test', headers: admin });
    expect((json(onlySb).users as unknown[]).length).toBe(1);

    expect((await h.app.inject({ url: '/api/v1/users/sip:alice@SB.test', headers: admin })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/users/alice%40sb.test', headers: admin })).statusCode).toBe(204);
    const gone = await h.app.inject({ method: 'DELETE', url: '/api/v1/users/alice@sb.test', headers: admin });
    expect(gone.statusCode).toBe(404);
    expect(json(gone)).toMatchObject({ error: 'not-found' });
    expect(await h.store.users.get('alice@sb.test')).toBeUndefined();
  });

  it('names what is wrong: duplicate 409, unknown domain 422, bad name 422, no password 422', async () => {
    const add = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/api/v1/users', headers: admin, payload });
    expect((await add({ username: 'alice', password: 'x' })).statusCode).toBe(201);
    const duplicate = await add({ username: 'alice', password: 'y' });
    expect(duplicate.statusCode).toBe(409);
    expect(json(duplicate)).toEqual({ error: 'user-exists', message: 'user alice@sb.test already exists' });
    const foreign = await add({ username: 'carol', domain: 'example.com', password: 'x' });
    expect(foreign.statusCode).toBe(422);
    expect(json(foreign).error).toBe('unknown-domain');
    expect(json(await add({ username: 'a b', password: 'x' })).error).toBe('invalid-user');
    expect(json(await add({ username: 'dave' })).error).toBe('bad-request');
    expect(json(await add({ username: 'dave', password: '' })).error).toBe('bad-password');
  });

  it('refuses callers without the admin token: 401 with a Basic challenge, 403 for a user', async () => {
    await h.store.users.add({ username: 'alice', domain: 'sb.test', password: 'pw-a' });
    const anonymous = await h.app.inject({ url: '/api/v1/users' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Basic realm="switchboard", charset="UTF-8"');
    // Script requests get no challenge (no browser password dialog over the composer).
    const script = await h.app.inject({ url: '/api/v1/users', headers: { 'x-requested-with': 'XMLHttpRequest' } });
    expect(script.statusCode).toBe(401);
    expect(script.headers['www-authenticate']).toBeUndefined();
    expect((await h.app.inject({ url: '/api/v1/users', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const user = await h.app.inject({ url: '/api/v1/users', headers: basic('alice', 'pw-a') });
    expect(user.statusCode).toBe(403);
    const adding = await h.app.inject({ method: 'POST', url: '/api/v1/users', headers: basic('alice', 'pw-a'), payload: { username: 'eve', password: 'x' } });
    expect(adding.statusCode).toBe(403);
  });

  it('lets a user read themself and change their own password with HTTP Basic, not anyone else’s', async () => {
    await h.store.users.add({ username: 'alice', domain: 'sb.test', password: 'pw-a' });
    await h.store.users.add({ username: 'bob', domain: 'sb.test', password: 'pw-b' });
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: basic('alice', 'pw-a') })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: basic('alice@sb.test', 'pw-a') })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: basic('alice', 'wrong') })).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/api/v1/users/bob@sb.test', headers: basic('alice', 'pw-a') })).statusCode).toBe(403);

    const put = (url: string, headers: Record<string, string>, password: string) => h.app.inject({ method: 'PUT', url, headers, payload: { password } });
    expect((await put('/api/v1/users/bob@sb.test/password', basic('alice', 'pw-a'), 'stolen')).statusCode).toBe(403);
    expect((await put('/api/v1/users/alice@sb.test/password', basic('alice', 'pw-a'), 'pw-a2')).statusCode).toBe(204);
    expect(await h.store.users.verifyPassword('alice@sb.test', 'pw-a2')).toBe(true);
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: basic('alice', 'pw-a') })).statusCode).toBe(401);
    // The admin may set anyone's; an empty password is refused.
    expect((await put('/api/v1/users/bob@sb.test/password', admin, 'pw-b2')).statusCode).toBe(204);
    expect(json(await put('/api/v1/users/bob@sb.test/password', admin, '')).error).toBe('bad-password');
    expect((await put('/api/v1/users/nobody@sb.test/password', admin, 'x')).statusCode).toBe(404);
  });
});

describe('composer session', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(new FailureRateLimiter({ maxFailures: 3, windowMs: 60_000, blockMs: 60_000 }));
    await h.store.users.add({ username: 'alice', domain: 'sb.test', password: 'pw-a' });
    await h.store.users.add({ username: 'bob', domain: 'sb.test', password: 'pw-b' });
  });
  afterEach(async () => {
    await h.app.close();
    await h.store.close();
  });

  async function login(username = 'alice', password = 'pw-a'): Promise<{ cookie: string; csrf: string; response: LightMyRequestResponse }> {
    const response = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username, password } });
    const setCookie = String(response.headers['set-cookie'] ?? '');
    return { cookie: setCookie.split(';')[0] ?? '', csrf: String(json(response).csrfToken ?? ''), response };
  }

  it('logs in with alice or alice@domain, sets a strict HttpOnly cookie and answers GET /session', async () => {
    const { response, cookie, csrf } = await login();
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ aor: 'alice@sb.test' });
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^sb_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here; Secure is added over TLS

    const me = await h.app.inject({ url: '/api/v1/session', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(json(me)).toMatchObject({ aor: 'alice@sb.test', csrfToken: csrf });
    expect((await login('alice@sb.test')).response.statusCode).toBe(200);
    const none = await h.app.inject({ url: '/api/v1/session' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses bad logins alike (401) and blocks a source after repeated failures (429)', async () => {
    const unknown = await login('mallory', 'x');
    expect(unknown.response.statusCode).toBe(401);
    expect(json(unknown.response)).toMatchObject({ error: 'invalid-credentials' });
    expect((await login('alice', 'wrong')).response.statusCode).toBe(401);
    expect((await login('alice', 'wrong again')).response.statusCode).toBe(401);
    const blocked = await login('alice', 'pw-a');
    expect(blocked.response.statusCode).toBe(429);
    expect(Number(blocked.response.headers['retry-after'])).toBeGreaterThan(0);
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: basic('alice', 'pw-a') })).statusCode).toBe(429);
  });

  it('acts as the logged-in user: reads need no CSRF token, writes need the session’s', async () => {
    const { cookie, csrf } = await login();
    expect((await h.app.inject({ url: '/api/v1/users/alice@sb.test', headers: { cookie } })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/v1/users/bob@sb.test', headers: { cookie } })).statusCode).toBe(403);

    const change = (headers: Record<string, string>) => h.app.inject({ method: 'PUT', url: '/api/v1/users/alice@sb.test/password', headers, payload: { password: 'pw-new' } });
    const noToken = await change({ cookie });
    expect(noToken.statusCode).toBe(403);
    expect(json(noToken).error).toBe('csrf-token');
    expect((await change({ cookie, 'x-csrf-token': 'not-the-token' })).statusCode).toBe(403);
    expect(await h.store.users.verifyPassword('alice@sb.test', 'pw-a')).toBe(true);
    expect((await change({ cookie, 'x-csrf-token': csrf })).statusCode).toBe(204);
    expect(await h.store.users.verifyPassword('alice@sb.test', 'pw-new')).toBe(true);
    // The session is a user's, not the admin's.
    expect((await h.app.inject({ url: '/api/v1/users', headers: { cookie } })).statusCode).toBe(403);
  });

  it('logs out only with the CSRF token, and a deleted user’s sessions end', async () => {
    const { cookie, csrf } = await login();
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(403);
    expect((await h.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^sb_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await h.app.inject({ url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);

    const bob = await login('bob', 'pw-b');
    expect((await h.app.inject({ method: 'DELETE', url: '/api/v1/users/bob@sb.test', headers: admin })).statusCode).toBe(204);
    expect((await h.app.inject({ url: '/api/v1/session', headers: { cookie: bob.cookie } })).statusCode).toBe(401);
  });

  it('answers a malformed login 400', async () => {
    const response = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'alice' } });
    expect(response.statusCode).toBe(400);
  });
});
