/**
 * Application selection and composition through the app engine with real isolates (issue 5 §4):
 * iFC rules in YAML (priority, method, session case, headers, DefaultHandling), an iFC XML
 * profile file, JSR 289 DAR properties, and the chain — an app that proxies hands the request
 * to the next app, and the downstream answer comes back to it as its proxy outcome.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { Decision, ServiceCall, ServiceHost } from '../../services/index.js';
import { parseMessage, SipRequest } from '../../sip/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { createAppSelector, type AppSelection } from './app-selection.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
let registered = false;
const host: ServiceHost = {
  lookup: async () => (registered ? { kind: 'found', contacts: [{ uri: 'sip:bob@127.0.0.1:5099', q: 1, expiresAt: Date.now() + 60_000 }] } : { kind: 'no-bindings' }),
  isLocalDomain: () => true,
  onRegistration: () => () => undefined,
};

let seq = 0;
function call(options: { method?: string; direction?: 'originating' | 'terminating'; aor?: string; headers?: string } = {}): ServiceCall {
  const method = options.method ?? 'INVITE';
  const id = `sel-${++seq}`;
  const text =
    `${method} sip:bob@sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${id}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@sb.test>;tag=t${id}\r\nTo: <sip:bob@sb.test>\r\nCall-ID: ${id}\r\nCSeq: 1 ${method}\r\n${options.headers ?? ''}Content-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('did not parse');
  const direction = options.direction ?? 'terminating';
  return { request: message, direction, aor: options.aor ?? (direction === 'terminating' ? 'bob@sb.test' : 'alice@sb.test'), source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host };
}

const app = (name: string, body: string) => buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ ${body} });`, { name });

/** Upstream app: retargets to carol; on busy, to voicemail (and remembers why). */
const FIRST = `async onInvite(req, ctx) {
  const res = await req.proxy('sip:carol@sb.test');
  if (res.outcome === 'busy') { ctx.session.set('sawBusy', res.status); await req.proxy('sip:voicemail@sb.test'); }
}`;
/** Downstream app: busy for carol, otherwise proxies to carol's mobile; records the URI it saw. */
const SECOND = `onInvite(req, ctx) {
  ctx.session.set('uri', req.uri);
  if (req.headers.get('X-Carol-Busy') !== undefined) return req.reply(486, 'Busy Here');
  return req.proxy('sip:carol-mobile@sb.test');
}`;

const ifc = (priority: number, server: string, spt: unknown[], defaultHandling?: string) => ({
  priority,
  triggerPoint: { conditionTypeCnf: true, spt },
  applicationServer: { serverName: `sip:${server}@apps.sb.test`, ...(defaultHandling ? { defaultHandling } : {}) },
});

