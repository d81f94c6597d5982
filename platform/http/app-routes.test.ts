/**
 * Named events over HTTP (`POST /api/v1/apps/{name}/events/{event}`) on a bare Fastify with
 * inject, into the real app engine and sandbox: any authenticated caller may send one, the
 * handler sees who (`event.caller`) and its return value is the 202 answer; unknown apps and
 * events are 404, non-JSON 415, over-deep JSON 400, over-large bodies 413, a faulting handler 500.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../container/index.js';
import { buildApp, removeAppFolders } from '../container/test-support.js';
import { silentLogger } from '../log/logger.js';
import { AppManager, CallRegistry, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine } from '../sdk/host/index.js';
import { appRoutes } from './app-routes.js';
import type { Caller, HttpAccess } from './http-access.js';

/** Stand-in for the server's HttpAccess (http-access-service.ts, tested on its own):
 *  `Bearer admin` is the admin token, `X-Test-User: alice@sb.test` proves alice. */
const access: HttpAccess = {
  async identify(request: FastifyRequest): Promise<Caller | undefined> {
    if (request.headers.authorization === 'Bearer admin') return { kind: 'admin' };
    const user = request.headers['x-test-user'];
    return typeof user === 'string' ? { kind: 'user', aor: user } : undefined;
  },
  requireUser: async () => false,
  async requireAdmin(request, reply) {
    if ((await access.identify(request))?.kind === 'admin') return true;
    await reply.status(401).header('www-authenticate', 'Basic realm="test"').send({ error: 'unauthorized', message: 'no' });
    return false;
  },
};

const SDK = new URL('../sdk/index.ts', import.meta.url).pathname;
const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  events: {
    echo(event) {
      return { name: event.name, payload: event.payload, caller: event.caller };
    },
    nothing() {},
    crash() {
      throw new Error('boom');
    },
  },
});`;

const ALICE = { 'x-test-user': 'alice@sb.test', 'content-type': 'application/json' };

describe('app events over HTTP', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  let app: FastifyInstance;

  beforeAll(async () => {
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv(), calls: new CallRegistry() })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await runtime.deploy(await buildApp(APP, { name: 'events-app' }));
    app = Fastify();
    await appRoutes({ apps: new AppManager({ runtime, logger: silentLogger }), access, events: engine })(app);
  });
  afterAll(async () => {
    await app.close();
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  const post = (path: string, body: string | undefined, headers: Record<string, string> = ALICE) =>
    app.inject({ method: 'POST', url: `/api/v1/apps/${path}`, headers, ...(body === undefined ? {} : { payload: body }) });

  it("delivers the JSON payload and the caller to the app's handler and answers 202 with what it returned", async () => {
    const user = await post('events-app/events/echo', JSON.stringify({ to: 'sip:bob@sb.test', n: [1, { deep: true }] }));
    expect(user.statusCode).toBe(202);
    expect(user.json()).toEqual({ result: { name: 'echo', payload: { to: 'sip:bob@sb.test', n: [1, { deep: true }] }, caller: { kind: 'user', aor: 'alice@sb.test' } } });
    const admin = await post('events-app/events/echo', undefined, { authorization: 'Bearer admin' });
    expect(admin.json()).toEqual({ result: { name: 'echo', payload: null, caller: { kind: 'admin' } } });
    const nothing = await post('events-app/events/nothing', '{}');
    expect([nothing.statusCode, nothing.json()]).toEqual([202, { result: null }]);
    // Each event had its own application session, gone with it.
    expect(engine.sessions.count('events-app')).toBe(0);
  });

  it('asks for credentials before anything else: HttpAccess answers without them (401 and its challenge), rejected ones get 401', async () => {
    const none = await post('nope/events/echo', '{}', { 'content-type': 'application/json' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /u);
    const wrong = await post('events-app/events/echo', '{}', { 'content-type': 'application/json', authorization: 'Bearer wrong' });
    expect(wrong.statusCode).toBe(401);
  });

  it('404 for an unknown app, event, or an event name that is not a name', async () => {
    for (const path of ['nope/events/echo', 'events-app/events/missing', 'events-app/events/constructor', 'events-app/events/__proto__', 'Bad_App/events/echo']) {
      const response = await post(path, '{}');
      expect([path, response.statusCode]).toEqual([path, 404]);
    }
  });

  it('refuses payloads that are not JSON (415), nested too deeply (400) or too large (413)', async () => {
    expect((await post('events-app/events/echo', 'to=bob', { ...ALICE, 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await post('events-app/events/echo', '{"a":', ALICE)).statusCode).toBe(400);
    const deep = `${'['.repeat(40)}${']'.repeat(40)}`;
    expect((await post('events-app/events/echo', deep)).statusCode).toBe(400);
    expect((await post('events-app/events/echo', JSON.stringify({ big: 'x'.repeat(70_000) }))).statusCode).toBe(413);
  });

  it("answers 500 when the app's handler throws", async () => {
    const response = await post('events-app/events/crash', '{}');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ error: 'app-fault' });
  });
});
