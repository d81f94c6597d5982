/**
 * Switchboard as the triggering S-CSCF for its own users (TS 24.229 §5.4.3, TS 23.218 Annex C):
 * iFCs from stored profiles route initial requests through external ASes (real UDP on
 * 127.0.0.1) with an ODI Route and P-Served-User, the chain resumes when the AS sends the request
 * back, and DefaultHandling applies to an AS that does not answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log/logger.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../../platform/store/service-profile-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';
import { profileXml, startTestAs, type IfcSpec, type TestAs } from './scscf-support.js';

describe('S-CSCF role: iFC chains through external ASes', () => {
  let server: ProxyServer;
  let dataDir: string;
  let profiles: ServiceProfileStore;
  const stops: Array<() => Promise<void>> = [];
  const users = ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` }));

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scscf-profiles-'));
    profiles = openServiceProfileStore({ dataDir, logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await server.stop();
    profiles.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(asTimeoutMs = 400): Promise<{ alice: TestUa; bob: TestUa }> {
    server = await startProxyServer({ users, scscf: { settings: { asTimeoutMs }, profiles: profiles.profiles } });
    const ua = async (name: string): Promise<TestUa> => {
      const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}` }).start();
      stops.push(() => agent.stop());
      await agent.register();
      return agent;
    };
    return { alice: await ua('alice'), bob: await ua('bob') };
  }
  async function as(name: string, mode?: Parameters<typeof startTestAs>[1]): Promise<TestAs> {
    const started = await startTestAs(name, mode);
    stops.push(() => started.stop());
    return started;
  }
  const provision = (user: string, ifcs: IfcSpec[]): Promise<unknown> => profiles.profiles.put(`${user}@sb.test`, profileXml(`sip:${user}@sb.test`, ifcs));

  it('chains two originating ASes in priority order, each with a fresh ODI, then reaches the callee', async () => {
    const as1 = await as('as1');
    const as2 = await as('as2');
    // Document order differs from priority order on purpose.
    await provision('alice', [
      { priority: 20, server: as2.uri, sessionCase: 0 },
      { priority: 10, server: as1.uri, sessionCase: 0 },
    ]);
    const { alice, bob } = await start();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);

    expect(as1.received.map((r) => r.method)).toEqual(['INVITE']);
    expect(as2.received.map((r) => r.method)).toEqual(['INVITE']);
    const first = as1.received[0]!;
    const second = as2.received[0]!;
    const [asRoute, odi1] = first.getHeaders('Route').join(',').split(',').map((v) => v.trim());
    expect(asRoute).toBe(`<${as1.uri};lr>`);
    expect(odi1).toMatch(new RegExp(`^<sip:odi_[0-9a-f]{32}@127\\.0\\.0\\.1:${server.port};lr;orig>$`));
    expect(first.getHeader('P-Served-User')).toBe('<sip:alice@sb.test>;sescase=orig;regstate=reg');
    expect(first.uri.kind === 'sip' && first.uri.user).toBe('bob');
    const odi2 = second.getHeaders('Route').join(',').split(',')[1]!.trim();
    expect(odi2).toMatch(/^<sip:odi_[0-9a-f]{32}@/);
    expect(odi2).not.toBe(odi1);
    expect(second.getHeaders('P-Served-User')).toHaveLength(1);

    const atBob = bob.received.find((entry) => entry.method === 'INVITE')!.request;
    expect(atBob.hasHeader('P-Served-User')).toBe(false);
    expect(atBob.hasHeader('Route')).toBe(false);
    // Both ASes are in the Via path of what bob received: the request went through them.
    expect(atBob.getHeaders('Via').join(',')).toContain(`127.0.0.1:${as1.port}`);
    expect(atBob.getHeaders('Via').join(',')).toContain(`127.0.0.1:${as2.port}`);
    expect(server.scscf?.pendingChains).toBe(0);
  });

  it('a CANCEL from the caller reaches the callee through the AS and the chain', async () => {
    const as1 = await as('cancel-as');
    await provision('alice', [{ priority: 0, server: as1.uri }]);
    const { alice, bob } = await start();
    bob.answer = [{ status: 180 }];
    const call = alice.call(bob.aor, { password: 'pw-alice' });
    for (let i = 0; i < 100 && !call.statuses().includes(180); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(call.statuses()).toContain(180);
    const cancelled = await call.cancel();
    expect(cancelled.status).toBe(200);
    expect((await call.final).status).toBe(487);
    for (let i = 0; i < 100 && !bob.methods().includes('CANCEL'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(bob.methods()).toContain('CANCEL');
  });

  it('runs the callee terminating iFC with sescase=term', async () => {
    const as1 = await as('term-as');
    await provision('bob', [{ priority: 0, server: as1.uri, sessionCase: 1 }]);
    const { alice, bob } = await start();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(as1.received).toHaveLength(1);
    expect(as1.received[0]!.getHeader('P-Served-User')).toBe('<sip:bob@sb.test>;sescase=term;regstate=reg');
    expect(as1.received[0]!.getHeaders('Route').join(',')).not.toContain(';orig');
  });

  it('skips an AS whose iFC does not match', async () => {
    const as1 = await as('msg-only');
    await provision('alice', [{ priority: 0, server: as1.uri, method: 'MESSAGE' }]);
    const { alice, bob } = await start();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(as1.received).toHaveLength(0);
    expect(bob.methods()).toContain('INVITE');
  });

  it('SESSION_CONTINUED: a silent AS is bypassed after the timer and the chain goes on', async () => {
    const silent = await as('silent', 'silent');
    const next = await as('next');
    await provision('alice', [
      { priority: 0, server: silent.uri, defaultHandling: 0 },
      { priority: 1, server: next.uri },
    ]);
    const { alice, bob } = await start(300);
    const started = Date.now();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(silent.received.filter((r) => r.method === 'INVITE').length).toBeGreaterThanOrEqual(1);
    expect(next.received.filter((r) => r.method === 'INVITE')).toHaveLength(1);
    // The bypassed AS's P-Served-User / Route did not leak into the continued request.
    expect(next.received[0]!.getHeaders('Route').join(',').split(',')).toHaveLength(2);
  });

  it('an AS that sends the request back after it was bypassed gets 408; the callee rings once', async () => {
    const late = await as('late', { delayMs: 600 });
    await provision('alice', [{ priority: 0, server: late.uri, defaultHandling: 0 }]);
    const { alice, bob } = await start(200);
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(bob.methods().filter((method) => method === 'INVITE')).toHaveLength(1);
    // Not run as a new request either (that would have sent it to the AS again); retransmissions
    // of the one INVITE (Timer A, the AS was slow) carry the same branch.
    const branches = new Set(late.received.filter((r) => r.method === 'INVITE').map((r) => r.topVia?.params.get('branch')));
    expect(branches.size).toBe(1);
  });

  it('SESSION_TERMINATED: a silent AS ends the call with 408 and no further AS is asked', async () => {
    const silent = await as('silent-t', 'silent');
    const next = await as('never');
    await provision('alice', [
      { priority: 0, server: silent.uri, defaultHandling: 1 },
      { priority: 1, server: next.uri },
    ]);
    const { alice, bob } = await start(300);
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(408);
    expect(next.received).toHaveLength(0);
    expect(bob.methods()).not.toContain('INVITE');
  });

  it('SESSION_TERMINATED: a 500 from the AS before it showed life goes to the caller', async () => {
    const failing = await as('failing', { respond: 500 });
    await provision('alice', [{ priority: 0, server: failing.uri, defaultHandling: 1 }]);
    const { alice, bob } = await start();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(500);
    expect(bob.methods()).not.toContain('INVITE');
  });

  it('SESSION_CONTINUED: a 503 from the AS is bypassed', async () => {
    const failing = await as('failing-c', { respond: 503 });
    await provision('alice', [{ priority: 0, server: failing.uri, defaultHandling: 0 }]);
    const { alice, bob } = await start();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(failing.received.filter((r) => r.method === 'INVITE')).toHaveLength(1);
  });
});