describe('application selection and chaining (issue 5 §4)', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  const start = async (selection: AppSelection, apps: Array<Promise<Awaited<ReturnType<typeof app>>>>): Promise<void> => {
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv() })) });
    engine = createAppEngine({ runtime, logger: silentLogger, selection });
    for (const bundle of await Promise.all(apps)) await runtime.deploy(bundle);
  };
  afterEach(async () => {
    registered = false;
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  const invites = (server: string, priority: number, defaultHandling?: string) => ifc(priority, server, [{ group: 0, method: 'INVITE' }], defaultHandling);

  it('iFC YAML: apps chain by priority; the downstream 486 reaches the upstream app, which proxies again', async () => {
    // Priorities decide, not the order written or deployed.
    await start({ initialFilterCriteria: [invites('second', 20), invites('first', 10)] }, [app('second', SECOND), app('first', FIRST)]);
    const busy = call({ headers: 'X-Carol-Busy: yes\r\n' });
    const decision = await engine.decide(busy);
    expect(decision).toMatchObject({ kind: 'proxy', targets: [{ uri: 'sip:voicemail@sb.test' }] });
    expect(engine.sessions.get('first', busy.request.callId)?.attributes).toEqual({ sawBusy: 486 });
    // The downstream app saw the Request-URI the upstream app proxied to.
    expect(engine.sessions.get('second', busy.request.callId)?.attributes).toEqual({ uri: 'sip:carol@sb.test' });
  });

  it('iFC YAML: both apps proxy — the core gets the last target; outcomes flow back up the chain', async () => {
    await start({ initialFilterCriteria: [invites('first', 10), invites('second', 20)] }, [app('first', FIRST), app('second', SECOND)]);
    const ringing = call();
    const decision = await engine.decide(ringing);
    if (decision.kind !== 'proxy') throw new Error(`expected proxy, got ${decision.kind}`);
    expect(decision.targets.map((t) => t.uri)).toEqual(['sip:carol-mobile@sb.test']);
    // carol's mobile is busy: second has no response handler (lets it through), first reacts.
    const next: Decision = await decision.onOutcome!({ kind: 'busy', status: 600, reason: 'Busy Everywhere' });
    expect(next).toMatchObject({ kind: 'proxy', targets: [{ uri: 'sip:voicemail@sb.test' }] });
    expect(engine.sessions.get('first', ringing.request.callId)?.attributes).toEqual({ sawBusy: 600 });
    // Answered: every app of the chain is told, and nothing more happens.
    const answered = call();
    const second = await engine.decide(answered);
    if (second.kind !== 'proxy') throw new Error('expected proxy');
    expect(await second.onOutcome!({ kind: 'success', status: 200 })).toEqual({ kind: 'continue' });
    expect(engine.stats('first').events).toBeGreaterThanOrEqual(4);
  });

  it('iFC YAML: session case, header and negation trigger points; DefaultHandling on faults', async () => {
    const crash = app('crash', `onInvite() { throw new Error('boom'); }`);
    const screen = app('screen', `onInvite(req) { return req.reply(603, 'Decline'); }`);
    await start(
      {
        initialFilterCriteria: [
          // Only terminating calls to an unregistered callee that carry no Privacy header.
          ifc(5, 'crash', [{ group: 0, method: 'INVITE' }, { group: 1, sessionCase: 'TERMINATING_UNREGISTERED' }, { group: 2, conditionNegated: true, sipHeader: { header: 'Privacy' } }], 'SESSION_CONTINUED'),
          ifc(7, 'screen', [{ group: 0, method: 'INVITE' }, { group: 1, sipHeader: { header: 'Subject', content: '^spam' } }]),
        ],
      },
      [crash, screen],
    );
    // crash fires, faults, SESSION_CONTINUED: the call goes on (no other app fires) → continue.
    expect(await engine.decide(call())).toEqual({ kind: 'continue' });
    expect(engine.stats('crash').faults).toEqual({ error: 1 });
    // Registered callee: crash does not fire; Subject "spam…" → screen declines.
    registered = true;
    expect(await engine.decide(call({ headers: 'Subject: spam offer\r\n' }))).toEqual({ kind: 'reject', status: 603, reason: 'Decline' });
    expect(engine.stats('crash').requests).toBe(1);
    // Originating, no Subject: neither fires (crash is terminating only).
    expect(await engine.decide(call({ direction: 'originating' }))).toEqual({ kind: 'continue' });
    expect(engine.stats('crash').requests).toBe(1);
  });

  it('iFC DefaultHandling SESSION_TERMINATED: a faulting app costs 500, an app not deployed 503; a named app without a handler answers 501', async () => {
    await start(
      { initialFilterCriteria: [invites('crash', 1, 'SESSION_TERMINATED'), ifc(2, 'missing', [{ group: 0, method: 'MESSAGE' }], 'SESSION_TERMINATED'), ifc(3, 'quiet', [{ group: 0, method: 'OPTIONS' }])] },
      [app('crash', `onInvite() { throw new Error('boom'); }`), app('quiet', `onMessage(req) { req.reply(200); }`)],
    );
    expect(await engine.decide(call())).toEqual({ kind: 'reject', status: 500, reason: 'Server Internal Error' });
    expect(await engine.decide(call({ method: 'MESSAGE' }))).toEqual({ kind: 'reject', status: 503, reason: 'Service Unavailable' });
    expect(await engine.decide(call({ method: 'OPTIONS' }))).toMatchObject({ kind: 'reject', status: 501 });
  });

  it('iFC XML file: the ServiceProfile of the served user decides', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ifc-')), 'apps.xml');
    writeFileSync(
      file,
      `<?xml version="1.0" encoding="UTF-8"?>
<IMSSubscription>
  <PrivateID>bob@sb.test</PrivateID>
  <ServiceProfile>
    <PublicIdentity><Identity>sip:bob@sb.test</Identity></PublicIdentity>
    <InitialFilterCriteria>
      <Priority>0</Priority>
      <TriggerPoint>
        <ConditionTypeCNF>1</ConditionTypeCNF>
        <SPT><Group>0</Group><Method>INVITE</Method></SPT>
        <SPT><Group>1</Group><SessionCase>2</SessionCase></SPT>
      </TriggerPoint>
      <ApplicationServer><ServerName>sip:screen@apps.sb.test</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer>
    </InitialFilterCriteria>
  </ServiceProfile>
</IMSSubscription>
`,
    );
    await start({ ifcFile: file }, [app('screen', `onInvite(req) { return req.reply(603, 'Decline'); }`)]);
    expect(await engine.decide(call())).toEqual({ kind: 'reject', status: 603, reason: 'Decline' });
    // carol has no ServiceProfile here: no app.
    expect(await engine.decide(call({ aor: 'carol@sb.test' }))).toEqual({ kind: 'continue' });
  });

  it('JSR 289 DAR properties: per-method app lists with routing regions', async () => {
    await start(
      { dar: `# DAR\nINVITE: ("first", "DAR:To", "TERMINATING", "", "NO_ROUTE", "0"), ("second", "DAR:To", "TERMINATING", "", "NO_ROUTE", "1")\nMESSAGE: ("second", "DAR:From", "ORIGINATING", "", "NO_ROUTE", "0")\n` },
      [app('first', FIRST), app('second', `${SECOND},\n onMessage(req) { req.reply(202, 'Seen by second'); }`)],
    );
    expect(await engine.decide(call({ headers: 'X-Carol-Busy: yes\r\n' }))).toMatchObject({ kind: 'proxy', targets: [{ uri: 'sip:voicemail@sb.test' }] });
    expect(await engine.decide(call({ method: 'MESSAGE', direction: 'originating' }))).toMatchObject({ kind: 'respond', status: 202 });
    expect(await engine.decide(call({ method: 'MESSAGE' }))).toEqual({ kind: 'continue' });
  });

  it('refuses an invalid iFC document or DAR text with every problem', () => {
    expect(() => createAppSelector({ initialFilterCriteria: [{ priority: 1, applicationServer: { serverName: 'sip:a@b' } }, { priority: 1, applicationServer: { serverName: 'sip:b@b' } }] }, silentLogger)).toThrow(
      /iFC application selection refused:[\s\S]*priorit/u,
    );
    expect(() => createAppSelector({ initialFilterCriteria: [{ priority: 1, triggerPoint: { conditionTypeCnf: true, spt: [{ group: 0, requestUri: '(a' }] }, applicationServer: { serverName: 'sip:a@b' } }] }, silentLogger)).toThrow(/refused/u);
    expect(() => createAppSelector({ dar: 'INVITE: ("a", "DAR:To", "TERMINATING", "sip:as.example.com", "ROUTE", "0")' }, silentLogger)).toThrow(/external routes/u);
    expect(() => createAppSelector({ ifcFile: '/nonexistent/apps.xml' }, silentLogger)).toThrow(/cannot read/u);
  });
});
