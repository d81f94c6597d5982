/**
 * The app SDK end to end in process: sample apps from apps/ deployed into the sandbox runtime,
 * the app engine in the in-process registrar + proxy, real SIP user agents on loopback.
 * Covers dispatch per method, 501 for unhandled methods, session attributes, named timers, KV,
 * proxy with fallback, faults → 500 and redeploy rules.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { buildApp, eventually, removeAppFolders, writeAppFolder } from '../../platform/container/test-support.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  AppManager,
  capabilityProviders,
  createAppEngine,
  createCapabilityContainer,
  createMemoryKv,
  type AppEngine,
  type KvBackend,
} from '../../platform/sdk/host/index.js';
import { generateCallId, generateTag } from '../../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const appDir = (name: string): string => fileURLToPath(new URL(`../../apps/${name}`, import.meta.url));
const SDK = fileURLToPath(new URL('../../platform/sdk/index.js', import.meta.url));

describe('apps through the app engine (issue 5)', () => {
  let server: ProxyServer;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let manager: AppManager;
  let kv: KvBackend;
  const uas: TestUa[] = [];
  const users = ['alice', 'bob', 'carol'].map((username) => ({ username, password: `pw-${username}` }));

  const ua = async (name: string, answer?: TestUa['answer']): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    uas.push(agent);
    return agent;
  };

  async function message(from: TestUa, to: string, text: string, callId = generateCallId()) {
    const request = from.buildRequest('MESSAGE', to, { callId, cseq: 1, to: `<${to}>`, fromTag: generateTag(), extra: [{ name: 'Content-Type', value: 'text/plain' }] });
    request.body = Buffer.from(text);
    return from.sendNonInvite(request);
  }

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    manager = new AppManager({ runtime, logger: silentLogger, onUndeployed: (name) => engine.dropApp(name) });
    server = await startProxyServer({ users, authenticateRequests: false, engines: [engine] });
  });
  afterEach(async () => {
    await Promise.all(uas.splice(0).map((agent) => agent.stop()));
    for (const app of manager.list()) await manager.undeploy(app.name);
    for (const user of users) await server.store.bindings.removeAll(`${user.username}@${server.domain}`);
  });
  afterAll(async () => {
    engine.close();
    await runtime.close();
    await server.stop();
    await removeAppFolders();
  });

  it('hello: MESSAGE → 200 with a body; attributes persist per application session; INVITE → 501', async () => {
    await manager.deployDir(appDir('hello'));
    const alice = await ua('alice');
    const callId = generateCallId();
    const first = await message(alice, `sip:bob@${server.domain}`, 'hi', callId);
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('hello alice (#1)');
    const second = await message(alice, `sip:bob@${server.domain}`, 'again', callId);
    expect(second.getHeader('X-Hello-Count')).toBe('2');
    expect(engine.sessions.get('hello', callId)?.attributes).toEqual({ count: 2 });
    // Under `apps.selection: all` an app without an INVITE handler was not chosen for INVITE:
    // normal routing answers (bob has no phone registered). A rule naming the app gets 501.
    const invite = await alice.call(`sip:bob@${server.domain}`).final;
    expect(invite.status).toBe(480);
  });

  it('hello: a named timer fires with its plain-data payload in the same application session', async () => {
    await manager.deployDir(appDir('hello'));
    const alice = await ua('alice');
    const callId = generateCallId();
    expect((await message(alice, `sip:bob@${server.domain}`, 'remind me', callId)).status).toBe(200);
    expect(engine.sessions.get('hello', callId)?.timers.size).toBe(1);
    await eventually(() => engine.sessions.get('hello', callId)?.attributes.reminded === true, 3000);
    expect(engine.sessions.get('hello', callId)?.timers.size).toBe(0);
  });

  it('call-screening: a caller on the block list gets 603 and the callee never rings; others go through', async () => {
    await manager.deployDir(appDir('call-screening'));
    kv.set('call-screening', `blocklist:bob@${server.domain}`, [`carol@${server.domain}`]);
    const bob = await ua('bob');
    await bob.register();
    const carol = await ua('carol');
    expect((await carol.call(bob.aor).final).status).toBe(603);
    expect(bob.methods()).toEqual([]);
    const alice = await ua('alice');
    expect((await alice.call(bob.aor).final).status).toBe(200);
    expect(bob.methods()[0]).toBe('INVITE');
  });

  it('forward-on-busy: busy phone → the app proxies to the forward target; the caller is connected', async () => {
    await manager.deployDir(appDir('forward-on-busy'));
    kv.set('forward-on-busy', `forward:bob@${server.domain}`, `sip:carol@${server.domain}`);
    kv.set('forward-on-busy', `timeout:bob@${server.domain}`, 10);
    const bob = await ua('bob', [{ status: 486 }]);
    const carol = await ua('carol');
    await bob.register();
    await carol.register();
    const alice = await ua('alice');
    const call = alice.call(bob.aor);
    expect((await call.final).status).toBe(200);
    expect(bob.methods()).toEqual(['INVITE']);
    expect(carol.methods()[0]).toBe('INVITE');
    expect(engine.sessions.get('forward-on-busy', call.invite.callId)?.attributes.forwarded).toEqual({ from: `bob@${server.domain}`, to: `sip:carol@${server.domain}`, because: 486 });
  });

  it('an app that throws or loops costs its call a 500; without a handler it is skipped under `all`', async () => {
    const bad = await buildApp(
      `import { defineApp } from ${JSON.stringify(SDK)};
       export default defineApp({
         onMessage(req) { if (req.body === 'loop') { for (;;) {} } throw new Error('boom'); },
       });`,
      { name: 'bad-app' },
    );
    await manager.deployBundle(bad);
    const alice = await ua('alice');
    expect((await message(alice, `sip:bob@${server.domain}`, 'throw')).status).toBe(500);
    const started = Date.now();
    expect((await message(alice, `sip:bob@${server.domain}`, 'loop')).status).toBe(500);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await alice.call(`sip:bob@${server.domain}`).final).status).toBe(480);
  });

  it('escape attempts and a memory bomb are contained: 500 for that call, the next app still answers', async () => {
    const hostile = await buildApp(
      `import { defineApp } from ${JSON.stringify(SDK)};
       export default defineApp({
         onMessage(req, ctx) {
           if (req.body === 'escape') {
             const p = (globalThis as any).constructor.constructor('return typeof process === "undefined" ? undefined : process')();
             const r = (ctx.log.info as any).constructor('return typeof require === "undefined" ? undefined : require')();
             if (p !== undefined || r !== undefined) { req.reply(200, 'ESCAPED'); return; }
             throw new Error('no way out');
           }
           const hog: string[] = [];
           for (;;) hog.push('x'.repeat(1 << 20) + hog.length);
         },
       });`,
      { name: 'hostile', limits: { memoryMb: 16, cpuMsPerEvent: 2000 } },
    );
    await manager.deployBundle(hostile);
    await manager.deployDir(appDir('hello'));
    const alice = await ua('alice');
    const escaped = await message(alice, `sip:bob@${server.domain}`, 'escape');
    expect(escaped.status).toBe(500);
    expect((await message(alice, `sip:bob@${server.domain}`, 'bomb')).status).toBe(500);
    // hostile comes first in deploy order; once it is undeployed hello serves again.
    await manager.undeploy('hostile');
    expect((await message(alice, `sip:bob@${server.domain}`, 'hi')).status).toBe(200);
  });

  it('a redeploy that throws at load is refused with its error and the old version keeps serving', async () => {
    await manager.deployDir(appDir('hello'));
    const dir = await writeAppFolder({ name: 'hello', version: '2.0.0' }, { 'src/index.ts': 'throw new Error("broken at load");' });
    await expect(manager.deployDir(dir)).rejects.toThrow(/broken at load/);
    expect(manager.list().find((app) => app.name === 'hello')?.version).toBe('1.0.0');
    const alice = await ua('alice');
    expect((await message(alice, `sip:bob@${server.domain}`, 'hi')).status).toBe(200);
  });
});
