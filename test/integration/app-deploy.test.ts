/**
 * Deploying apps (issue 5 §2): the HTTP API (admin only) and `switchboard app …` against a
 * server-side AppManager sharing the apps database, plus the redeploy rule — calls in progress
 * finish on the version they started on, new calls get the new one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FailureRateLimiter } from '../../platform/auth/failure-rate-limiter.js';
import { registerAppCommands } from '../../platform/cli/app-command.js';
import { AppRuntime } from '../../platform/container/index.js';
import { eventually, removeAppFolders, writeAppFolder } from '../../platform/container/test-support.js';
import { appRoutes } from '../../platform/http/app-routes.js';
import { StoreHttpAccess } from '../../platform/http/http-access-service.js';
import { SessionStore } from '../../platform/http/session-store.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  appContainerFor,
  AppManager,
  AppRepository,
  capabilityProviders,
  createAppEngine,
  createCapabilityContainer,
  createSqliteKv,
  openAppsDatabase,
  type AppEngine,
} from '../../platform/sdk/host/index.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/sqlite-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const ADMIN = 'admin-token-for-tests-0123456789';
const SDK = fileURLToPath(new URL('../../platform/sdk/index.js', import.meta.url));
const appDir = (name: string): string => fileURLToPath(new URL(`../../apps/${name}`, import.meta.url));

/** An app that proxies INVITEs and records which version saw the answer. */
const versionedApp = (version: string): string => `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  async onInvite(req, ctx) {
    const res = await req.proxy();
    ctx.session.set('answeredBy', '${version}:' + res.status);
  },
});`;

