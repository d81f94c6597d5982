import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openTraceStore, type TraceStore } from '../trace/index.js';
import type { Caller, HttpAccess } from './http-access.js';
import { createTraceRoutes } from './trace-routes.js';

/** Stand-in for the real HttpAccess (another module): `Bearer admin` is the admin token,
 *  `X-Test-User: bob@sb.test` proves bob. It follows the interface's reply rules. */
const access: HttpAccess = {
  async identify(request: FastifyRequest): Promise<Caller | undefined> {
    if (request.headers.authorization === 'Bearer admin') return { kind: 'admin' };
    const user = request.headers['x-test-user'];
    return typeof user === 'string' ? { kind: 'user', aor: user } : undefined;
  },
  async requireUser(request: FastifyRequest, reply: FastifyReply, aor: string): Promise<boolean> {
    const caller = await access.identify(request);
    if (caller?.kind === 'admin' || (caller?.kind === 'user' && caller.aor === aor)) return true;
    await reply.status(caller ? 403 : 401).send({ error: caller ? 'forbidden' : 'unauthorized', message: 'no' });
    return false;
  },
  async requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const caller = await access.identify(request);
    if (caller?.kind === 'admin') return true;
    await reply.status(caller ? 403 : 401).send({ error: caller ? 'forbidden' : 'unauthorized', message: 'no' });
    return false;
  },
};
const admin = { authorization: 'Bearer admin' };

describe('/api/v1/traces', () => {
  let dataDir: string;
  let store: TraceStore;
  let app: FastifyInstance;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trace-http-'));
    store = openTraceStore({ dataDir, logger: silentLogger });
    app = Fastify();
    await app.register(async (scope) => createTraceRoutes({ store, access })(scope));
  });
  afterEach(async () => {
    await app.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('switches rules on and off for the admin', async () => {
    let response = await app.inject({ method: 'POST', url: '/api/v1/traces/rules', headers: admin, payload: { user: 'sip:alice@SB.test', for: '10m' } });
    expect(response.statusCode).toBe(201);
    const rule = response.json<{ kind: string; target: string; expiresAt: string }>();
    expect(rule).toMatchObject({ kind: 'user', target: 'alice@sb.test' });
    expect(Date.parse(rule.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    response = await app.inject({ method: 'POST', url: '/api/v1/traces/rules', headers: admin, payload: { app: 'follow-me' } });
    expect(response.statusCode).toBe(201);
    response = await app.inject({ method: 'GET', url: '/api/v1/traces/rules', headers: admin });
    expect(response.json<{ rules: Array<{ kind: string; target: string }> }>().rules.map((r) => `${r.kind}:${r.target}`)).toEqual(['app:follow-me', 'user:alice@sb.test']);
    response = await app.inject({ method: 'DELETE', url: '/api/v1/traces/rules?user=alice@sb.test', headers: admin });
    expect(response.statusCode).toBe(204);
    response = await app.inject({ method: 'DELETE', url: '/api/v1/traces/rules?user=alice@sb.test', headers: admin });
    expect(response.statusCode).toBe(404);
    expect(store.rules().map((r) => r.target)).toEqual(['follow-me']);
  });

  it('answers 400 to bad rules and 401/403 to anyone but the admin', async () => {
    const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/traces/rules', headers: admin, payload });
    expect((await post({ user: 'alice@sb.test', app: 'x' })).json()).toEqual({ error: 'bad-request', message: 'name exactly one: a user (user@domain) or an app (its name)' });
    expect((await post({ user: 'alice@sb.test', for: '3d' })).statusCode).toBe(400);
    expect((await post({ user: 'alice' })).json().message).toBe('"alice" is not an address-of-record of the form user@domain');
    expect((await post({ user: 'alice@sb.test', extra: 1 })).statusCode).toBe(400);
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/traces/rules', headers: admin })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/v1/traces?limit=0', headers: admin })).statusCode).toBe(400);
    const bob = { 'x-test-user': 'bob@sb.test' };
    expect((await app.inject({ method: 'POST', url: '/api/v1/traces/rules', headers: bob, payload: { user: 'bob@sb.test' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/traces', headers: bob })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/v1/traces/x' })).statusCode).toBe(401);
    expect(store.rules()).toEqual([]);
  });

  it('lists traced calls and returns one call\'s messages, also for a Call-ID with a slash', async () => {
    const callId = 'a/b@client';
    store.write(
      [{ callId, matched: 'user:bob@sb.test', firstLine: 'INVITE sip:bob@sb.test SIP/2.0', startedAt: 1_000, lastAt: 1_000, added: 1, truncated: false }],
      [{ callId, monoUs: 10, wallUs: 1_000_000, direction: 'in', protocol: 'tcp', local: '127.0.0.1:5060', remote: '127.0.0.1:40000', firstLine: 'INVITE sip:bob@sb.test SIP/2.0', text: 'INVITE sip:bob@sb.test SIP/2.0\r\n\r\n' }],
      1000,
    );
    let response = await app.inject({ method: 'GET', url: '/api/v1/traces', headers: admin });
    expect(response.json()).toEqual({
      calls: [{ callId, matched: 'user:bob@sb.test', linkedTo: null, firstLine: 'INVITE sip:bob@sb.test SIP/2.0', startedAt: '1970-01-01T00:00:01.000Z', lastAt: '1970-01-01T00:00:01.000Z', messageCount: 1, truncated: false }],
    });
    response = await app.inject({ method: 'GET', url: `/api/v1/traces/${encodeURIComponent(callId)}`, headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.json().messages).toEqual([
      { offsetUs: 0, time: '1970-01-01T00:00:01.000000Z', direction: 'in', protocol: 'tcp', local: '127.0.0.1:5060', remote: '127.0.0.1:40000', firstLine: 'INVITE sip:bob@sb.test SIP/2.0', text: 'INVITE sip:bob@sb.test SIP/2.0\r\n\r\n' },
    ]);
    response = await app.inject({ method: 'GET', url: '/api/v1/traces/unknown', headers: admin });
    expect(response.statusCode).toBe(404);
  });
});
