/**
 * Every example script of RFC 3880 §12 (plus the §2 sample script and the §4.4 time example),
 * kept as fixture files, runs through the simulator with the outcome the RFC describes.
 * One table holds every fixture's cases; a fixture file without an entry fails the suite.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CplDecision } from '../run/host.js';
import { simulateCpl, type CplSimulatedCall, type CplSimulateOptions } from './simulate-cpl.js';

const DIR = new URL('../fixtures/rfc3880/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, DIR), 'utf8');

interface Case {
  readonly name: string;
  readonly call: Partial<CplSimulatedCall>;
  readonly outcomes?: Record<string, string>;
  readonly expect: Partial<CplDecision> & { readonly kind: CplDecision['kind'] };
  /** Expected proxy targets, in order, one list per proxy action. */
  readonly proxies?: readonly (readonly string[])[];
  /** Sentences (substrings) that must appear in the trace, in order. */
  readonly trace?: readonly string[];
}

interface FixtureSpec {
  readonly options?: CplSimulateOptions;
  /** Set when the RFC expects the script to be rejected under the given options. */
  readonly rejected?: { readonly rule: string; readonly line: number };
  readonly cases: readonly Case[];
}

const JONES = { to: '<sip:jones@example.com>', from: '"A Caller" <sip:caller@elsewhere.example.org>' };