describe('deploying apps', () => {
  let dataDir: string;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let manager: AppManager;
  let db: ReturnType<typeof openAppsDatabase>;
  let store: SqliteStore;
  let http: FastifyInstance;

  async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
    return cliIn(dataDir, ...argv);
  }

  async function cliIn(dir: string, ...argv: string[]): Promise<{ status: number; out: string; err: string }> {
    let out = '';
    let err = '';
    let status = 0;
    const program = new Command('switchboard').exitOverride();
    registerAppCommands(program, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => Buffer.alloc(0) }, (code) => (status = code));
    await program.parseAsync([...argv, '--data-dir', dir], { from: 'user' });
    return { status, out, err };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-apps-'));
    db = openAppsDatabase(dataDir);
    const kv = createSqliteKv(db);
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    manager = new AppManager({
      runtime,
      logger: silentLogger,
      repository: new AppRepository(db),
      onUndeployed: (name) => engine.dropApp(name),
      stats: (name) => engine.stats(name),
    });
    manager.startSync(100);
    store = openSqliteStore({ dataDir: '.', fileName: ':memory:', logger: silentLogger });
    const access = new StoreHttpAccess({ adminToken: ADMIN, users: store.users, sessions: new SessionStore(), limiter: new FailureRateLimiter({ maxFailures: 50 }), domains: ['sb.test'] });
    http = Fastify();
    await http.register(async (scope) => appRoutes({ apps: manager, access, kv })(scope));
    await http.ready();
  });
  afterEach(async () => {
    for (const app of manager.list()) await manager.undeploy(app.name);
  });
  afterAll(async () => {
    manager.stopSync();
    engine.close();
    await runtime.close();
    await http.close();
    await store.close();
    db.close();
    await removeAppFolders();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const admin = { authorization: `Bearer ${ADMIN}` };

  it('HTTP: admin deploys uploaded files, lists, sets KV data, undeploys; others are refused', async () => {
    expect((await http.inject({ method: 'GET', url: '/api/v1/apps' })).statusCode).toBe(401);
    const files = {
      'manifest.json': JSON.stringify({ name: 'uploaded', version: '1.2.3', entry: 'index.ts', permissions: ['kv'] }),
      'index.ts': `import { defineApp } from '@switchboard/sdk';\nexport default defineApp({ onMessage(req) { req.reply(200); } });`,
    };
    const deployed = await http.inject({ method: 'POST', url: '/api/v1/apps', headers: admin, payload: { files } });
    expect(deployed.statusCode, deployed.body).toBe(201);
    expect(deployed.json()).toMatchObject({ name: 'uploaded', version: '1.2.3' });
    const list = await http.inject({ method: 'GET', url: '/api/v1/apps', headers: admin });
    expect(list.json<{ apps: Array<{ name: string; version: string }> }>().apps.map((a) => `${a.name}@${a.version}`)).toEqual(['uploaded@1.2.3']);
    expect(list.json<{ apps: unknown[] }>().apps[0]).toMatchObject({
      disabled: false,
      permissions: ['kv'],
      limits: { cpuMsPerEvent: 50, memoryMb: 64 },
      stats: { requests: 0, faults: {}, sessions: 0 },
    });
    expect((await http.inject({ method: 'PUT', url: '/api/v1/apps/uploaded/kv/blocklist:*', headers: admin, payload: ['m@x.test'] })).statusCode).toBe(204);
    expect((await http.inject({ method: 'GET', url: '/api/v1/apps/uploaded/kv/blocklist:*', headers: admin })).json()).toEqual({ value: ['m@x.test'] });
    expect((await http.inject({ method: 'DELETE', url: '/api/v1/apps/uploaded', headers: admin })).statusCode).toBe(204);
    expect((await http.inject({ method: 'GET', url: '/api/v1/apps/uploaded', headers: admin })).statusCode).toBe(404);
  });

  it('HTTP: a bundle that does not compile or throws at load is refused with its error; the old version keeps running', async () => {
    const ok = await http.inject({ method: 'POST', url: '/api/v1/apps', headers: admin, payload: { dir: appDir('hello') } });
    expect(ok.statusCode, ok.body).toBe(201);
    const broken = {
      'manifest.json': JSON.stringify({ name: 'hello', version: '2.0.0', entry: 'index.ts' }),
      'index.ts': 'export default { onMessage( { ;',
    };
    const refused = await http.inject({ method: 'POST', url: '/api/v1/apps', headers: admin, payload: { files: broken } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json<{ problems: Array<{ file: string; line: number }> }>().problems[0]).toMatchObject({ file: 'index.ts', line: 1 });
    const throwing = { ...broken, 'index.ts': 'throw new Error("no config");' };
    const refused2 = await http.inject({ method: 'POST', url: '/api/v1/apps', headers: admin, payload: { files: throwing } });
    expect(refused2.statusCode).toBe(422);
    expect(JSON.stringify(refused2.json())).toMatch(/no config/);
    expect(manager.list().find((app) => app.name === 'hello')?.version).toBe('1.0.0');
  });

  it('CLI: deploy waits for the running server, prints load errors, keeps the old version; list, kv and undeploy', async () => {
    const first = await cli('app', 'deploy', appDir('call-screening'));
    expect(first, first.err).toMatchObject({ status: 0, out: 'deployed call-screening 1.0.0\n' });
    expect(runtime.status('call-screening')?.version).toBe('1.0.0');

    const bad = await writeAppFolder({ name: 'call-screening', version: '1.1.0', permissions: ['kv'] }, { 'src/index.ts': 'throw new Error("bad block list");' });
    const refused = await cli('app', 'deploy', bad);
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/bad block list/);
    expect(refused.err).toMatch(/call-screening 1\.0\.0 keeps running/);
    expect(runtime.status('call-screening')?.version).toBe('1.0.0');

    const compileError = await writeAppFolder({ name: 'call-screening', version: '1.2.0' }, { 'src/index.ts': 'import fs from "node:fs";\nexport default { onMessage: () => fs.readFileSync("/etc/passwd") };' });
    const notCompiled = await cli('app', 'deploy', compileError);
    expect(notCompiled.status).toBe(1);
    expect(notCompiled.err).toMatch(/src\/index\.ts:1:\d+: Node built-in module "node:fs" is not available/);

    expect((await cli('app', 'list')).out).toMatch(/^call-screening\t1\.0\.0\trefused\t/m);
    expect((await cli('app', 'kv', 'call-screening', 'blocklist:*', '["m@x.test"]')).status).toBe(0);
    expect((await cli('app', 'kv', 'call-screening', 'blocklist:*')).out).toBe('["m@x.test"]\n');

    expect((await cli('app', 'undeploy', 'call-screening')).out).toBe('undeployed call-screening\n');
    await eventually(() => runtime.status('call-screening') === undefined, 3000);
  });

  it('appContainerFor: a restarted server loads the stored apps again, the version that kept running after a refused deploy included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-apps-restart-'));
    const start = () => {
      const stops: Array<() => void | Promise<void>> = [];
      const context = { dataDir: dir, logger: silentLogger, config: { apps: { syncMs: 100 } }, onStop: (task: () => void | Promise<void>) => void stops.push(task) };
      const container = appContainerFor(context);
      expect(appContainerFor(context)).toBe(container);
      return { container, stop: async () => { for (const task of stops) await task(); } };
    };
    const first = start();
    await first.container.loaded;
    await first.container.manager.deployDir(appDir('hello'));
    const broken = await writeAppFolder({ name: 'hello', version: '9.0.0' }, { 'src/index.ts': 'throw new Error("nope");' });
    const refused = await cliIn(dir, 'app', 'deploy', broken);
    expect(refused.err).toMatch(/nope/);
    await first.stop();

    const second = start();
    await second.container.loaded;
    expect(second.container.runtime.status('hello')?.version).toBe('1.0.0');
    await second.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('redeploy during a call', () => {
    let server: ProxyServer;
    const uas: TestUa[] = [];
    afterAll(async () => {
      await Promise.all(uas.map((ua) => ua.stop()));
      await server?.stop();
    });

    it('a call in progress finishes on the old version; the next call uses the new one', async () => {
      server = await startProxyServer({ users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })), authenticateRequests: false, engines: [engine] });
      const bob = await new TestUa({ name: 'bob', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'pw-bob', answer: [{ status: 180 }, { status: 200, delayMs: 1500 }] }).start();
      const alice = await new TestUa({ name: 'alice', proxy: { host: server.host, port: server.port }, domain: server.domain }).start();
      uas.push(bob, alice);
      await bob.register();
      await manager.deployDir(await writeAppFolder({ name: 'versioned', version: '1.0.0' }, { 'src/index.ts': versionedApp('v1') }));
      const call = alice.call(bob.aor);
      await eventually(() => bob.methods().includes('INVITE'), 3000);
      await manager.deployDir(await writeAppFolder({ name: 'versioned', version: '2.0.0' }, { 'src/index.ts': versionedApp('v2') }));
      // Both versions run side by side while the first call rings.
      expect(runtime.status('versioned')?.versions.map((v) => v.version)).toEqual(['1.0.0', '2.0.0']);
      expect((await call.final).status).toBe(200);
      await eventually(() => engine.sessions.get('versioned', call.invite.callId)?.attributes.answeredBy !== undefined, 3000);
      expect(engine.sessions.get('versioned', call.invite.callId)?.attributes.answeredBy).toBe('v1:200');
      // The old version drained and was disposed.
      await eventually(() => runtime.status('versioned')?.versions.length === 1, 3000);
      bob.answer = [{ status: 200 }];
      const next = alice.call(bob.aor);
      expect((await next.final).status).toBe(200);
      await eventually(() => engine.sessions.get('versioned', next.invite.callId)?.attributes.answeredBy !== undefined, 3000);
      expect(engine.sessions.get('versioned', next.invite.callId)?.attributes.answeredBy).toBe('v2:200');
    });
  });
});
