/**
 * Third-party registration from the S-CSCF role (24.229 §5.4.1.7) over real UDP: the
 * in-process registrar+proxy with the S-CSCF role, a digest-registering test UA and small
 * UDP application servers answering the third-party REGISTER themselves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestAs, type TestAs } from '../../test/integration/scscf-support.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { silentLogger } from '../log/logger.js';
import type { SipRequest } from '../sip/index.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../store/service-profile-store.js';

interface Ifc {
  priority: number;
  server: string;
  method?: string;
  registrationTypes?: number[];
  defaultHandling?: 0 | 1;
  serviceInfo?: string;
  includeRequest?: boolean;
}

function profile(identity: string, ifcs: Ifc[]): string {
  const criteria = ifcs.map((ifc) => {
    const types = (ifc.registrationTypes ?? []).map((t) => `<RegistrationType>${t}</RegistrationType>`).join('');
    const spt = `<SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>${ifc.method ?? 'REGISTER'}</Method>${types ? `<Extension>${types}</Extension>` : ''}</SPT>`;
    const handling = ifc.defaultHandling !== undefined ? `<DefaultHandling>${ifc.defaultHandling}</DefaultHandling>` : '';
    const info = ifc.serviceInfo !== undefined ? `<ServiceInfo>${ifc.serviceInfo}</ServiceInfo>` : '';
    const ext = ifc.includeRequest ? '<Extension><IncludeRegisterRequest/></Extension>' : '';
    return `<InitialFilterCriteria><Priority>${ifc.priority}</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF>${spt}</TriggerPoint><ApplicationServer><ServerName>${ifc.server}</ServerName>${handling}${info}${ext}</ApplicationServer></InitialFilterCriteria>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>${identity.slice(4)}</PrivateID><ServiceProfile><PublicIdentity><Identity>${identity}</Identity></PublicIdentity>${criteria.join('')}</ServiceProfile></IMSSubscription>`;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > end) return value;
    await wait(20);
  }
}

const registers = (as: TestAs): SipRequest[] => as.received.filter((r) => r.method === 'REGISTER');

describe('S-CSCF third-party REGISTER', () => {
  let server: ProxyServer;
  let dataDir: string;
  let store: ServiceProfileStore;
  const parts: Array<{ stop(): Promise<void> }> = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scscf-3preg-'));
    store = openServiceProfileStore({ dataDir, logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(parts.splice(0).map((p) => p.stop()));
    await server.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(registrar: { minExpires?: number; sweepIntervalMs?: number } = {}): Promise<TestUa> {
    server = await startProxyServer({ users: [{ username: 'alice', password: 'pw' }], scscf: { settings: {}, profiles: store.profiles }, registrar });
    const alice = await new TestUa({ name: 'alice', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'pw' }).start();
    parts.push(alice);
    return alice;
  }

  async function as(mode: Parameters<typeof startTestAs>[1]): Promise<TestAs> {
    const started = await startTestAs('as', mode);
    parts.push(started);
    return started;
  }

  it('registration, re-registration, de-registration: every matching iFC, RegistrationType honoured', async () => {
    const [all, dereg, invite] = [await as({ respond: 200 }), await as({ respond: 200 }), await as({ respond: 200 })];
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [
      { priority: 1, server: all.uri, serviceInfo: 'gold &amp; more', includeRequest: true },
      { priority: 2, server: dereg.uri, registrationTypes: [2] },
      { priority: 3, server: invite.uri, method: 'INVITE' },
    ]));
    const alice = await start();
    expect((await alice.register({ expires: 600 })).status).toBe(200);
    const [first] = await until(() => registers(all), (r) => r.length >= 1);
    expect(first!.uri.kind === 'sip' && first!.uri.port).toBe(all.port);
    expect(first!.getHeader('To')).toBe('<sip:alice@sb.test>');
    expect(first!.from.uri).toMatchObject({ host: '127.0.0.1', port: server.port });
    expect(first!.getHeader('Contact')).toBe(`<sip:127.0.0.1:${server.port}>`);
    expect(first!.getHeader('Expires')).toBe('600');
    expect(first!.getHeader('Content-Type')).toMatch(/^multipart\/mixed;boundary=/);
    const body = first!.body.toString();
    expect(body).toContain('<service-info>gold &amp; more</service-info>');
    expect(body).toContain('Content-Type: message/sip\r\n\r\nREGISTER sip:sb.test SIP/2.0');
    expect(body).not.toMatch(/Authorization:/i);

    await alice.register({ expires: 300 });
    await until(() => registers(all), (r) => r.length >= 2);
    expect(registers(all)[1]!.getHeader('Expires')).toBe('300');
    // RFC 3261 §10.2: the same Call-ID towards the same AS, CSeq increasing.
    expect(registers(all)[1]!.callId).toBe(first!.callId);
    expect(registers(all)[1]!.cseq.seq).toBe(first!.cseq.seq + 1);
    expect(registers(dereg)).toHaveLength(0);

    await alice.register({ expires: 0 });
    await until(() => registers(dereg), (r) => r.length >= 1);
    await until(() => registers(all), (r) => r.length >= 3);
    expect(registers(dereg)[0]!.getHeader('Expires')).toBe('0');
    expect(registers(all)[2]!.getHeader('Expires')).toBe('0');
    expect(registers(all)[2]!.body.length).toBe(0);
    expect(registers(invite)).toHaveLength(0);
  });

  it('SESSION_TERMINATED and the AS answers 500: the user is de-registered, the other AS told so', async () => {
    const [failing, other] = [await as({ respond: 500 }), await as({ respond: 200 })];
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [
      { priority: 1, server: failing.uri, defaultHandling: 1 },
      { priority: 2, server: other.uri, defaultHandling: 0 },
    ]));
    const alice = await start();
    expect((await alice.register({ expires: 600 })).status).toBe(200);
    const location = await until(() => server.registrar.location.lookup('sip:alice@sb.test'), (l) => l.kind !== 'found');
    expect(location.kind).toBe('no-bindings');
    const told = await until(() => registers(other), (r) => r.length >= 2);
    expect(told.map((r) => r.getHeader('Expires'))).toEqual(['600', '0']);
    await wait(100);
    expect(registers(failing)).toHaveLength(1);
  });

  it('a configured S-CSCF URI names us in From and Contact', async () => {
    const notified = await as({ respond: 200 });
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [{ priority: 1, server: notified.uri }]));
    server = await startProxyServer({ users: [{ username: 'alice', password: 'pw' }], scscf: { settings: { uri: 'sip:scscf.sb.test:5060' }, profiles: store.profiles } });
    const alice = await new TestUa({ name: 'alice', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'pw' }).start();
    parts.push(alice);
    await alice.register({ expires: 600 });
    const [seen] = await until(() => registers(notified), (r) => r.length >= 1);
    expect(seen!.getHeader('From')).toMatch(/^<sip:scscf\.sb\.test:5060>;tag=/);
    expect(seen!.getHeader('Contact')).toBe('<sip:scscf.sb.test:5060>');
  });

  it('SESSION_CONTINUED and the AS answers 500: logged only, the binding stays', async () => {
    const failing = await as({ respond: 500 });
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [{ priority: 1, server: failing.uri, defaultHandling: 0 }]));
    const alice = await start();
    await alice.register({ expires: 600 });
    await until(() => registers(failing), (r) => r.length >= 1);
    await wait(100);
    expect((await server.registrar.location.lookup('sip:alice@sb.test')).kind).toBe('found');
  });

  it('the last binding expiring is notified as a de-registration (Expires 0)', async () => {
    const notified = await as({ respond: 200 });
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [{ priority: 1, server: notified.uri }]));
    const alice = await start({ minExpires: 1, sweepIntervalMs: 200 });
    await alice.register({ expires: 1 });
    const seen = await until(() => registers(notified), (r) => r.length >= 2, 5000);
    expect(seen.map((r) => r.getHeader('Expires'))).toEqual(['1', '0']);
    expect((await server.registrar.location.lookup('sip:alice@sb.test')).kind).toBe('no-bindings');
  });

  it('a user without a service profile: nothing is sent', async () => {
    const notified = await as({ respond: 200 });
    await store.profiles.put('alice@sb.test', profile('sip:alice@sb.test', [{ priority: 1, server: notified.uri }]));
    const alice = await start();
    await alice.register({ expires: 600 });
    await until(() => registers(notified), (r) => r.length >= 1);
    const result = await server.scscf!.notifyRegistration({ request: registers(notified)[0]!, aor: 'nobody@sb.test', expires: 60, wasRegistered: false });
    expect(result).toEqual([]);
  });
});
