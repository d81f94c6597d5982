/**
 * CPL on live calls (issue 4, deliverable 7): RFC 3880 §12 example scripts, with the RFC's
 * addresses replaced by SIPp phones registered here, run by the CPL service engine inside the
 * in-process registrar + proxy. SIPp plays callers, callees and the voicemail server.
 *
 * Callee `bob` owns the incoming scripts, `vm` is the voicemail box, caller `alice` owns the
 * outgoing script. SIPp 3.6.1 answers only MD5 challenges, so MD5 is offered first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager, createCplMailer, type CplMailer } from '../../cpl/service/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { startSmtpSink, type SmtpSink } from '../integration/cpl-smtp-sink.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { runSipp, sippKeys, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const USERS = ['alice', 'bob', 'vm'];
const password = (user: string): string => `pw-${user}-secret`;
const rfc = (name: string): string => readFileSync(new URL(`../../cpl/fixtures/rfc3880/${name}`, import.meta.url), 'utf8');

/** An RFC figure with its example addresses pointed at our phones. */
function figure(name: string, replacements: Record<string, string>): string {
  let xml = rfc(name);
  for (const [from, to] of Object.entries(replacements)) xml = xml.split(from).join(to);
  return xml;
}

/** Start lines SIPp sent or received, with times, in order. */
function trace(run: SippRun): Array<{ at: number; direction: 'sent' | 'received'; firstLine: string }> {
  const out: Array<{ at: number; direction: 'sent' | 'received'; firstLine: string }> = [];
  const pattern = /-{10,} (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d(?:\.\d+)?)[^\n]*\n(?:UDP|TCP) message (sent|received)[^\n]*\n+([^\n]+)/gu;
  for (const match of run.messages.matchAll(pattern)) {
    const [, date, time, direction, firstLine] = match;
    out.push({ at: Date.parse(`${date}T${time}Z`), direction: direction as 'sent' | 'received', firstLine: (firstLine ?? '').trim() });
  }
  return out;
}

