/**
 * registration-logger on real UDP: the in-process registrar + proxy with the app engine (real
 * isolate) and the UA core. Real REGISTERs of a test phone reach the app as `onRegistration`
 * (registered, refreshed, unregistered) and leave the AOR's last-seen record in the key-value
 * store; a MESSAGE to echo@ gets 200 and its text comes back in a MESSAGE from echo@; other
 * MESSAGEs pass through to their user.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { AppManager, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine, type KvBackend } from '../../platform/sdk/host/index.js';
import type { ServiceHost } from '../../platform/services/index.js';
import { generateCallId, type SipRequest, type SipResponse } from '../../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { until } from '../../test/support/until.js';

describe('registration-logger sample', () => {
  const host: { current?: ServiceHost } = {};
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  let unwatch: () => void;
  const phones: TestUa[] = [];

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, host })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('.', import.meta.url)));
    server = await startProxyServer({ users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })), engines: [engine] });
    host.current = server.serviceHost;
    unwatch = engine.watchRegistrations(server.serviceHost);
  });
  afterAll(async () => {
    unwatch();
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
  const seen = (aor: string): Record<string, unknown> | undefined => kv.get('registration-logger', `seen:${aor}`) as Record<string, unknown> | undefined;
  /** A MESSAGE from `from` (answering the proxy's 407 with the phone's password). */
  const message = async (from: TestUa, to: string, text: string): Promise<SipResponse> => {
    const callId = generateCallId('ua.test');
    const build = (cseq: number): SipRequest => {
      const request = from.buildRequest('MESSAGE', to, { callId, cseq, to: `<${to}>`, extra: [{ name: 'Content-Type', value: 'text/plain' }] });
      request.body = Buffer.from(text);
      return request;
    };
    const first = await from.sendNonInvite(build(1));
    if (first.status !== 407) return first;
    const retry = build(2);
    from.authorize(retry, first, `pw-${from.name}`);
    return from.sendNonInvite(retry);
  };

  it('records each registration change of a real REGISTER: registered, refreshed, unregistered', async () => {
    const alice = await phone('alice');
    expect((await alice.register({ expires: 300 })).status).toBe(200);
    await until(() => seen('alice@sb.test')?.kind === 'registered');
    expect(seen('alice@sb.test')).toMatchObject({ contact: alice.contact, q: expect.any(Number) });
    expect(seen('alice@sb.test')!.expires).toBeGreaterThan(290);
    expect(Date.parse(String(seen('alice@sb.test')!.at))).toBeGreaterThan(Date.now() - 60_000);

    expect((await alice.register({ expires: 300 })).status).toBe(200);
    await until(() => seen('alice@sb.test')?.kind === 'refreshed');
    expect((await alice.register({ expires: 0 })).status).toBe(200);
    await until(() => seen('alice@sb.test')?.kind === 'unregistered');
    expect(seen('alice@sb.test')).toMatchObject({ contact: alice.contact, expires: 0 });
    // Nothing lingers: the per-AOR sessions hold no state of their own.
    await until(() => engine.sessions.count('registration-logger') === 0);
  });

  it('answers a MESSAGE to echo@ with 200 and sends its text back from echo@; other MESSAGEs go to their user', async () => {
    const alice = phones[0]!;
    await alice.register({ expires: 300 });
    const answer = await message(alice, 'sip:echo@sb.test', 'hello\nworld');
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(0);
    await until(() => alice.methods().includes('MESSAGE'));
    const echo = alice.received.find((entry) => entry.method === 'MESSAGE')!.request;
    expect(echo.body.toString('utf8')).toBe('hello\nworld');
    expect(echo.getHeader('From')).toMatch(/^<sip:echo@sb\.test>;tag=/u);
    expect(echo.getHeader('Content-Type')).toBe('text/plain');

    const bob = await phone('bob');
    await bob.register({ expires: 300 });
    expect((await message(alice, 'sip:bob@sb.test', 'hi bob')).status).toBe(200);
    await until(() => bob.methods().includes('MESSAGE'));
    expect(bob.received.find((entry) => entry.method === 'MESSAGE')!.request.body.toString('utf8')).toBe('hi bob');
    expect(alice.methods().filter((method) => method === 'MESSAGE')).toHaveLength(1);
  });
});
