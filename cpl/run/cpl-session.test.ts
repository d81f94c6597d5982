import { describe, expect, it } from 'vitest';
import { compileCpl } from '../compile/compile-cpl.js';
import type { CplCompileOptions } from '../compile/compile-options.js';
import type { CompiledCpl } from '../compile/compiled-script.js';
import { CplSession } from './cpl-session.js';
import type { CplCallFacts, CplLogRequest, CplMailRequest, CplProxyAction } from './host.js';
import { runCpl } from './run-cpl.js';
import type { CplRunOptions } from './run-options.js';

const NS = 'urn:ietf:params:xml:ns:cpl';

function compile(body: string, options?: CplCompileOptions): CompiledCpl {
  const r = compileCpl(`<cpl xmlns="${NS}">${body}</cpl>`, options);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.script;
}

const CALL: CplCallFacts = { direction: 'incoming', requestUri: 'sip:jones@example.com', from: '"Caller" <sip:caller@example.org>', to: '<sip:jones@example.com>' };

function session(body: string, call: Partial<CplCallFacts> = {}, options?: CplRunOptions, compileOptions?: CplCompileOptions): CplSession {
  return new CplSession(compile(body, compileOptions), { ...CALL, ...call }, options);
}

function proxyAction(step: ReturnType<CplSession['start']>): CplProxyAction {
  if (step.kind !== 'action' || step.action.kind !== 'proxy') throw new Error(`expected a proxy action, got ${JSON.stringify(step)}`);
  return step.action;
}

describe('protocol', () => {
  it('yields a proxy action, then the decision after resume', () => {
    const s = session('<incoming><location url="sip:a@example.com"><proxy/></location></incoming>');
    const a = proxyAction(s.start());
    expect(a).toMatchObject({ locations: [{ uri: 'sip:a@example.com', priority: 1 }], ordering: 'parallel', recurse: true, timeoutSeconds: null });
    expect(s.resume({ kind: 'response', status: 200 })).toEqual({ kind: 'decision', decision: { kind: 'proceed', response: { status: 200, reason: 'OK' } } });
    expect(s.decision?.kind).toBe('proceed');
  });

  it('refuses misuse', () => {
    const s = session('<incoming><redirect/></incoming>');
    expect(() => s.resume({ kind: 'noanswer' })).toThrow(/no action is pending/);
    s.start();
    expect(() => s.start()).toThrow(/twice/);
  });

  it('runs only for INVITE by default and only the direction asked for', () => {
    expect(session('<incoming><reject status="busy"/></incoming>', { method: 'MESSAGE' }).start()).toMatchObject({ decision: { kind: 'server-default' } });
    expect(session('<incoming><reject status="busy"/></incoming>', { direction: 'outgoing' }).start()).toMatchObject({ decision: { kind: 'server-default' } });
  });
});

