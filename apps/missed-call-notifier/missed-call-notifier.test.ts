/**
 * missed-call-notifier on real UDP: the in-process registrar + proxy with the app engine (real
 * isolate) and the UA core; bob's phone answers 486, alice's call gets the 486 and bob's phone
 * then receives the app's MESSAGE — sent with `ctx.uac.request` to bob's address, delivered to
 * his registered contact.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { AppManager, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine } from '../../platform/sdk/host/index.js';
import type { ServiceHostRef } from '../../platform/sdk/host/uac-capability.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { until } from '../../test/support/until.js';

describe('missed-call-notifier sample', () => {
  const hostRef: ServiceHostRef = {};
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  const phones: TestUa[] = [];

  beforeAll(async () => {
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv(), host: hostRef })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('.', import.meta.url)));
    server = await startProxyServer({
      users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })),
      engines: (host) => {
        hostRef.current = host;
        return [engine];
      },
    });
  });
  afterAll(async () => {
    await Promise.all(phones.map((phone) => phone.stop()));
    await server.stop();
    engine.close();
    await runtime.close();
  });

  const phone = async (name: string, answer?: TestUa['answer']): Promise<TestUa> => {
    const ua = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    phones.push(ua);
    return ua;
  };

  it('a busy callee gets a MESSAGE naming the caller; the caller gets the 486', async () => {
    const bob = await phone('bob', [{ status: 486 }]);
    await bob.register();
    const alice = await phone('alice');
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(486);
    await until(() => bob.methods().includes('MESSAGE'));
    const message = bob.received.find((entry) => entry.method === 'MESSAGE')!.request;
    expect(message.body.toString()).toBe(`Missed call from sip:alice@${server.domain} (486 Busy Here)`);
    expect(message.getHeader('From')).toMatch(new RegExp(`^<sip:missed-call-notifier@${server.domain}>;tag=`));
    expect(message.getHeader('To')).toBe(`<sip:bob@${server.domain}>`);
    expect(message.getHeader('Content-Type')).toBe('text/plain');
  });

  it('an answered call sends nothing', async () => {
    const carol = await phone('bob');
    await carol.register();
    const alice = await phone('alice');
    const call = alice.call(carol.aor, { password: 'pw-alice' });
    expect((await call.final).status).toBe(200);
    await call.bye();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(carol.methods()).not.toContain('MESSAGE');
  });
});
