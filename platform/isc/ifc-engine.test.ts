import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type Logger, silentLogger } from '../log/logger.js';
import { createRequest, type HeaderField, type SipRequest } from '../sip/index.js';
import { type EvaluationContext, IfcEngine } from './ifc-engine.js';
import type { InitialFilterCriteria, ServicePointTrigger, TriggerPoint } from './ifc-model.js';
import { ProfilePartIndicator, RegistrationType, SessionCase } from './ifc-model.js';

// ---- builders -------------------------------------------------------------------------------

type SptOptions = { groups?: number[]; negated?: boolean };
const common = (o: SptOptions = {}) => ({ groups: o.groups ?? [0], conditionNegated: o.negated ?? false, registrationTypes: [] });
const method = (m: string, o?: SptOptions): ServicePointTrigger => ({ kind: 'method', method: m, ...common(o) });
const requestUri = (re: string, o?: SptOptions): ServicePointTrigger => ({ kind: 'request-uri', requestUri: re, ...common(o) });
const header = (name: string, content?: string, o?: SptOptions): ServicePointTrigger => ({ kind: 'sip-header', header: name, ...(content === undefined ? {} : { content }), ...common(o) });
const sessionCase = (value: SessionCase, o?: SptOptions): ServicePointTrigger => ({ kind: 'session-case', sessionCase: value, ...common(o) });
const sdp = (line: string, content?: string, o?: SptOptions): ServicePointTrigger => ({ kind: 'session-description', line, ...(content === undefined ? {} : { content }), ...common(o) });

function ifc(priority: number, server: string, trigger?: TriggerPoint, part?: ProfilePartIndicator): InitialFilterCriteria {
  return {
    priority,
    ...(trigger ? { triggerPoint: trigger } : {}),
    applicationServer: { serverName: `sip:${server}.example.com`, includeRegisterRequest: false, includeRegisterResponse: false },
    ...(part === undefined ? {} : { profilePartIndicator: part }),
  };
}
const cnf = (...spts: ServicePointTrigger[]): TriggerPoint => ({ conditionTypeCnf: true, spts });
const dnf = (...spts: ServicePointTrigger[]): TriggerPoint => ({ conditionTypeCnf: false, spts });

function request(init: { method?: string; uri?: string; headers?: Array<[string, string]>; body?: string; contentType?: string } = {}): SipRequest {
  const m = init.method ?? 'INVITE';
  const headers: HeaderField[] = [
    { name: 'Via', value: 'SIP/2.0/UDP pcscf.example.com;branch=z9hG4bK1' },
    { name: 'Max-Forwards', value: '70' },
    { name: 'From', value: '<sip:alice@example.com>;tag=1' },
    { name: 'To', value: '<sip:bob@example.com>' },
    { name: 'Call-ID', value: 'c1@example.com' },
    { name: 'CSeq', value: `1 ${m}` },
    ...(init.headers ?? []).map(([name, value]) => ({ name, value })),
    ...(init.contentType ? [{ name: 'Content-Type', value: init.contentType }] : []),
  ];
  return createRequest({ method: m, uri: init.uri ?? 'sip:bob@example.com', headers, ...(init.body === undefined ? {} : { body: init.body }) });
}

const ORIG: EvaluationContext = { sessionCase: SessionCase.ORIGINATING_REGISTERED, registered: true };

/** ServerName hosts of the fired iFCs. */
function fired(criteria: InitialFilterCriteria[], req: SipRequest, ctx: EvaluationContext = ORIG, options = {}): string[] {
  const engine = IfcEngine.compile(criteria, silentLogger, options);
  const fast = engine.evaluate(req, ctx).map((i) => i.applicationServer.serverName.replace(/^sip:|\.example\.com$/g, ''));
  const explained = engine.explain(req, ctx).filter((v) => v.fired).map((v) => v.ifc.applicationServer.serverName.replace(/^sip:|\.example\.com$/g, ''));
  expect(explained).toEqual(fast);
  return fast;
}

