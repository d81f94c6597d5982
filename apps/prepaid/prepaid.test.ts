/**
 * prepaid on real UDP: the in-process registrar + proxy with the app engine (real isolate) and
 * the UA core. alice (authenticated) calls bob; the app bridges the call as a B2BUA, ends it with
 * BYE on both legs when her credit runs out, charges what she used, and refuses her next call
 * with 402 once nothing is left. A call she ends herself is charged only its own seconds.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  AppManager,
  CallRegistry,
  capabilityProviders,
  createAppEngine,
  createCapabilityContainer,
  createMemoryKv,
  type AppEngine,
  type KvBackend,
} from '../../platform/sdk/host/index.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { until } from '../../test/support/until.js';

describe('prepaid sample', () => {
  const calls = new CallRegistry();
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  const phones: TestUa[] = [];

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls, selection: [{ app: 'prepaid', direction: 'originating' }] });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('.', import.meta.url)));
    server = await startProxyServer({ users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })), engines: [engine] });
  });
  let bob: TestUa;
  let caller: TestUa;
  afterAll(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    await server.stop();
    engine.close();
    await runtime.close();
  });

  const phone = async (name: string): Promise<TestUa> => {
    const ua = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}` }).start();
    phones.push(ua);
    return ua;
  };
  const alice = `alice@sb.test`;
  const count = (ua: TestUa, method: string): number => ua.methods().filter((m) => m === method).length;

  it('cuts the call with BYE on both legs when the credit runs out, charges it, then refuses with 402', async () => {
    kv.set('prepaid', `credit:${alice}`, 1);
    bob = await phone('bob');
    await bob.register();
    caller = await phone('alice');
    const call = caller.call(bob.aor, { password: 'pw-alice' });
    const started = Date.now();
    expect((await call.final).status).toBe(200);
    const inviteAtBob = bob.received.find((entry) => entry.method === 'INVITE')!.request;
    expect(inviteAtBob.callId).not.toBe(call.callId);
    await until(() => caller.methods().includes('BYE') && bob.methods().includes('BYE'), 4000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(bob.received.find((entry) => entry.method === 'BYE')!.request.callId).toBe(inviteAtBob.callId);
    expect(caller.received.find((entry) => entry.method === 'BYE')!.request.callId).toBe(call.callId);
    await until(() => kv.get('prepaid', `credit:${alice}`) === 0);
    expect(calls.count('prepaid')).toBe(0);
    await until(() => engine.sessions.count('prepaid') === 0);

    const refused = await caller.call(bob.aor, { password: 'pw-alice' }).final;
    expect(refused.status).toBe(402);
    expect(bob.received.filter((entry) => entry.method === 'INVITE')).toHaveLength(1);
  });

  it('a caller who hangs up first is charged the seconds used; a new caller starts with the default credit', async () => {
    kv.delete('prepaid', `credit:${alice}`);
    kv.set('prepaid', 'credit:default', 30);
    const call = caller.call(bob.aor, { password: 'pw-alice' });
    expect((await call.final).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await call.bye()).status).toBe(200);
    await until(() => count(bob, 'BYE') === 2);
    expect(count(caller, 'BYE')).toBe(1);
    // 1.2 s, rounded up to whole seconds: 2 of 30.
    await until(() => kv.get('prepaid', `credit:${alice}`) === 28);
    expect(calls.count('prepaid')).toBe(0);
    await until(() => engine.sessions.count('prepaid') === 0);
  });
});
