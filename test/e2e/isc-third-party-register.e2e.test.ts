/**
 * Third-party registration (TS 24.229 §5.4.1.7) end to end with SIPp.
 *  - Switchboard as S-CSCF: a SIPp phone registers with digest authentication; the user's iFC
 *    matches REGISTER, so a SIPp Application Server receives Switchboard's third-party REGISTER
 *    (Request-URI the AS, From/Contact the S-CSCF, To the user, Expires, ServiceInfo body), and
 *    Expires 0 on de-registration. An AS answering 500 under SESSION_TERMINATED gets the user
 *    de-registered: a call to them then gets 480.
 *  - Switchboard as AS: SIPp plays the S-CSCF and sends third-party REGISTERs; Switchboard
 *    answers 200 with the same Expires (§5.7.1.1), never a digest challenge.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log/logger.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../../platform/store/service-profile-store.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { receivedRequests, receivedStatuses, runSipp, sippKeys, waitForUdpListener, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';
import { TestUa } from '../support/test-ua.js';

/** One iFC on Method REGISTER (29.228 Annex B), with ServiceInfo and DefaultHandling. */
function registerProfile(identity: string, server: string, defaultHandling: 0 | 1, serviceInfo?: string): string {
  const info = serviceInfo !== undefined ? `<ServiceInfo>${serviceInfo}</ServiceInfo>` : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>${identity.slice(4)}</PrivateID><ServiceProfile>` +
    `<PublicIdentity><Identity>${identity}</Identity></PublicIdentity><InitialFilterCriteria><Priority>0</Priority>` +
    `<TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>REGISTER</Method></SPT></TriggerPoint>` +
    `<ApplicationServer><ServerName>${server}</ServerName><DefaultHandling>${defaultHandling}</DefaultHandling>${info}</ApplicationServer>` +
    `</InitialFilterCriteria></ServiceProfile></IMSSubscription>`
  );
}

describe('third-party REGISTER: Switchboard as S-CSCF, SIPp phone and AS', () => {
  let server: ProxyServer;
  let dataDir: string;
  let store: ServiceProfileStore;
  const uas: TestUa[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'isc-3preg-e2e-'));
    store = openServiceProfileStore({ dataDir, logger: silentLogger });
    server = await startProxyServer({
      users: [
        { username: 'alice', password: 'pw-alice' },
        { username: 'bob', password: 'pw-bob' },
      ],
      algorithms: ['MD5', 'SHA-256'],
      scscf: { settings: {}, profiles: store.profiles },
    });
  });
  afterEach(async () => {
    await Promise.all(uas.splice(0).map((ua) => ua.stop()));
    await server.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function phone(expires: number): Promise<SippRun> {
    return runSipp({
      scenario: 'isc-3preg-phone.xml',
      remote: `${server.host}:${server.port}`,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user: 'alice', domain: server.domain, contact_port: '5999', expires: String(expires) }), '-au', 'alice', '-ap', 'pw-alice', '-auth_uri', server.domain],
    });
  }

  it('registration and de-registration reach the SIPp AS as third-party REGISTERs', async () => {
    const asPort = await freePort();
    const asUri = `sip:as@127.0.0.1:${asPort}`;
    await store.profiles.put('alice@sb.test', registerProfile('sip:alice@sb.test', asUri, 0, 'tier=gold'));
    const as = runSipp({ scenario: 'isc-3preg-as.xml', localPort: asPort, calls: 1, timeoutSeconds: 15 });
    await waitForUdpListener(asPort);

    const registered = await phone(600);
    expect(registered.exitCode, registered.errors).toBe(0);
    expect((await server.registrar.location.lookup('sip:alice@sb.test')).kind).toBe('found');
    await sleep(200); // the third-party REGISTER follows our 200 to the phone
    const deregistered = await phone(0);
    expect(deregistered.exitCode, deregistered.errors).toBe(0);
    const run = await as;
    expect(run.exitCode, run.errors).toBe(0);

    const [reg, dereg] = receivedRequests(run, 'REGISTER');
    expect(reg!.uri).toMatchObject({ kind: 'sip', user: 'as', host: '127.0.0.1', port: asPort });
    expect(reg!.to.uri).toMatchObject({ user: 'alice', host: 'sb.test' });
    expect(reg!.from.uri).toMatchObject({ host: '127.0.0.1', port: server.port });
    expect(reg!.from.uri).not.toHaveProperty('user', 'alice');
    expect(reg!.getHeader('Contact')).toBe(`<sip:127.0.0.1:${server.port}>`);
    expect(reg!.getHeader('Expires')).toBe('600');
    expect(reg!.getHeader('Content-Type')).toBe('application/3gpp-ims+xml');
    expect(reg!.body.toString()).toContain('<ims-3gpp version="1"><service-info>tier=gold</service-info></ims-3gpp>');
    expect(dereg!.getHeader('Expires')).toBe('0');
    expect(dereg!.callId).toBe(reg!.callId);
    expect(dereg!.cseq.seq).toBe(reg!.cseq.seq + 1);
    expect(dereg!.to.uri).toMatchObject({ user: 'alice', host: 'sb.test' });
  });

  it('SESSION_TERMINATED: the AS answers 500, the phone is de-registered and a call to it gets 480', async () => {
    const asPort = await freePort();
    await store.profiles.put('alice@sb.test', registerProfile('sip:alice@sb.test', `sip:as@127.0.0.1:${asPort}`, 1));
    const as = runSipp({ scenario: 'isc-3preg-as-500.xml', localPort: asPort, calls: 1, timeoutSeconds: 15 });
    await waitForUdpListener(asPort);

    const registered = await phone(600);
    expect(registered.exitCode, registered.errors).toBe(0);
    const run = await as;
    expect(run.exitCode, run.errors).toBe(0);
    expect(receivedRequests(run, 'REGISTER')).toHaveLength(1);
    let kind = '';
    for (let i = 0; i < 100 && kind !== 'no-bindings'; i++) {
      kind = (await server.registrar.location.lookup('sip:alice@sb.test')).kind;
      if (kind !== 'no-bindings') await sleep(20);
    }
    expect(kind).toBe('no-bindings');

    const bob = await new TestUa({ name: 'bob', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'pw-bob' }).start();
    uas.push(bob);
    await bob.register();
    const final = await bob.call('sip:alice@sb.test', { password: 'pw-bob' }).final;
    expect(final.status).toBe(480);
  });
});

describe('third-party REGISTER: Switchboard as AS, SIPp as S-CSCF', () => {
  it('answers 200 with the Expires it carried (no challenge), and 200 to Expires 0', async () => {
    const scscfPort = await freePort();
    const server = await startProxyServer({ domains: ['as.test'], isc: { trustedScscf: [`127.0.0.1:${scscfPort}`] } });
    try {
      const run = await runSipp({ scenario: 'isc-3preg-scscf.xml', remote: `${server.host}:${server.port}`, localPort: scscfPort, extraArgs: sippKeys({ user: 'alice@ims.test' }) });
      expect(run.exitCode, run.errors + run.stdout.slice(-2000)).toBe(0);
      expect(receivedStatuses(run)).toEqual([200, 200]);
    } finally {
      await server.stop();
    }
  });
});