/** The explanation lines of a one-iFC profile. */
function explain(trigger: TriggerPoint, req: SipRequest, ctx: EvaluationContext = ORIG, options = {}): { summary: string; spts: string[] } {
  const [verdict] = IfcEngine.compile([ifc(0, 'as', trigger)], silentLogger, options).explain(req, ctx);
  return { summary: verdict!.summary, spts: verdict!.spts };
}

function capturingLogger(): { logger: Logger; lines: () => Array<{ msg: string; level: number }> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream) as unknown as Logger, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; level: number }) };
}

// ---- SPT kinds ------------------------------------------------------------------------------

describe('Method SPT', () => {
  it('compares the method exactly: SIP methods are case-sensitive (RFC 3261 §7.1)', () => {
    expect(fired([ifc(0, 'upper', cnf(method('INVITE'))), ifc(1, 'lower', cnf(method('invite')))], request())).toEqual(['upper']);
    expect(explain(cnf(method('MESSAGE')), request()).spts).toEqual(['SPT 1 (group 0): Method MESSAGE: request is INVITE → false']);
  });

  it('restricts REGISTER by RegistrationType, derived from Expires and the registration state', () => {
    const initialOnly: ServicePointTrigger = { ...method('REGISTER'), registrationTypes: [RegistrationType.INITIAL_REGISTRATION] };
    const deregOnly: ServicePointTrigger = { ...method('REGISTER'), registrationTypes: [RegistrationType.DE_REGISTRATION] };
    const criteria = [ifc(0, 'initial', cnf(initialOnly)), ifc(1, 'dereg', cnf(deregOnly))];
    const register = (contact: string, expires?: string): SipRequest =>
      request({ method: 'REGISTER', uri: 'sip:example.com', headers: [['Contact', contact], ...(expires ? [['Expires', expires] as [string, string]] : [])] });
    expect(fired(criteria, register('<sip:a@192.0.2.1>', '600'), { ...ORIG, registered: false })).toEqual(['initial']);
    expect(fired(criteria, register('<sip:a@192.0.2.1>', '600'), ORIG)).toEqual([]);
    expect(fired(criteria, register('<sip:a@192.0.2.1>', '0'), ORIG)).toEqual(['dereg']);
    expect(fired(criteria, register('*', '0'), ORIG)).toEqual(['dereg']);
    expect(fired(criteria, register('<sip:a@192.0.2.1>;expires=0, <sip:a@192.0.2.2>;expires=0', '600'), ORIG)).toEqual(['dereg']);
    // One binding kept: not a de-registration.
    expect(fired(criteria, register('<sip:a@192.0.2.1>;expires=0, <sip:a@192.0.2.2>', '600'), ORIG)).toEqual([]);
    // The caller may say which kind it is.
    expect(fired(criteria, register('<sip:a@192.0.2.1>', '600'), { ...ORIG, registrationType: RegistrationType.INITIAL_REGISTRATION })).toEqual(['initial']);
    expect(explain(cnf(initialOnly), register('<sip:a@192.0.2.1>', '600')).spts).toEqual([
      'SPT 1 (group 0): Method REGISTER with RegistrationType INITIAL_REGISTRATION: request is a REGISTER (RE_REGISTRATION) → false',
    ]);
  });

  it('ignores RegistrationType on a method other than REGISTER', () => {
    expect(fired([ifc(0, 'as', cnf({ ...method('INVITE'), registrationTypes: [RegistrationType.DE_REGISTRATION] }))], request())).toEqual(['as']);
  });
});