const FIXTURES: Record<string, FixtureSpec> = {
  // §2.4 Figure 2: the sample script (origin host subdomain-of example.com).
  'fig02-sample-script.cpl': {
    cases: [
      {
        name: 'a caller from a subdomain is proxied; busy goes to voicemail',
        call: { ...JONES, from: '<sip:bob@research.example.com>' },
        outcomes: { 'sip:jones@example.com': '486' },
        expect: { kind: 'redirect', status: 302, contacts: [{ uri: 'sip:jones@voicemail.example.com', q: 1 }] },
        trace: ['address-switch on origin host: research.example.com is a subdomain of example.com → took <address subdomain-of="example.com">', '486 Busy Here → busy → took <busy>', 'subaction "voicemail"'],
      },
      { name: 'a caller from example.com itself who answers', call: { ...JONES, from: '<sip:bob@example.com>' }, outcomes: { 'sip:jones@example.com': '200' }, expect: { kind: 'proceed' } },
      { name: 'label boundary: notexample.com is not a subdomain', call: { ...JONES, from: '<sip:eve@notexample.com>' }, expect: { kind: 'redirect', status: 302 }, proxies: [] },
      { name: 'noanswer after the 10 s timeout goes to voicemail', call: { ...JONES, from: '<sip:bob@example.com>' }, outcomes: { 'sip:jones@example.com': 'noanswer' }, expect: { kind: 'redirect', status: 302 } },
      { name: 'failure goes to voicemail', call: { ...JONES, from: '<sip:bob@example.com>' }, outcomes: { 'sip:jones@example.com': '404' }, expect: { kind: 'redirect', status: 302 } },
    ],
  },
  // §12.1 Figure 19: call redirect unconditional.
  'fig19-call-redirect-unconditional.cpl': {
    cases: [{ name: 'every call is redirected with 302', call: JONES, expect: { kind: 'redirect', status: 302, reason: 'Moved Temporarily', contacts: [{ uri: 'sip:smith@phone.example.com', q: 1 }] }, proxies: [] }],
  },
  // §12.2 Figure 20: call forward busy/no answer.
  'fig20-call-forward-busy-noanswer.cpl': {
    cases: [
      { name: 'answered at the PC', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:jones@jonespc.example.com']] },
      {
        name: 'busy → voicemail',
        call: JONES,
        outcomes: { 'sip:jones@jonespc.example.com': '486', 'sip:jones@voicemail.example.com': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:jones@jonespc.example.com'], ['sip:jones@voicemail.example.com']],
      },
      {
        name: 'no answer within 8 s → voicemail (the PC is not tried again: used locations are cleared)',
        call: JONES,
        outcomes: { 'sip:jones@jonespc.example.com': 'noanswer', 'sip:jones@voicemail.example.com': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:jones@jonespc.example.com'], ['sip:jones@voicemail.example.com']],
        trace: ['timeout 8 s', 'no answer before the timeout → noanswer → took <noanswer>'],
      },
      { name: 'other failure: no output, so the best response goes upstream', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '404' }, expect: { kind: 'best-response', response: { status: 404, reason: 'Not Found' } } },
      { name: '603 Decline is a failure, not busy', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '603' }, expect: { kind: 'best-response', response: { status: 603, reason: 'Decline' } } },
      { name: '600 Busy Everywhere is busy', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '600', 'sip:jones@voicemail.example.com': '200' }, expect: { kind: 'proceed' } },
    ],
  },
  // §12.3 Figure 21: redirect and default. recurse defaults to "yes", so <redirection> is never taken.
  'fig21-call-forward-redirect-default.cpl': {
    cases: [
      {
        name: 'a 302 is followed by the server itself; the new target answers',
        call: JONES,
        outcomes: { 'sip:jones@jonespc.example.com': '302:sip:jones@laptop.example.com', 'sip:jones@laptop.example.com': '200' },
        expect: { kind: 'proceed' },
      },
      {
        name: 'a 302 whose target fails ends in <default> (voicemail), never in <redirection>',
        call: JONES,
        outcomes: { 'sip:jones@jonespc.example.com': '302:sip:jones@laptop.example.com', 'sip:jones@laptop.example.com': '480', 'sip:jones@voicemail.example.com': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:jones@jonespc.example.com'], ['sip:jones@voicemail.example.com']],
        trace: ['took <default>'],
      },
      { name: 'busy → default → voicemail', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '486', 'sip:jones@voicemail.example.com': '200' }, expect: { kind: 'proceed' } },
      { name: 'voicemail fails too: best of all responses', call: JONES, outcomes: { 'sip:jones@jonespc.example.com': '486', 'sip:jones@voicemail.example.com': '503' }, expect: { kind: 'best-response', response: { status: 486, reason: 'Busy Here' } } },
    ],
  },
  // §12.4 Figure 22: call screening of anonymous callers.
  'fig22-call-screening.cpl': {
    cases: [
      { name: 'anonymous is rejected with 603 and the script reason', call: { ...JONES, from: '"Anonymous" <sip:anonymous@anonymous.invalid>' }, expect: { kind: 'reject', status: 603, reason: 'I reject anonymous calls', byDefault: false } },
      { name: 'the user part is case-sensitive', call: { ...JONES, from: '<sip:Anonymous@example.com>' }, expect: { kind: 'server-default' } },
      { name: 'anyone else: no match, no otherwise → the server default', call: JONES, expect: { kind: 'server-default' } },
    ],
  },
  // §12.5 Figure 23: priority and language routing.
  'fig23-priority-language-routing.cpl': {
    cases: [
      { name: 'f23-1 emergency is greater than urgent → empty output → server default', call: { ...JONES, priority: 'emergency' }, expect: { kind: 'server-default' }, trace: ['priority emergency is greater than urgent'] },
      { name: 'f23-2 urgent is not greater than urgent; Spanish speaker → Spanish operator', call: { ...JONES, priority: 'urgent', acceptLanguage: 'es' }, outcomes: { 'sip:spanish@operator.example.com': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:spanish@operator.example.com']] },
      { name: 'f23-3 no Priority header is normal; es first among several ranges', call: { ...JONES, acceptLanguage: 'en-gb;q=0.8, es, en;q=0.7' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:spanish@operator.example.com']] },
      { name: 'f23-4 English speaker → English operator', call: { ...JONES, acceptLanguage: 'en' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:english@operator.example.com']] },
      { name: 'f23-5 the range es-MX does not match the tag es (RFC 2616 direction)', call: { ...JONES, acceptLanguage: 'es-MX' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:english@operator.example.com']] },
      { name: 'f23-6 q=0 and * are ignored', call: { ...JONES, acceptLanguage: 'es;q=0, *' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:english@operator.example.com']] },
      { name: 'f23-7 no Accept-Language and no not-present → otherwise (English)', call: JONES, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:english@operator.example.com']] },
      { name: 'f23-8 non-urgent and unknown priorities take otherwise', call: { ...JONES, priority: 'whenever', acceptLanguage: 'ES' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:spanish@operator.example.com']] },
    ],
  },
  // §12.6 Figure 24: outgoing call screening of 1-900 numbers.
  'fig24-outgoing-call-screening.cpl': {
    cases: [
      { name: 'a tel URL to 1-900 is rejected', call: { direction: 'outgoing', from: '<sip:jones@example.com>', to: '<tel:1-900-555-1212>' }, expect: { kind: 'reject', status: 603, reason: 'Not allowed to make 1-900 calls.' } },
      { name: 'a user=phone SIP URI to 1 (900) ... is rejected', call: { direction: 'outgoing', from: '<sip:jones@example.com>', to: '<sip:1(900)555-1212@gw.example.com;user=phone>' }, expect: { kind: 'reject', status: 603 } },
      {
        name: 'other numbers: the unchanged outgoing set (the destination) is proxied by default',
        call: { direction: 'outgoing', from: '<sip:jones@example.com>', to: '<tel:1-212-555-1212>' },
        expect: { kind: 'proxy-locations', locations: [{ uri: 'tel:1-212-555-1212', priority: 1 }] },
      },
      { name: 'a "+" is not a visual separator: +1-900 does not start with 1900 (documented choice)', call: { direction: 'outgoing', from: '<sip:jones@example.com>', to: '<tel:+1-900-555-1212>' }, expect: { kind: 'proxy-locations' } },
      { name: 'no user=phone: tel is not present → default', call: { direction: 'outgoing', from: '<sip:jones@example.com>', to: '<sip:19005551212@gw.example.com>' }, expect: { kind: 'proxy-locations' } },
      { name: 'an incoming call does not run <outgoing>', call: { from: '<sip:x@example.com>', to: '<tel:1-900-555-1212>' }, expect: { kind: 'server-default' } },
    ],
  },
  // §12.7 Figure 25: time-of-day routing in America/New_York (tzurl never fetched).
  'fig25-time-of-day-routing.cpl': {
    cases: [
      { name: 'f25-1 Wednesday 10:00 EDT: registered phone answers', call: { ...JONES, time: '2024-07-03T14:00:00Z', registrations: 'sip:jones@192.0.2.7' }, outcomes: { 'sip:jones@192.0.2.7': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:jones@192.0.2.7']] },
      { name: 'f25-2 Wednesday 18:00 EDT: voicemail', call: { ...JONES, time: '2024-07-03T22:00:00Z' }, outcomes: { 'sip:jones@voicemail.example.com': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:jones@voicemail.example.com']] },
      { name: 'f25-3 Saturday noon: voicemail', call: { ...JONES, time: '2024-07-06T16:00:00Z' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:jones@voicemail.example.com']] },
      {
        name: 'f25-4 winter 09:00 EST (14:00 UTC) is office hours: wall clock, not a fixed offset',
        call: { ...JONES, time: '2024-01-10T14:00:00Z', registrations: 'sip:jones@192.0.2.7' },
        outcomes: { '*': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:jones@192.0.2.7']],
        trace: ['Wed 2024-01-10 09:00:00 (America/New_York) is within the period'],
      },
      { name: 'f25-5 17:00 exactly is outside (half-open period)', call: { ...JONES, time: '2024-07-03T21:00:00Z' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' }, proxies: [['sip:jones@voicemail.example.com']] },
      { name: 'f25-6 office hours but not registered: no <notfound> output → server default', call: { ...JONES, time: '2024-07-03T14:00:00Z' }, expect: { kind: 'server-default' }, proxies: [] },
    ],
  },
  // §12.8 Figure 26: location filtering.
  'fig26-location-filtering.cpl': {
    cases: [
      {
        name: 'the inadequate user agent is not sent to the mobile',
        call: { ...JONES, userAgent: 'Inadequate Software SIP User Agent/0.9beta2', registrations: 'sip:me@mobile.provider.net, sip:me@desk.example.com' },
        outcomes: { '*': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:me@desk.example.com']],
      },
      {
        name: 'string matching is caseless (NFKC + case folding)',
        call: { ...JONES, userAgent: 'INADEQUATE software sip user agent/0.9BETA2', registrations: 'sip:me@mobile.provider.net, sip:me@desk.example.com' },
        outcomes: { '*': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:me@desk.example.com']],
      },
      {
        name: 'f26-5 remove-location uses SIP URI matching, not string comparison',
        call: { ...JONES, userAgent: 'Inadequate Software SIP User Agent/0.9beta2', registrations: 'sip:me@MOBILE.Provider.NET;transport=udp, sip:me@desk.example.com' },
        outcomes: { '*': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:me@desk.example.com']],
        trace: ['(1 location matched)'],
      },
      { name: 'other user agents: server default', call: { ...JONES, userAgent: 'Good Phone/2.0' }, expect: { kind: 'server-default' } },
    ],
  },
  // §12.9 Figure 27: non-signalling operations. Its URI lookup source is refused by default (SSRF).
  'fig27-non-signalling-operations.cpl': {
    rejected: { rule: 'lookup-source-not-allowed', line: 7 },
    options: { lookupSources: ['http://www.example.com/cgi-bin/'] },
    cases: [
      { name: 'the lookup succeeds and the call is proxied', call: JONES, outcomes: { 'http://www.example.com/cgi-bin/locate.cgi?user=mary': 'sip:mary@pc.example.com', 'sip:mary@pc.example.com': '200' }, expect: { kind: 'proceed' } },
      { name: 'the lookup fails: mail is sent, then the default applies', call: JONES, outcomes: { 'http://www.example.com/cgi-bin/locate.cgi?user=mary': 'failure' }, expect: { kind: 'server-default' }, trace: ['sent a notification to mary@example.com (subject "Lookup failed")'] },
    ],
  },
  // §12.10 Figure 28: a hypothetical extension. Unknown namespaces MUST be rejected (§11).
  'fig28-extension-distinctive-ring.cpl': {
    rejected: { rule: 'unknown-namespace', line: 3 },
    options: { supportedExtensions: ['http://www.example.com/distinctive-ring'] },
    cases: [
      { name: 'declared supported: the boss gets the extension node', call: { ...JONES, from: '<sip:boss@example.com>' }, expect: { kind: 'server-default' }, trace: ['handed the extension <dr:ring ringstyle="warble">'] },
      { name: 'others: no match', call: JONES, expect: { kind: 'server-default' } },
    ],
  },
  // §12.10 Figure 29: an extension attribute; rejected because the server does not support it.
  'fig29-extension-regex.cpl': { rejected: { rule: 'unknown-namespace', line: 3 }, cases: [] },
  // §12.11 Figure 30: a complex example.
  'fig30-complex-example.cpl': {
    cases: [
      { name: 'answered', call: JONES, outcomes: { 'sip:jones@phone.example.com': '200' }, expect: { kind: 'proceed' } },
      { name: 'busy → voicemail redirect', call: JONES, outcomes: { 'sip:jones@phone.example.com': '486' }, expect: { kind: 'redirect', status: 302, contacts: [{ uri: 'sip:jones@voicemail.example.com', q: 1 }] } },
      {
        name: 'no answer and the boss is calling → the mobile (tel:)',
        call: { ...JONES, from: '"The Boss" <sip:boss@example.com>' },
        outcomes: { 'sip:jones@phone.example.com': 'noanswer', 'tel:+19175551212': '200' },
        expect: { kind: 'proceed' },
        proxies: [['sip:jones@phone.example.com'], ['tel:+19175551212']],
      },
      { name: 'no answer, someone else → voicemail', call: JONES, outcomes: { 'sip:jones@phone.example.com': 'noanswer' }, expect: { kind: 'redirect', status: 302 } },
      { name: 'the boss is matched by URI equality (host case-insensitive)', call: { ...JONES, from: '<sip:boss@EXAMPLE.com>' }, outcomes: { 'sip:jones@phone.example.com': 'noanswer', 'tel:+1-917-555-1212': '200' }, expect: { kind: 'proceed' } },
    ],
  },
  // §4.4: "every other year, Sundays in January, 8:30-8:40 and 9:30-9:40" (duration written PT10M).
  'sec4.4-time-switch-example.cpl': {
    options: { floatingTimeZone: 'UTC' },
    cases: [
      { name: '1997-01-12 08:35 matches', call: { ...JONES, time: '1997-01-12T08:35:00Z' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' } },
      { name: '1997-01-12 09:39:59 matches', call: { ...JONES, time: '1997-01-12T09:39:59Z' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' } },
      { name: '1997-01-12 08:40 is past the 10 minutes', call: { ...JONES, time: '1997-01-12T08:40:00Z' }, expect: { kind: 'reject', status: 486 } },
      { name: '1998 is not an "every other year" year', call: { ...JONES, time: '1998-01-11T08:35:00Z' }, expect: { kind: 'reject', status: 486 } },
      { name: 'a Monday in January 1999 does not match', call: { ...JONES, time: '1999-01-11T08:35:00Z' }, expect: { kind: 'reject', status: 486 } },
      { name: 'floating time uses the configured server zone', call: { ...JONES, time: '1999-01-10T08:35:00Z' }, outcomes: { '*': '200' }, expect: { kind: 'proceed' } },
    ],
  },
};

describe('RFC 3880 example scripts', () => {
  it('every fixture file has an entry in the table (and every entry a file)', () => {
    expect(readdirSync(DIR).filter((f) => f.endsWith('.cpl')).sort()).toEqual(Object.keys(FIXTURES).sort());
  });

  for (const [file, spec] of Object.entries(FIXTURES)) {
    describe(file, () => {
      if (spec.rejected !== undefined) {
        it(`is rejected by default with ${spec.rejected.rule} on line ${spec.rejected.line}`, () => {
          const sim = simulateCpl(read(file), { ...JONES });
          expect(sim.ok).toBe(false);
          expect(sim.errors[0]).toMatchObject({ rule: spec.rejected?.rule, line: spec.rejected?.line });
        });
      }
      for (const c of spec.cases) {
        it(c.name, () => {
          const sim = simulateCpl(read(file), { ...JONES, ...c.call } as CplSimulatedCall, c.outcomes ?? {}, spec.options ?? {});
          expect(sim.errors).toEqual([]);
          expect(sim.decision).toMatchObject(c.expect);
          if (c.proxies !== undefined) {
            expect(sim.actions.filter((a) => a.kind === 'proxy').map((a) => (a.kind === 'proxy' ? a.targets : []))).toEqual(c.proxies);
          }
          let from = 0;
          for (const t of c.trace ?? []) {
            const i = sim.steps.findIndex((s, k) => k >= from && s.sentence.includes(t));
            expect(i, `trace should contain "${t}":\n${sim.steps.map((s) => s.sentence).join('\n')}`).toBeGreaterThanOrEqual(0);
            from = i;
          }
        });
      }
    });
  }

  it('the examples also run with the namespaces stripped (§11: the global namespace is CPL)', () => {
    const stripped = read('fig19-call-redirect-unconditional.cpl').replace(/\s+xmlns(:xsi)?="[^"]*"/g, '').replace(/\s+xsi:schemaLocation="[^"]*"/, '');
    expect(stripped).not.toContain('xmlns');
    const sim = simulateCpl(stripped, JONES);
    expect(sim.decision).toMatchObject({ kind: 'redirect', status: 302 });
  });
});