describe('proxy (RFC 3880 §6.1)', () => {
  it('timeout: 20 s with a noanswer or default output, else the server maximum; explicit values kept', () => {
    expect(proxyAction(session('<incoming><location url="sip:a@x.example"><proxy><noanswer/></proxy></location></incoming>').start()).timeoutSeconds).toBe(20);
    expect(proxyAction(session('<incoming><location url="sip:a@x.example"><proxy><default/></proxy></location></incoming>').start()).timeoutSeconds).toBe(20);
    expect(proxyAction(session('<incoming><location url="sip:a@x.example"><proxy><busy/></proxy></location></incoming>').start()).timeoutSeconds).toBeNull();
    expect(proxyAction(session('<incoming><location url="sip:a@x.example"><proxy timeout="7"/></location></incoming>').start()).timeoutSeconds).toBe(7);
    expect(proxyAction(session('<incoming><location url="sip:a@x.example"><proxy timeout="9999"/></location></incoming>').start()).timeoutSeconds).toBe(300);
  });

  it('locations go out highest priority first, stable for equal priorities, without duplicates', () => {
    const s = session(
      '<incoming><location url="sip:low@x.example" priority="0.2"><location url="sip:a@x.example" priority="0.5"><location url="sip:b@x.example" priority="0.5"><location url="sip:LOW@X.example;transport=tcp" priority="0.2"><location url="sip:low@X.EXAMPLE" priority="0.9"><proxy ordering="sequential"/></location></location></location></location></location></incoming>',
    );
    expect(proxyAction(s.start()).locations).toEqual([
      { uri: 'sip:low@x.example', priority: 0.9 },
      { uri: 'sip:a@x.example', priority: 0.5 },
      { uri: 'sip:b@x.example', priority: 0.5 },
      { uri: 'sip:LOW@X.example;transport=tcp', priority: 0.2 },
    ]);
  });

  it('first-only tries the highest location; it is removed afterwards, the rest stay', () => {
    const s = session('<incoming><location url="sip:a@x.example" priority="0.9"><location url="sip:b@x.example" priority="0.1"><proxy ordering="first-only"><busy><proxy/></busy></proxy></location></location></incoming>');
    expect(proxyAction(s.start()).locations.map((l) => l.uri)).toEqual(['sip:a@x.example']);
    expect(proxyAction(s.resume({ kind: 'response', status: 486 })).locations.map((l) => l.uri)).toEqual(['sip:b@x.example']);
  });

  it('used locations are cleared, non-proxyable ones stay (and are redirected to)', () => {
    const s = session(
      '<incoming><location url="http://www.example.com/jones"><location url="sip:a@x.example"><proxy><failure><redirect/></failure></proxy></location></location></incoming>',
      {},
      undefined,
      { locationSchemes: ['sip', 'http'] },
    );
    expect(proxyAction(s.start()).locations.map((l) => l.uri)).toEqual(['sip:a@x.example']);
    expect(s.resume({ kind: 'response', status: 404 })).toMatchObject({ decision: { kind: 'redirect', contacts: [{ uri: 'http://www.example.com/jones' }] } });
  });

  it('recurse="no": a 3xx takes <redirection> and its contacts join the set', () => {
    const s = session('<incoming><location url="sip:a@x.example"><proxy recurse="no"><redirection><redirect permanent="yes"/></redirection></proxy></location></incoming>');
    s.start();
    expect(s.resume({ kind: 'response', status: 302, contacts: [{ uri: 'sip:b@y.example', q: 0.7 }, { uri: 'sip:c@y.example' }] })).toEqual({
      kind: 'decision',
      decision: { kind: 'redirect', status: 301, reason: 'Moved Permanently', contacts: [{ uri: 'sip:c@y.example', q: 1 }, { uri: 'sip:b@y.example', q: 0.7 }] },
    });
  });

  it('recurse="yes": a 3xx never takes <redirection>; <default> is followed instead', () => {
    const s = session('<incoming><location url="sip:a@x.example"><proxy><redirection><reject status="busy"/></redirection><default><reject status="error"/></default></proxy></location></incoming>');
    s.start();
    expect(s.resume({ kind: 'response', status: 302, contacts: [{ uri: 'sip:b@y.example' }] })).toMatchObject({ decision: { kind: 'reject', status: 500 } });
  });

  it('an empty output is the default behaviour, not <default>', () => {
    const s = session('<incoming><location url="sip:a@x.example"><proxy><busy/><default><reject status="error"/></default></proxy></location></incoming>');
    s.start();
    expect(s.resume({ kind: 'response', status: 486, reason: 'Busy Here' })).toMatchObject({ decision: { kind: 'best-response', response: { status: 486 } } });
  });

  it('no proxyable location: failure output without asking the host; no output → 480', () => {
    expect(session('<incoming><proxy><failure><reject status="notfound"/></failure></proxy></incoming>').start()).toMatchObject({ decision: { kind: 'reject', status: 404 } });
    expect(session('<incoming><proxy/></incoming>').start()).toMatchObject({ decision: { kind: 'best-response', response: { status: 480, reason: 'Temporarily Unavailable' } } });
  });

  it('the best of all accumulated responses goes upstream (6xx wins, 503 becomes 500)', () => {
    const s = session('<incoming><location url="sip:a@x.example"><proxy><default><location url="sip:b@x.example"><proxy/></location></default></proxy></location></incoming>');
    s.start();
    s.resume({ kind: 'response', status: 503 });
    expect(s.resume({ kind: 'response', status: 404 })).toMatchObject({ decision: { kind: 'best-response', response: { status: 404 } } });
    const t = session('<incoming><location url="sip:a@x.example"><proxy><default><location url="sip:b@x.example"><proxy/></location></default></proxy></location></incoming>');
    t.start();
    t.resume({ kind: 'response', status: 503 });
    expect(t.resume({ kind: 'noanswer' })).toMatchObject({ decision: { kind: 'best-response', response: { status: 408 } } });
  });
});

