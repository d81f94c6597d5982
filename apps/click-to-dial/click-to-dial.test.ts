/**
 * click-to-dial on real UDP: the in-process registrar + proxy with the app engine (real
 * isolate) and the UA core; events delivered as the HTTP route delivers them
 * (`engine.deliverEvent`, platform/http/app-routes.ts). Who may dial from which phone, what the
 * app records per user, and the failures of RFC 3725 Flow I: a callee without a registered
 * phone fails before the caller's phone rings (480), and a phone that answers the offer-less
 * INVITE without an offer (RFC 3264 §5) gets its ACK and a BYE (488). The connected call on
 * SIPp phones: test/e2e/click-to-dial.e2e.test.ts.
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
  type AppEventAnswer,
  type KvBackend,
} from '../../platform/sdk/host/index.js';
import type { ServiceHost } from '../../platform/services/index.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { until } from '../../test/support/until.js';

const ALICE = { kind: 'user', aor: 'alice@sb.test' } as const;
const result = (answer: AppEventAnswer): unknown => (answer.kind === 'ok' ? answer.value : answer);

describe('click-to-dial sample', () => {
  const calls = new CallRegistry();
  const host: { current?: ServiceHost } = {};
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  const phones: TestUa[] = [];

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls, host })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('.', import.meta.url)));
    server = await startProxyServer({ users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })), engines: [engine] });
    host.current = server.serviceHost;
  });
  afterAll(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    await server.stop();
    engine.close();
    await runtime.close();
  });

  const phone = async (name: string): Promise<TestUa> => {
    const ua = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}` }).start();
    phones.push(ua);
    await ua.register();
    return ua;
  };
  const last = (aor: string): Record<string, unknown> | undefined => kv.get('click-to-dial', `last:${aor}`) as Record<string, unknown> | undefined;

  it('lets a user dial only from their own phone; the admin names the phone', async () => {
    expect(result(await engine.deliverEvent('click-to-dial', 'dial', { from: 'bob@sb.test', to: 'sip:alice@sb.test' }, ALICE))).toEqual({
      error: 'alice@sb.test may dial only from their own phone',
    });
    expect(result(await engine.deliverEvent('click-to-dial', 'dial', { to: 'sip:bob@sb.test' }, { kind: 'admin' }))).toMatchObject({ error: expect.stringMatching(/names the phone/u) });
    expect(result(await engine.deliverEvent('click-to-dial', 'dial', {}, ALICE))).toMatchObject({ error: expect.stringMatching(/whom to call/u) });
    expect(calls.count('click-to-dial')).toBe(0);
  });

  it('fails before alice rings when bob has no registered phone (480), and says so in status', async () => {
    const alice = await phone('alice');
    // A bare user name is in the caller's domain.
    const dialed = result(await engine.deliverEvent('click-to-dial', 'dial', { to: 'bob' }, ALICE)) as { call: string; to: string };
    expect(dialed).toMatchObject({ to: 'sip:bob@sb.test', state: 'calling' });
    await until(() => last('alice@sb.test')?.state === 'failed');
    expect(last('alice@sb.test')).toMatchObject({ call: dialed.call, status: 480 });
    expect(result(await engine.deliverEvent('click-to-dial', 'status', null, ALICE))).toMatchObject({ call: dialed.call, state: 'failed', status: 480 });
    expect(alice.methods()).not.toContain('INVITE');
    expect(calls.count('click-to-dial')).toBe(0);
  });

  it('rings alice first with an INVITE without SDP; a 200 without an offer is ACKed, ended with BYE and reported as 488', async () => {
    const alice = phones[0]!;
    const bob = await phone('bob');
    const dialed = result(await engine.deliverEvent('click-to-dial', 'dial', { from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' }, { kind: 'admin' })) as { call: string };
    await until(() => last('alice@sb.test')?.state === 'failed' && last('alice@sb.test')?.call === dialed.call);
    expect(last('alice@sb.test')).toMatchObject({ status: 488 });
    const invite = alice.received.find((entry) => entry.method === 'INVITE')!.request;
    expect(invite.body.length).toBe(0);
    expect(invite.getHeader('From')).toMatch(/^<sip:click-to-dial@sb\.test>;tag=/u);
    await until(() => alice.methods().includes('ACK') && alice.methods().includes('BYE'));
    expect(bob.methods()).not.toContain('INVITE');
    // bob may not hang up alice's call; nothing is left to end anyway.
    expect(result(await engine.deliverEvent('click-to-dial', 'hangup', { call: dialed.call }, { kind: 'user', aor: 'bob@sb.test' }))).toEqual({ ended: false });
    expect(calls.count('click-to-dial')).toBe(0);
    await until(() => engine.sessions.count('click-to-dial') === 0);
  });
});