describe('RequestURI SPT', () => {
  const to = (uri: string): SipRequest => request({ uri });

  it('matches the hostport of a SIP URI, the number of a tel URI, the rest of other URIs (TS 29.228 Table F.1)', () => {
    const rule = (re: string): InitialFilterCriteria[] => [ifc(0, 'as', cnf(requestUri(re)))];
    expect(fired(rule('^ims\\.example\\.com:5070$'), to('sip:bob@ims.example.com:5070;transport=tcp'))).toEqual(['as']);
    expect(fired(rule('bob'), to('sip:bob@ims.example.com'))).toEqual([]);
    expect(fired(rule('^\\[2001:db8::1\\]$'), to('sip:bob@[2001:db8::1]'))).toEqual(['as']);
    expect(fired(rule('^\\+4930'), to('tel:+4930123456;phone-context=example.com'))).toEqual(['as']);
    expect(fired(rule('^service:sos'), to('urn:service:sos'))).toEqual(['as']);
  });

  it('matches the whole Request-URI when asked to (Kamailio compatibility)', () => {
    const rules = [ifc(0, 'as', cnf(requestUri('^sip:bob@.*;user=phone$')))];
    expect(fired(rules, to('sip:bob@example.com;user=phone'), ORIG, { requestUriTarget: 'uri' })).toEqual(['as']);
    expect(fired(rules, to('sip:bob@example.com;user=phone'))).toEqual([]);
  });

  it('explains what it matched', () => {
    expect(explain(cnf(requestUri('example\\.com$')), to('sip:bob@example.com')).spts).toEqual([
      "SPT 1 (group 0): RequestURI 'example.com' matches 'example\\.com$' → true",
    ]);
  });
});

describe('SIPHeader SPT', () => {
  it('without Content tests presence; names are case-insensitive and compact forms are equivalent (ISC-06)', () => {
    const rules = [ifc(0, 'long', cnf(header('Event'))), ifc(1, 'compact', cnf(header('o'))), ifc(2, 'case', cnf(header('EVENT')))];
    expect(fired(rules, request({ headers: [['o', 'presence']] }))).toEqual(['long', 'compact', 'case']);
    expect(fired(rules, request({ headers: [['event', 'presence']] }))).toEqual(['long', 'compact', 'case']);
    expect(fired(rules, request())).toEqual([]);
  });

  it('compares header names exactly, not as a regular expression (ISC-07)', () => {
    const rules = [ifc(0, 'to', cnf(header('To', 'carol'))), ifc(1, 'route', cnf(header('Route')))];
    const req = request({ headers: [['History-Info', '<sip:carol@example.com>;index=1'], ['Record-Route', '<sip:p.example.com;lr>']] });
    expect(fired(rules, req)).toEqual([]);
  });

  it('with Content searches each value, any match wins', () => {
    const rules = [ifc(0, 'as', cnf(header('Accept', '^application/pidf\\+xml$')))];
    expect(fired(rules, request({ headers: [['Accept', 'application/sdp'], ['Accept', 'application/pidf+xml']] }))).toEqual(['as']);
    // A comma list is split into its values (RFC 3261 §7.3.1) …
    expect(fired(rules, request({ headers: [['Accept', 'application/sdp, application/pidf+xml']] }))).toEqual(['as']);
    // … and also tried whole, so a pattern spanning the comma still matches.
    expect(fired([ifc(0, 'as', cnf(header('Accept', 'sdp, application')))], request({ headers: [['Accept', 'application/sdp, application/pidf+xml']] }))).toEqual(['as']);
  });

  it('reads the brief example aloud', () => {
    expect(explain(cnf(header('Event', 'presence')), request({ headers: [['Event', 'presence']] })).spts).toEqual([
      "SPT 1 (group 0): SIPHeader Event matches 'presence' ('presence') → true",
    ]);
    expect(explain(cnf(header('Event', 'reg')), request({ headers: [['Event', 'presence']] })).spts).toEqual([
      "SPT 1 (group 0): SIPHeader Event does not match 'reg' ('presence') → false",
    ]);
  });

  it('negated: an absent header is true for a presence test and for a Content test (29.228 Annex B)', () => {
    const absent = request();
    const present = request({ headers: [['Privacy', 'id']] });
    const noPresence = [ifc(0, 'as', cnf(header('Privacy', undefined, { negated: true })))];
    const noMatch = [ifc(0, 'as', cnf(header('Privacy', '^id$', { negated: true })))];
    expect(fired(noPresence, absent)).toEqual(['as']);
    expect(fired(noPresence, present)).toEqual([]);
    expect(fired(noMatch, absent)).toEqual(['as']);
    expect(fired(noMatch, present)).toEqual([]);
    expect(fired(noMatch, request({ headers: [['Privacy', 'none']] }))).toEqual(['as']);
    expect(explain(cnf(header('Privacy', '^id$', { negated: true })), absent).spts).toEqual([
      "SPT 1 (group 0): NOT (SIPHeader Privacy absent, so nothing matches '^id$' → false) → true",
    ]);
  });
});