describe('default behaviour (RFC 3880 §10)', () => {
  it('location modified and non-empty → proxy or redirect to the set', () => {
    expect(session('<incoming><location url="sip:a@x.example"/></incoming>').start()).toMatchObject({ decision: { kind: 'proxy-or-redirect', locations: [{ uri: 'sip:a@x.example' }] } });
  });

  it('location modified but empty → 404 notfound rejection', () => {
    expect(session('<incoming><location url="sip:a@x.example"><remove-location/></location></incoming>').start()).toMatchObject({ decision: { kind: 'reject', status: 404, byDefault: true } });
  });

  it('outgoing and unchanged → proxy to the destination (Request-URI intact)', () => {
    expect(session('<outgoing/>', { direction: 'outgoing', requestUri: 'sip:bob@b.example;transport=tcp' }).start()).toMatchObject({ decision: { kind: 'proxy-locations', locations: [{ uri: 'sip:bob@b.example;transport=tcp' }] } });
  });

  it('a redirect with an empty set rejects with 404 (cpl.md open point 11)', () => {
    expect(session('<incoming><redirect/></incoming>').start()).toMatchObject({ decision: { kind: 'reject', status: 404, byDefault: true } });
  });

  it('an empty subaction leads to the default behaviour', () => {
    expect(session('<subaction id="x"/><incoming><sub ref="x"/></incoming>').start()).toMatchObject({ decision: { kind: 'server-default' } });
  });
});

describe('lookup (RFC 3880 §5.2)', () => {
  const script = '<incoming><location url="sip:old@x.example"><lookup source="registration" clear="yes"><success><proxy/></success><notfound><proxy/></notfound></lookup></location></incoming>';

  it('success adds the registrations (q → priority); clear="yes" clears first', () => {
    const s = session(script);
    expect(s.start()).toMatchObject({ kind: 'action', action: { kind: 'lookup', source: 'registration', timeoutSeconds: 30 } });
    expect(proxyAction(s.resume({ kind: 'found', locations: [{ uri: 'sip:p@10.0.0.1', q: 0.5 }, { uri: 'sip:q@10.0.0.2' }] })).locations).toEqual([
      { uri: 'sip:q@10.0.0.2', priority: 1 },
      { uri: 'sip:p@10.0.0.1', priority: 0.5 },
    ]);
  });

  it('notfound does not clear the set (cpl.md open point 12)', () => {
    const s = session(script);
    s.start();
    expect(proxyAction(s.resume({ kind: 'notfound' })).locations.map((l) => l.uri)).toEqual(['sip:old@x.example']);
  });

  it('a missing output terminates with the default behaviour; it does not fall through', () => {
    const s = session(script);
    s.start();
    expect(s.resume({ kind: 'failure', reason: 'timeout' })).toMatchObject({ decision: { kind: 'proxy-or-redirect' } });
  });
});

describe('switch outputs', () => {
  it('absent value: not-present when given, otherwise else (cpl.md open point 7)', () => {
    const np = '<incoming><address-switch field="origin" subfield="display"><address is="x"><reject status="busy"/></address><not-present><reject status="notfound"/></not-present><otherwise><reject status="error"/></otherwise></address-switch></incoming>';
    expect(session(np, { from: '<sip:a@b.example>' }).start()).toMatchObject({ decision: { status: 404 } });
    const ow = '<incoming><address-switch field="origin" subfield="display"><address is="x"><reject status="busy"/></address><otherwise><reject status="error"/></otherwise></address-switch></incoming>';
    expect(session(ow, { from: '<sip:a@b.example>' }).start()).toMatchObject({ decision: { status: 500 } });
  });

  it('priority: unknown values are normal for less/greater and literal (caseless) for equal', () => {
    const s = (p: string): unknown => session('<incoming><priority-switch><priority equal="Whenever"><reject status="404"/></priority><priority less="urgent"><reject status="486"/></priority></priority-switch></incoming>', { headers: { Priority: p } }).start();
    expect(s('whenever')).toMatchObject({ decision: { status: 404 } });
    expect(s('odd')).toMatchObject({ decision: { status: 486 } });
  });

  it('string-switch reads repeated headers joined with ", " and the compact form s', () => {
    const body = '<incoming><string-switch field="subject"><string is="Hello, World"><reject status="404"/></string></string-switch></incoming>';
    expect(session(body, { headers: { s: ['hello', 'WORLD'] } }).start()).toMatchObject({ decision: { status: 404 } });
  });

  it('time-switch reads the clock when the node runs', () => {
    let now = Date.parse('2024-07-03T12:00:00Z');
    const s = session('<incoming><location url="sip:a@x.example"><proxy timeout="8"><noanswer><time-switch><time dtstart="20240101T120005" duration="PT1H" freq="daily"><reject status="busy"/></time></time-switch></noanswer></proxy></location></incoming>', {}, { clock: () => now });
    s.start();
    now += 8000;
    expect(s.resume({ kind: 'noanswer' })).toMatchObject({ decision: { kind: 'reject', status: 486 } });
  });

  it('time-switch can use the arrival time instead (timeReference "arrival")', () => {
    const body = '<incoming><time-switch><time dtstart="20240101T120000" duration="PT1S" freq="daily"><reject status="busy"/></time></time-switch></incoming>';
    const arrivalTime = Date.parse('2024-07-03T12:00:00Z');
    expect(session(body, { arrivalTime }, { clock: () => arrivalTime + 5000, timeReference: 'arrival' }).start()).toMatchObject({ decision: { status: 486 } });
    expect(session(body, { arrivalTime }, { clock: () => arrivalTime + 5000 }).start()).toMatchObject({ decision: { kind: 'server-default' } });
  });
});

