/**
 * Switchboard as the triggering S-CSCF (issue 7 deliverable 3): two SIPp processes play external
 * Application Servers acting as SIP proxies on ISC (TS 24.229 §5.7.4). The caller's originating
 * iFCs chain them in priority order (TS 23.218 Annex C): each receives
 * `Route: <AS;lr>, <sip:odi_…@Switchboard;lr;orig>` and P-Served-User (RFC 5502), sends the
 * request back through the ODI Route, and the call reaches the registered callee. A silent SIPp
 * AS is bypassed under SESSION_CONTINUED.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log/logger.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../../platform/store/service-profile-store.js';
import { profileXml } from '../integration/scscf-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { receivedRequests, runSipp, waitForUdpListener } from '../support/sipp.js';
import { TestUa } from '../support/test-ua.js';

describe('Switchboard as S-CSCF chaining SIPp application servers', () => {
  let server: ProxyServer;
  let dataDir: string;
  let store: ServiceProfileStore;
  const uas: TestUa[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scscf-e2e-'));
    store = openServiceProfileStore({ dataDir, logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(uas.splice(0).map((ua) => ua.stop()));
    await server.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(asTimeoutMs: number): Promise<{ alice: TestUa; bob: TestUa }> {
    server = await startProxyServer({
      users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })),
      scscf: { settings: { asTimeoutMs }, profiles: store.profiles },
    });
    const ua = async (name: string): Promise<TestUa> => {
      const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}` }).start();
      uas.push(agent);
      await agent.register();
      return agent;
    };
    return { alice: await ua('alice'), bob: await ua('bob') };
  }

  it('routes through both ASes in priority order with a fresh ODI each, then to the callee', async () => {
    const [port1, port2] = [await freePort(), await freePort()];
    await store.profiles.put('alice@sb.test', profileXml('sip:alice@sb.test', [
      { priority: 1, server: `sip:as1@127.0.0.1:${port1}`, sessionCase: 0, defaultHandling: 1 },
      { priority: 2, server: `sip:as2@127.0.0.1:${port2}`, sessionCase: 0, defaultHandling: 1 },
    ]));
    const { alice, bob } = await start(2000);
    const as1 = runSipp({ scenario: 'scscf-as-proxy.xml', localPort: port1, timeoutSeconds: 10 });
    const as2 = runSipp({ scenario: 'scscf-as-proxy.xml', localPort: port2, timeoutSeconds: 10 });
    await Promise.all([waitForUdpListener(port1), waitForUdpListener(port2)]);
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    const [run1, run2] = await Promise.all([as1, as2]);
    expect(final.status, run1.errors + run2.errors).toBe(200);
    expect(run1.exitCode, run1.errors).toBe(0);
    expect(run2.exitCode, run2.errors).toBe(0);

    const [at1] = receivedRequests(run1, 'INVITE');
    const [at2] = receivedRequests(run2, 'INVITE');
    const routes1 = at1!.getHeaders('Route').join(',').split(',').map((v) => v.trim());
    const routes2 = at2!.getHeaders('Route').join(',').split(',').map((v) => v.trim());
    expect(routes1[0]).toBe(`<sip:as1@127.0.0.1:${port1};lr>`);
    expect(routes1[1]).toMatch(new RegExp(`^<sip:odi_[0-9a-f]{32}@127\\.0\\.0\\.1:${server.port};lr;orig>$`));
    expect(routes2[0]).toBe(`<sip:as2@127.0.0.1:${port2};lr>`);
    expect(routes2[1]).not.toBe(routes1[1]);
    expect(at1!.getHeader('P-Served-User')).toBe('<sip:alice@sb.test>;sescase=orig;regstate=reg');
    expect(at2!.getHeader('P-Served-User')).toBe('<sip:alice@sb.test>;sescase=orig;regstate=reg');
    // AS2 got the request after AS1 had it: AS1's Via is below Switchboard's.
    expect(at2!.getHeaders('Via').join(',')).toContain(`127.0.0.1:${port1}`);
    const atBob = bob.received.find((entry) => entry.method === 'INVITE')!.request;
    expect(atBob.hasHeader('P-Served-User')).toBe(false);
    expect(server.scscf?.pendingChains).toBe(0);
  });

  it('SESSION_CONTINUED: a silent SIPp AS is bypassed and the next one runs', async () => {
    const [silentPort, port2] = [await freePort(), await freePort()];
    await store.profiles.put('alice@sb.test', profileXml('sip:alice@sb.test', [
      { priority: 1, server: `sip:silent@127.0.0.1:${silentPort}`, defaultHandling: 0 },
      { priority: 2, server: `sip:as2@127.0.0.1:${port2}` },
    ]));
    const { alice, bob } = await start(400);
    const silent = runSipp({ scenario: 'scscf-as-silent.xml', localPort: silentPort, timeoutSeconds: 10 });
    const as2 = runSipp({ scenario: 'scscf-as-proxy.xml', localPort: port2, timeoutSeconds: 10 });
    await Promise.all([waitForUdpListener(silentPort), waitForUdpListener(port2)]);
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    const [silentRun, run2] = await Promise.all([silent, as2]);
    expect(final.status, run2.errors).toBe(200);
    expect(receivedRequests(silentRun, 'INVITE').length).toBeGreaterThanOrEqual(1);
    expect(receivedRequests(run2, 'INVITE')).toHaveLength(1);
    expect(bob.methods()).toContain('INVITE');
  });

  it('SESSION_TERMINATED: a silent SIPp AS ends the call with 408; the callee never rings', async () => {
    const [silentPort, port2] = [await freePort(), await freePort()];
    await store.profiles.put('alice@sb.test', profileXml('sip:alice@sb.test', [
      { priority: 1, server: `sip:silent@127.0.0.1:${silentPort}`, defaultHandling: 1 },
      { priority: 2, server: `sip:never@127.0.0.1:${port2}` },
    ]));
    const { alice, bob } = await start(400);
    const silent = runSipp({ scenario: 'scscf-as-silent.xml', localPort: silentPort, timeoutSeconds: 10 });
    await waitForUdpListener(silentPort);
    const started = Date.now();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(receivedRequests(await silent, 'INVITE').length).toBeGreaterThanOrEqual(1);
    expect(bob.methods()).not.toContain('INVITE');
  });
});