describe('SessionCase SPT', () => {
  it('matches only the session case of the evaluation', () => {
    const rules = Object.values(SessionCase).map((v) => ifc(v, `case${v}`, cnf(sessionCase(v))));
    for (const v of Object.values(SessionCase)) {
      expect(fired(rules, request(), { sessionCase: v, registered: v <= 1 || v === 4 })).toEqual([`case${v}`]);
    }
    expect(explain(cnf(sessionCase(SessionCase.TERMINATING_UNREGISTERED)), request()).spts).toEqual([
      'SPT 1 (group 0): SessionCase 2 TERMINATING_UNREGISTERED: request is 0 ORIGINATING_REGISTERED → false',
    ]);
  });
});

describe('SessionDescription SPT', () => {
  const body = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n';

  it('matches the line type exactly and Content against the text after "="', () => {
    const req = request({ body, contentType: 'application/sdp' });
    expect(fired([ifc(0, 'audio', cnf(sdp('m', '^audio'))), ifc(1, 'video', cnf(sdp('m', '^video'))), ifc(2, 'any-a', cnf(sdp('a')))], req)).toEqual(['audio', 'any-a']);
    // `^` anchors at the start of the line's value, not of the body.
    expect(fired([ifc(0, 'as', cnf(sdp('c', '^IN IP4 192\\.0\\.2\\.1$')))], req)).toEqual(['as']);
    expect(explain(cnf(sdp('m', '^audio')), req).spts).toEqual(["SPT 1 (group 0): SessionDescription m= '^audio' matches line 'm=audio 4000 RTP/AVP 0' → true"]);
  });

  it('finds the SDP inside a multipart body (ISC-09) and ignores non-SDP bodies', () => {
    const multipart = `--xyz\r\nContent-Type: application/isup;version=itu-t92+\r\n\r\nm=video\r\n--xyz\r\nContent-Type: application/sdp\r\n\r\n${body}--xyz--\r\n`;
    const rules = [ifc(0, 'as', cnf(sdp('m', 'audio'))), ifc(1, 'video', cnf(sdp('m', 'video')))];
    expect(fired(rules, request({ body: multipart, contentType: 'multipart/mixed; boundary="xyz"' }))).toEqual(['as']);
    expect(fired(rules, request({ body: 'm=audio', contentType: 'text/plain' }))).toEqual([]);
    expect(explain(cnf(sdp('m', 'audio')), request()).spts).toEqual(["SPT 1 (group 0): SessionDescription m= 'audio': the request has no SDP → false"]);
  });
});

// ---- combination ----------------------------------------------------------------------------