describe('mail, log and extensions never block or fail the call', () => {
  it('sends the mail and log requests with the call facts', () => {
    const mails: CplMailRequest[] = [];
    const logs: CplLogRequest[] = [];
    const s = session(
      '<incoming><log name="screening" comment="call seen"><mail url="mailto:me@example.com"><reject status="busy"/></mail></log></incoming>',
      { headers: { Subject: 'Lunch?', Priority: 'urgent' } },
      { effects: { mail: (m) => mails.push(m), log: (l) => logs.push(l) }, clock: () => Date.parse('2024-01-01T00:00:00Z') },
    );
    expect(s.start()).toMatchObject({ decision: { status: 486 } });
    expect(logs[0]).toMatchObject({ name: 'screening', comment: 'call seen', origin: 'sip:caller@example.org', destination: 'sip:jones@example.com' });
    expect(mails[0]).toMatchObject({ to: ['me@example.com'], subject: '[CPL] Lunch?', replyTo: 'caller@example.org' });
    expect(mails[0]?.body).toContain('Priority: urgent');
  });

  it('a throwing sink is ignored', () => {
    const s = session('<incoming><log comment="x"><reject status="busy"/></log></incoming>', {}, { effects: { log: () => { throw new Error('disk full'); } } });
    expect(s.start()).toMatchObject({ decision: { status: 486 } });
  });
});

describe('run limits', () => {
  it('step limit', () => {
    expect(session('<incoming><log><log><log><redirect/></log></log></log></incoming>', {}, { maxSteps: 2 }).start()).toMatchObject({ decision: { kind: 'aborted' } });
  });

  it('proxy count limit', () => {
    const s = session('<incoming><location url="sip:a@x.example"><proxy><default><location url="sip:b@x.example"><proxy/></location></default></proxy></location></incoming>', {}, { maxProxyActions: 1 });
    s.start();
    expect(s.resume({ kind: 'response', status: 500 })).toMatchObject({ decision: { kind: 'aborted' } });
  });

  it('wall-clock limit across host actions', () => {
    let now = 0;
    const s = session('<incoming><location url="sip:a@x.example"><proxy><default><redirect/></default></proxy></location></incoming>', {}, { clock: () => now, maxWallMillis: 1000 });
    s.start();
    now = 5000;
    expect(s.resume({ kind: 'noanswer' })).toMatchObject({ decision: { kind: 'aborted' } });
  });
});

describe('runCpl with an async host', () => {
  it('a throwing host counts as an unreachable target', async () => {
    const script = compile('<incoming><location url="sip:a@x.example"><proxy><failure><reject status="error" reason="host down"/></failure></proxy></location></incoming>');
    const r = await runCpl(script, CALL, {
      proxy: () => Promise.reject(new Error('transport closed')),
      lookup: () => Promise.resolve({ kind: 'notfound' }),
    });
    expect(r.decision).toEqual({ kind: 'reject', status: 500, reason: 'host down', byDefault: false });
    expect(r.path.length).toBe(3);
  });
});