describe('CPL scripts on live SIPp calls (RFC 3880 §12)', () => {
  let server: ProxyServer;
  let remote: string;
  let dataDir: string;
  let cpl: CplStore;
  let manager: CplScriptManager;
  let smtp: SmtpSink;
  let mailer: CplMailer;
  /** The engine's clock (time-switch); undefined = the real time. */
  let fixedNow: number | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cpl-e2e-'));
    cpl = openCplStore({ dataDir, logger: silentLogger });
    smtp = await startSmtpSink();
    mailer = createCplMailer({ smtp: { host: '127.0.0.1', port: smtp.port }, from: 'cpl@sb.test', logger: silentLogger });
    const engine = createCplEngine({
      scripts: cpl.scripts,
      logs: cpl.logs,
      mailer,
      logger: silentLogger,
      run: { clock: () => fixedNow ?? Date.now() },
    });
    manager = new CplScriptManager(cpl.scripts, { cache: engine.cache });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: USERS.map((username) => ({ username, password: password(username) })),
      algorithms: ['MD5', 'SHA-256'],
      limiter: { maxFailures: 1000 },
      engines: [engine],
    });
    remote = `127.0.0.1:${server.port}`;
  });
  afterEach(async () => {
    fixedNow = undefined;
    for (const user of USERS) {
      await server.store.bindings.removeAll(`${user}@${DOMAIN}`);
      await cpl.scripts.remove(`${user}@${DOMAIN}`);
    }
  });
  afterAll(async () => {
    await server.stop();
    mailer.close();
    await smtp.close();
    cpl.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function upload(user: string, xml: string): Promise<void> {
    const result = await manager.upload(`${user}@${DOMAIN}`, xml);
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  }

  async function register(user: string, contactPort: number): Promise<void> {
    const run = await runSipp({
      scenario: 'register-auth.xml',
      remote,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user, domain: DOMAIN, contact_port: String(contactPort), q: '1.0', expires: '300' }), '-au', user, '-ap', password(user), '-auth_uri', DOMAIN],
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
  }

  /** A registered SIPp phone waiting for one call. */
  async function phone(user: string, scenario: string, extraArgs: string[] = []): Promise<{ done: Promise<SippRun> }> {
    const port = await freePort();
    const done = runSipp({ scenario, localPort: port, calls: 1, timeoutSeconds: 20, extraArgs });
    await sleep(300);
    await register(user, port);
    return { done }; // wrapped: an async function would otherwise wait for the phone to finish
  }

  async function callFromOutside(scenario: string, extra: Record<string, string> = {}): Promise<SippRun> {
    return runSipp({ scenario, remote, localPort: await freePort(), timeoutSeconds: 12, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, ...extra }) });
  }

  const invitesReceived = (run: SippRun): number => trace(run).filter((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE ')).length;

  it('Figure 20: busy → voicemail (the phone answers 486, the script proxies to voicemail, the caller is connected)', async () => {
    await upload('bob', figure('fig20-call-forward-busy-noanswer.cpl', { 'sip:jones@jonespc.example.com': `sip:bob@${DOMAIN}`, 'sip:jones@voicemail.example.com': `sip:vm@${DOMAIN}` }));
    const bob = await phone('bob', 'uas-486.xml');
    const vm = await phone('vm', 'uas-answer.xml');
    const call = await callFromOutside('uac-call.xml');
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const [bobRun, vmRun] = await Promise.all([bob.done, vm.done]);
    expect(bobRun.exitCode, bobRun.errors).toBe(0);
    expect(vmRun.exitCode, vmRun.errors).toBe(0);
    expect(bobRun.messages).toMatch(/SIP\/2\.0 486 Busy Here/u);
    expect(invitesReceived(vmRun)).toBe(1);
    // The caller never saw the 486: the script took the busy output.
    expect(call.messages).not.toMatch(/SIP\/2\.0 486/u);
  });

  it("Figure 20 (timeout 3 s): no answer → the phone is CANCELled after the script's timeout, voicemail answers", async () => {
    await upload(
      'bob',
      figure('fig20-call-forward-busy-noanswer.cpl', { 'sip:jones@jonespc.example.com': `sip:bob@${DOMAIN}`, 'sip:jones@voicemail.example.com': `sip:vm@${DOMAIN}`, 'timeout="8"': 'timeout="3"' }),
    );
    const bob = await phone('bob', 'uas-ring-cancel.xml');
    const vm = await phone('vm', 'uas-answer.xml');
    const call = await callFromOutside('uac-call.xml');
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const [bobRun, vmRun] = await Promise.all([bob.done, vm.done]);
    expect(bobRun.exitCode, bobRun.errors).toBe(0);
    expect(vmRun.exitCode, vmRun.errors).toBe(0);
    const rung = trace(bobRun).find((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE '));
    const cancelled = trace(bobRun).find((m) => m.direction === 'received' && m.firstLine.startsWith('CANCEL '));
    const vmRung = trace(vmRun).find((m) => m.direction === 'received' && m.firstLine.startsWith('INVITE '));
    expect(rung && cancelled && vmRung).toBeTruthy();
    const ringing = (cancelled?.at ?? 0) - (rung?.at ?? 0);
    expect(ringing).toBeGreaterThanOrEqual(2800);
    expect(ringing).toBeLessThan(6000);
    expect(vmRung?.at ?? 0).toBeGreaterThanOrEqual(cancelled?.at ?? Infinity);
  });

  it('Figure 22: call screening rejects anonymous callers with 603 and the script\'s reason; others get through', async () => {
    await upload('bob', rfc('fig22-call-screening.cpl'));
    const refused = await callFromOutside('cpl-uac-expect-reject.xml', { display: 'Anonymous', caller: 'anonymous', caller_domain: 'anonymous.invalid' });
    expect(refused.exitCode, refused.errors || refused.stderr).toBe(0);
    expect(refused.messages).toMatch(/^SIP\/2\.0 603 I reject anonymous calls\r?$/mu);
    // Not anonymous: no output matches, default behaviour (registration) → bob's phone.
    const bob = await phone('bob', 'uas-answer.xml');
    const call = await callFromOutside('uac-call.xml');
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect((await bob.done).exitCode).toBe(0);
  });

  it('Figure 25: time-of-day routing — office hours ring the registered phone, otherwise voicemail', async () => {
    await upload('bob', figure('fig25-time-of-day-routing.cpl', { 'sip:jones@voicemail.example.com': `sip:vm@${DOMAIN}` }));
    // Wednesday 2026-12-02 10:00 in New York (15:00 UTC): weekday, 09:00–17:00 → lookup → proxy.
    fixedNow = Date.parse('2026-12-02T15:00:00Z');
    const bob = await phone('bob', 'uas-answer.xml');
    const day = await callFromOutside('uac-call.xml');
    expect(day.exitCode, day.errors || day.stderr).toBe(0);
    expect(invitesReceived(await bob.done)).toBe(1);
    await server.store.bindings.removeAll(`bob@${DOMAIN}`);

    // Saturday 2026-12-05 10:00 in New York: otherwise → voicemail.
    fixedNow = Date.parse('2026-12-05T15:00:00Z');
    const vm = await phone('vm', 'uas-answer.xml');
    const weekend = await callFromOutside('uac-call.xml');
    expect(weekend.exitCode, weekend.errors || weekend.stderr).toBe(0);
    expect(invitesReceived(await vm.done)).toBe(1);
  });

  it('Figure 24: outgoing call screening — an authenticated user may not call 1-900 numbers, other calls go through', async () => {
    await upload('alice', rfc('fig24-outgoing-call-screening.cpl'));
    const refused = await runSipp({
      scenario: 'cpl-uac-auth-expect-reject.xml',
      remote,
      localPort: await freePort(),
      timeoutSeconds: 10,
      // The digest uri must be the Request-URI (RFC 3261 §22.4); SIPp prefixes "sip:".
      extraArgs: [...sippKeys({ user: 'alice', domain: DOMAIN, target: `sip:1-900-555-1212@${DOMAIN};user=phone` }), '-au', 'alice', '-ap', password('alice'), '-auth_uri', `1-900-555-1212@${DOMAIN};user=phone`],
    });
    expect(refused.exitCode, refused.messages).toBe(0);
    expect(refused.messages).toMatch(/^SIP\/2\.0 603 Not allowed to make 1-900 calls\.\r?$/mu);

    const bob = await phone('bob', 'uas-answer.xml');
    const allowed = await runSipp({
      scenario: 'uac-call-auth.xml',
      remote,
      localPort: await freePort(),
      timeoutSeconds: 25,
      extraArgs: [...sippKeys({ user: 'alice', callee: 'bob', domain: DOMAIN }), '-au', 'alice', '-ap', password('alice'), '-auth_uri', `bob@${DOMAIN}`],
    });
    expect(allowed.exitCode, allowed.errors || allowed.stderr).toBe(0);
    expect((await bob.done).exitCode).toBe(0);
  });

  it('log and mail nodes: the call goes on at once, the log entry is stored, the mail reaches the relay', async () => {
    await upload(
      'bob',
      `<?xml version="1.0" encoding="UTF-8"?>
<cpl xmlns="urn:ietf:params:xml:ns:cpl">
  <incoming>
    <log name="calls" comment="call for bob">
      <mail url="mailto:bob@mail.test?subject=call%20for%20you">
        <location url="sip:vm@${DOMAIN}"><proxy/></location>
      </mail>
    </log>
  </incoming>
</cpl>`,
    );
    const vm = await phone('vm', 'uas-answer.xml');
    const call = await callFromOutside('uac-call.xml');
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect((await vm.done).exitCode).toBe(0);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.to).toEqual(['bob@mail.test']);
    expect(mail?.data).toMatch(/^Subject: call for you$/mu);
    const entries = await cpl.logs.list(`bob@${DOMAIN}`);
    expect(entries[0]).toMatchObject({ name: 'calls', comment: 'call for bob', origin: 'sip:caller@outside.test' });
  });

  it('an upload through a second connection (as the CLI does while the server runs) takes effect on the next call', async () => {
    await upload('bob', '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="reject" reason="first"/></incoming></cpl>');
    const first = await callFromOutside('cpl-uac-expect-reject.xml', { display: 'X', caller: 'x', caller_domain: 'outside.test' });
    expect(first.messages).toMatch(/^SIP\/2\.0 603 first\r?$/mu);
    const other = openCplStore({ dataDir, logger: silentLogger });
    try {
      const result = await new CplScriptManager(other.scripts).upload(`bob@${DOMAIN}`, '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="busy" reason="second"/></incoming></cpl>');
      expect(result.ok).toBe(true);
    } finally {
      other.close();
    }
    const second = await callFromOutside('cpl-uac-expect-reject.xml', { display: 'X', caller: 'x', caller_domain: 'outside.test' });
    expect(second.exitCode, second.errors || second.stderr).toBe(0);
    expect(second.messages).toMatch(/^SIP\/2\.0 486 second\r?$/mu);
  });
});