describe('TriggerPoint combination (TS 29.228 Annex B/C)', () => {
  /** isc.md §4.1 reference algorithm (Clearwater's Ifc::filter_matches), on SPT truth values. */
  function reference(cnfMode: boolean, spts: Array<{ value: boolean; negated: boolean; groups: number[] }>): boolean {
    const groups = new Map<number, boolean>();
    for (const spt of spts) {
      const r = spt.value !== spt.negated;
      for (const g of spt.groups) {
        const prev = groups.get(g);
        groups.set(g, prev === undefined ? r : cnfMode ? prev || r : prev && r);
      }
    }
    const values = [...groups.values()];
    return cnfMode ? values.every(Boolean) : values.some(Boolean);
  }

  it('agrees with the reference algorithm on 2000 random trigger points', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 2000; round++) {
      const cnfMode = random(2) === 0;
      const count = 1 + random(5);
      const present = new Set<number>();
      for (let i = 0; i < 5; i++) if (random(2) === 0) present.add(i);
      const spts = Array.from({ length: count }, () => {
        const h = random(5);
        const groups = [...new Set(Array.from({ length: 1 + random(2) }, () => random(3)))];
        return { h, negated: random(3) === 0, groups, value: present.has(h) };
      });
      const trigger: TriggerPoint = { conditionTypeCnf: cnfMode, spts: spts.map((s) => header(`X-H${s.h}`, undefined, { negated: s.negated, groups: s.groups })) };
      const req = request({ headers: [...present].map((h) => [`X-H${h}`, 'yes'] as [string, string]) });
      const expected = reference(cnfMode, spts);
      expect(fired([ifc(0, 'as', trigger)], req).length === 1).toBe(expected);
    }
  });

  it('CNF: SPTs in a group are ORed, groups ANDed; DNF: SPTs in a group ANDed, groups ORed', () => {
    const spts = (mode: boolean): TriggerPoint => ({
      conditionTypeCnf: mode,
      spts: [method('INVITE', { groups: [0] }), method('MESSAGE', { groups: [0] }), header('Subject', undefined, { groups: [1] })],
    });
    const invite = request();
    const inviteWithSubject = request({ headers: [['Subject', 'hi']] });
    expect(fired([ifc(0, 'as', spts(true))], invite)).toEqual([]);
    expect(fired([ifc(0, 'as', spts(true))], inviteWithSubject)).toEqual(['as']);
    expect(fired([ifc(0, 'as', spts(false))], invite)).toEqual([]); // INVITE and MESSAGE never both
    expect(fired([ifc(0, 'as', spts(false))], inviteWithSubject)).toEqual(['as']); // group 1 alone
    expect(explain(spts(true), invite).summary).toBe('CNF: group 0 [SPT 1 OR SPT 2] true AND group 1 [SPT 3] false → false');
    expect(explain(spts(false), inviteWithSubject).summary).toBe('DNF: group 0 [SPT 1 AND SPT 2] false OR group 1 [SPT 3] true → true');
  });

  it('an SPT listed in several groups takes part in each (ISC-17); group ids need not be contiguous', () => {
    const trigger = cnf(method('INVITE', { groups: [10, 3] }), header('Subject', undefined, { groups: [10] }), header('Priority', undefined, { groups: [3] }));
    expect(fired([ifc(0, 'as', trigger)], request())).toEqual(['as']);
    expect(fired([ifc(0, 'as', trigger)], request({ method: 'MESSAGE', headers: [['Subject', 'x']] }))).toEqual([]);
    expect(explain(trigger, request()).summary).toBe('CNF: group 3 [SPT 1 OR SPT 3] true AND group 10 [SPT 1 OR SPT 2] true → true');
  });

  it('a trigger point without SPTs matches nothing; no trigger point matches everything', () => {
    expect(fired([ifc(0, 'empty', cnf()), ifc(1, 'empty-dnf', dnf()), ifc(2, 'always')], request())).toEqual(['always']);
  });
});

// ---- ordering, profile parts, invalid iFCs, the chain ------------------------------------------

describe('iFC order and selection', () => {
  it('evaluates by ascending Priority whatever the document order', () => {
    expect(fired([ifc(30, 'c'), ifc(5, 'a'), ifc(10, 'b'), ifc(0, 'first')], request())).toEqual(['first', 'a', 'b', 'c']);
  });

  it('keeps document order for equal priorities and logs a warning (29.228 forbids them)', () => {
    const { logger, lines } = capturingLogger();
    const engine = IfcEngine.compile([ifc(5, 'later-priority'), ifc(1, 'one'), ifc(1, 'two'), ifc(1, 'three')], logger);
    expect(engine.criteria.map((c) => c.applicationServer.serverName)).toEqual([
      'sip:one.example.com',
      'sip:two.example.com',
      'sip:three.example.com',
      'sip:later-priority.example.com',
    ]);
    expect(lines().filter((l) => /share a priority/.test(l.msg))).toHaveLength(2);
  });

  it('applies ProfilePartIndicator: REGISTERED only when registered, UNREGISTERED only when not, absent always', () => {
    const rules = [ifc(0, 'reg', undefined, ProfilePartIndicator.REGISTERED), ifc(1, 'unreg', undefined, ProfilePartIndicator.UNREGISTERED), ifc(2, 'both')];
    expect(fired(rules, request(), { sessionCase: SessionCase.TERMINATING_REGISTERED, registered: true })).toEqual(['reg', 'both']);
    expect(fired(rules, request(), { sessionCase: SessionCase.TERMINATING_UNREGISTERED, registered: false })).toEqual(['unreg', 'both']);
    const verdicts = IfcEngine.compile(rules, silentLogger).explain(request(), ORIG);
    expect(verdicts[1]!.summary).toBe('ProfilePartIndicator UNREGISTERED: not evaluated for a registered served user');
  });

  it('skips an iFC that does not compile, logs it, and keeps the others', () => {
    const { logger, lines } = capturingLogger();
    const engine = IfcEngine.compile([ifc(0, 'bad', cnf(header('Subject', '(a)\\1'))), ifc(1, 'good')], logger);
    expect(engine.invalid.map((i) => i.error)).toEqual([
      "SIPHeader Subject Content: invalid regular expression '(a)\\1': backreference '\\1' is not supported: iFC patterns must be regular expressions (POSIX ERE) (at character 4)",
    ]);
    expect(engine.evaluate(request(), ORIG).map((i) => i.priority)).toEqual([1]);
    expect(lines().map((l) => l.msg)).toContain('invalid iFC skipped');
  });

  it('refuses header names that are regular expressions and SDP lines that are not one letter', () => {
    const engine = IfcEngine.compile([ifc(0, 'a', cnf(header('P-.*'))), ifc(1, 'b', cnf(sdp('m=', 'audio'))), ifc(2, 'c', cnf(method('IN VITE')))], silentLogger);
    expect(engine.invalid.map((i) => i.error.split(';')[0])).toEqual([
      "SIPHeader Header 'P-.*' is not a header field name",
      "SessionDescription Line 'm=' must be one SDP type letter such as m, c or a (RFC 4566 §5)",
      "Method 'IN VITE' is not a SIP method name (RFC 3261 token)",
    ]);
  });

  it('next() walks the chain: each call resumes after the last executed iFC, on the request as the AS returned it', () => {
    const engine = IfcEngine.compile(
      [ifc(0, 'first', cnf(method('INVITE'))), ifc(1, 'skipped', cnf(method('MESSAGE'))), ifc(2, 'tagged', cnf(header('X-Tagged-By-First'))), ifc(3, 'last')],
      silentLogger,
    );
    const req = request();
    const first = engine.next(req, ORIG, 0);
    expect(first).toMatchObject({ position: 0, ifc: { priority: 0 } });
    req.addHeader('X-Tagged-By-First', 'yes'); // the AS changed the request
    const second = engine.next(req, ORIG, first!.position + 1);
    expect(second).toMatchObject({ position: 2, ifc: { priority: 2 } });
    expect(engine.next(req, ORIG, second!.position + 1)).toMatchObject({ position: 3 });
    expect(engine.next(req, ORIG, 4)).toBeUndefined();
  });
});

describe('hostile patterns stay bounded during evaluation', () => {
  it('(a+)+$ and friends on long header values, Request-URIs and SDP lines', () => {
    const engine = IfcEngine.compile(
      [
        ifc(0, 'a', cnf(header('Subject', '(a+)+$'))),
        ifc(1, 'b', cnf(requestUri('^(([a-z])+.)+[A-Z]([a-z])+$'))),
        ifc(2, 'c', cnf(sdp('a', '^(\\w+\\s?)*$'))),
      ],
      silentLogger,
    );
    const evil = `${'a'.repeat(5000)}!`;
    const req = request({
      uri: `sip:bob@${'aaaa.'.repeat(200)}example.com`,
      headers: [['Subject', evil]],
      body: `v=0\r\na=${'word '.repeat(1000)}!\r\n`,
      contentType: 'application/sdp',
    });
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(engine.evaluate(req, ORIG)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('does not match values longer than the input cap, and says so', () => {
    const long = `sip:bob@${'x'.repeat(9000)}.example.com`;
    expect(explain(cnf(requestUri('x')), request({ uri: long })).spts[0]).toMatch(/is too long to match 'x' → false$/);
  });
});
