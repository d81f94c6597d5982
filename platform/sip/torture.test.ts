/**
 * RFC 4475 and RFC 5118 torture messages (shared/conformance/sip-torture): every .dat file must
 * have a row in EXPECTED.tsv and an expected outcome here; the key facts of EXPECTED.tsv are
 * asserted after parsing, and every invalid message gets the exact outcome of this stack (parse
 * error status and reason, or the request-checks verdict).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkRequest,
  checkResponse,
  decodePercent,
  decodeUser,
  parseMessage,
  tagOf,
  verdictForParseErrors,
  type NameAddr,
  type ParseResult,
  type RequestCheckOptions,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type Uri,
} from './index.js';

const DIR = fileURLToPath(new URL('../../../shared/conformance/sip-torture/', import.meta.url));

interface Row {
  file: string;
  rfc: string;
  section: string;
  title: string;
  class: 'valid' | 'invalid' | 'semantically-invalid';
  expected: string;
  facts: string;
  octets: number;
  contentLength: string;
  bodyOctets: string;
  sha256: string;
}

function readRows(): Map<string, Row> {
  const lines = readFileSync(`${DIR}EXPECTED.tsv`, 'utf8').split('\n').filter((line) => line.length > 0);
  const rows = new Map<string, Row>();
  for (const line of lines.slice(1)) {
    const c = line.split('\t');
    rows.set(c[0]!, {
      file: c[0]!,
      rfc: c[1]!,
      section: c[2]!,
      title: c[3]!,
      class: c[4] as Row['class'],
      expected: c[5]!,
      facts: c[6]!,
      octets: Number(c[7]),
      contentLength: c[8]!,
      bodyOctets: c[9]!,
      sha256: c[11]!,
    });
  }
  return rows;
}

function datFiles(): string[] {
  const top = readdirSync(DIR).filter((f) => f.endsWith('.dat'));
  const wire = readdirSync(`${DIR}wire`).filter((f) => f.endsWith('.dat')).map((f) => `wire/${f}`);
  return [...top, ...wire].sort();
}

// ---- helpers ---------------------------------------------------------------------------------------

function sipUri(uri: Uri): SipUri {
  expect(uri.kind).toBe('sip');
  return uri as SipUri;
}

function request(result: ParseResult): SipRequest {
  expect(result.message?.kind).toBe('request');
  return result.message as SipRequest;
}

function response(result: ParseResult): SipResponse {
  expect(result.message?.kind).toBe('response');
  return result.message as SipResponse;
}

function params(list: { entries(): IterableIterator<[string, string | null]> }): Array<[string, string | null]> {
  return [...list.entries()];
}

function hostPort(uri: Uri): string {
  const u = sipUri(uri);
  return `${u.hostIsIPv6 ? `[${u.host}]` : u.host}${u.port === undefined ? '' : `:${u.port}`}`;
}

function viaSummary(m: SipRequest | SipResponse): string[] {
  return m.via.map((v) => `${v.transport} ${v.hostIsIPv6 ? `[${v.host}]` : v.host}${v.port === undefined ? '' : `:${v.port}`} ${v.params.get('branch') ?? '-'}`);
}

function addr(n: NameAddr): string {
  const u = n.uri;
  const text = u.kind === 'sip' ? `${u.scheme}:${u.user === undefined ? '' : `${u.user}@`}${hostPort(u)}` : `${u.scheme}:${u.kind === 'tel' ? u.number : u.opaque}`;
  return text;
}

const UAS: RequestCheckOptions = {
  role: 'uas',
  methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'MESSAGE'],
  extensions: ['100rel', 'timer'],
  contentTypes: ['application/sdp'],
};
const PROXY: RequestCheckOptions = { role: 'proxy', extensions: [] };

/** The outcome of this stack for a message: what a server would do with it. */
type Outcome =
  | { kind: 'accepted' }
  | { kind: 'parse-error'; status: number; code: string; reason: RegExp }
  | { kind: 'no-message'; code: string; reason: RegExp }
  | { kind: 'response-dropped'; code: string; reason: RegExp };

interface Spec {
  outcome: Outcome;
  /** Key facts from EXPECTED.tsv, asserted on the parse result. */
  facts?: (result: ParseResult) => void;
  /** request-checks verdicts (for messages that parse). */
  uas?: { status: number; reason: RegExp; headers?: Record<string, string> } | 'accept' | 'drop';
  proxy?: { status: number; reason: RegExp; headers?: Record<string, string> } | 'accept' | 'drop';
  /** response-checks verdicts. */
  uac?: 'accept' | 'drop';
  proxyResponse?: 'accept' | 'drop';
}

const ACCEPTED: Outcome = { kind: 'accepted' };

// Facts shared by the RFC 5118 archive files and their wire/ variants.
const ipv6 = {
  good: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('REGISTER');
    const ruri = sipUri(m.uri);
    expect([ruri.host, ruri.hostIsIPv6, ruri.port]).toEqual(['2001:db8::10', true, undefined]);
    expect(viaSummary(m)).toEqual(['UDP [2001:db8::9:1] z9hG4bKas3-111']);
    const contact = (m.contacts as NameAddr[])[0]!;
    expect(contact.displayName).toBe('Caller');
    expect(addr(contact)).toBe('sip:caller@[2001:db8::1]');
    expect(m.callId).toBe('SSG9559905523997077@hlau_4100');
    expect(m.cseq).toEqual({ seq: 98176, method: 'REGISTER' });
    expect(tagOf(m.from)).toBe('81x2');
    expect(m.maxForwards).toBe(70);
    expect(m.body.length).toBe(0);
  },
  bad: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('REGISTER');
    expect(m.topVia?.host).toBe('2001:db8::9:1');
    expect(m.callId).toBe('SSG9559905523997077@hlau_4100');
    expect(m.cseq).toEqual({ seq: 98176, method: 'REGISTER' });
  },
  portAmbiguous: (r: ParseResult) => {
    const m = request(r);
    const ruri = sipUri(m.uri);
    // RFC 5118 §4.3: 5070 is part of the address; there is no port.
    expect([ruri.host, ruri.hostIsIPv6, ruri.port]).toEqual(['2001:db8::10:5070', true, undefined]);
    expect(m.topVia?.host).toBe('2001:db8::9:1');
    expect(addr((m.contacts as NameAddr[])[0]!)).toBe('sip:caller@[2001:db8::1]');
    expect(m.cseq).toEqual({ seq: 98176, method: 'REGISTER' });
  },
  portUnambiguous: (r: ParseResult) => {
    const m = request(r);
    const ruri = sipUri(m.uri);
    expect([ruri.host, ruri.hostIsIPv6, ruri.port]).toEqual(['2001:db8::10', true, 5070]);
    expect(m.topVia?.host).toBe('2001:db8::9:1');
  },
  receivedWithDelim: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('BYE');
    expect(hostPort(m.uri)).toBe('[2001:db8::10]');
    const via = m.topVia!;
    expect([via.host, via.hostIsIPv6]).toEqual(['2001:db8::9:1', true]);
    expect(via.params.get('received')).toBe('[2001:db8::9:255]');
    expect(via.params.get('branch')).toBe('z9hG4bKas3-111');
    expect(tagOf(m.to)).toBe('bd76ya');
    expect(tagOf(m.from)).toBe('81x2');
    expect(m.cseq).toEqual({ seq: 321, method: 'BYE' });
  },
  receivedNoDelim: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('OPTIONS');
    const via = m.topVia!;
    expect(via.host).toBe('2001:db8::9:1');
    expect(via.params.get('received')).toBe('2001:db8::9:255');
    expect(via.params.get('branch')).toBe('z9hG4bKas3');
    const contact = (m.contacts as NameAddr[])[0]!;
    expect([contact.displayName, addr(contact)]).toEqual(['Caller', 'sip:caller@[2001:db8::9:1]']);
    expect(m.callId).toBe('SSG95523997077@hlau_4100');
    expect(m.cseq).toEqual({ seq: 921, method: 'OPTIONS' });
  },
  inSdp: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('INVITE');
    expect(hostPort(m.uri)).toBe('[2001:db8::10]');
    expect(m.topVia?.host).toBe('2001:db8::20');
    expect(addr((m.contacts as NameAddr[])[0]!)).toBe('sip:caller@[2001:db8::20]');
    expect(m.cseq).toEqual({ seq: 8612, method: 'INVITE' });
    const sdp = m.body.toString('latin1');
    expect(sdp).toContain('o=assistant 971731711378798081 0 IN IP6 2001:db8::20');
    expect(sdp).toContain('c=IN IP6 2001:db8::20');
    expect(sdp.match(/^m=/gm)?.length).toBe(2);
  },
  multIpInHeader: (r: ParseResult) => {
    const m = request(r);
    expect(m.method).toBe('BYE');
    expect(viaSummary(m)).toEqual([
      'UDP [2001:db8::9:1]:6050 z9hG4bKas3-111',
      'UDP 192.0.2.1 z9hG4bKjhja8781hjuaij65144',
      'TCP [2001:db8::9:255] z9hG4bK451jj',
    ]);
    expect(m.via[2]!.params.get('received')).toBe('192.0.2.200');
    expect(m.callId).toBe('997077@lau_4100');
    expect(m.cseq).toEqual({ seq: 89187, method: 'BYE' });
    expect([tagOf(m.to), tagOf(m.from)]).toEqual(['9817--94', '81x2']);
  },
  multIpInSdp: (r: ParseResult) => {
    const m = request(r);
    expect(hostPort(m.uri)).toBe('[2001:db8::10]');
    expect(m.cseq).toEqual({ seq: 8912, method: 'INVITE' });
    const sdp = m.body.toString('latin1');
    expect(sdp).toContain('c=IN IP4 192.0.2.1');
    expect(sdp).toContain('c=IN IP6 2001:db8::1');
  },
  v4Mapped: (r: ParseResult) => {
    const m = request(r);
    expect(hostPort(m.uri)).toBe('example.com');
    expect(viaSummary(m)).toEqual(['UDP [::ffff:192.0.2.10]:19823 z9hG4bKbh19', 'UDP [::ffff:192.0.2.2] z9hG4bKas3-111']);
    const contact = (m.contacts as NameAddr[])[0]!;
    expect([contact.displayName, addr(contact)]).toEqual(['T. desk phone', 'sip:ted@[::ffff:192.0.2.2]']);
    expect(m.cseq).toEqual({ seq: 612, method: 'INVITE' });
    expect(m.body.toString('latin1')).toContain('IN IP6 ::ffff:192.0.2.2');
  },
  threeColons: (r: ParseResult) => {
    const m = request(r);
    // RFC 5118 §4.10: accepted as generated by the RFC 3261 ABNF, kept as written.
    const ruri = sipUri(m.uri);
    expect([ruri.user, ruri.host, ruri.hostIsIPv6]).toEqual(['user', '2001:db8:::192.0.2.1', true]);
    expect(addr(m.to)).toBe('sip:user@[2001:db8:::192.0.2.1]');
    expect(viaSummary(m)).toEqual(['UDP lab1.east.example.com z9hG4bKas3-111']);
    expect(tagOf(m.from)).toBe('810x2');
    expect(m.cseq).toEqual({ seq: 689, method: 'OPTIONS' });
    expect(m.contentLength).toBe(0);
  },
  twoColons: (r: ParseResult) => {
    const m = request(r);
    const ruri = sipUri(m.uri);
    expect([ruri.host, ruri.hostIsIPv6]).toEqual(['2001:db8::192.0.2.1', true]);
    expect(addr(m.to)).toBe('sip:user@[2001:db8::192.0.2.1]');
    expect(m.callId).toBe('G9559905523997077@hlau_4100');
    expect(m.contentLength).toBe(0);
  },
};

const badDisplayName: Spec = {
  outcome: { kind: 'parse-error', status: 400, code: 'bad-from', reason: /^Display name must be a token list or a quoted string in From$/ },
  facts: (r) => {
    const m = request(r);
    expect(m.method).toBe('OPTIONS');
    expect(m.callId).toBe('baddn.31415@c.example.com');
    expect(m.cseq).toEqual({ seq: 3923239, method: 'OPTIONS' });
    expect(r.errors.map((e) => e.code)).toEqual(['bad-from', 'bad-to']);
  },
};

const SPECS: Record<string, Spec> = {
  'wsinv.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe('INVITE');
      const ruri = sipUri(m.uri);
      expect([ruri.user, ruri.host]).toEqual(['vivekg', 'chair-dnrc.example.com']);
      expect(params(ruri.params)).toEqual([['unknownparam', null]]);
      expect(viaSummary(m)).toEqual(['UDP 192.0.2.2 390skdjuw', 'TCP spindle.example.com z9hG4bK9ikj8', 'UDP 192.168.255.111 z9hG4bK30239']);
      expect(m.via.map((v) => v.protocol)).toEqual(['SIP/2.0', 'SIP/2.0', 'SIP/2.0']);
      expect(m.callId).toBe('wsinv.ndaksdj@192.0.2.1');
      expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
      expect(m.maxForwards).toBe(68);
      expect(addr(m.to)).toBe('sip:vivekg@chair-dnrc.example.com');
      expect(tagOf(m.to)).toBe('1918181833n');
      expect(addr(m.from)).toBe('sip:jdrosen@example.com');
      expect(tagOf(m.from)).toBe('98asjd8');
      expect(m.from.displayName).toBe('J Rosenberg \\"');
      expect(m.hasHeader('Subject')).toBe(true);
      expect(m.getHeader('subject')).toBe('');
      const contacts = m.contacts as NameAddr[];
      expect(contacts).toHaveLength(1);
      expect(contacts[0]!.displayName).toBe('Quoted string ""');
      expect(addr(contacts[0]!)).toBe('sip:jdrosen@example.com');
      expect(params(contacts[0]!.params)).toEqual([['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
      expect(m.routes.map((n) => params(sipUri(n.uri).params))).toEqual([[['lr', null], ['unknownwith', 'value'], ['unknown-no-value', null]]]);
      expect(m.getHeaders('NewFangledHeader')).toEqual(['newfangled value continued newfangled value']);
      expect(m.getHeader('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
      expect(m.getHeaders('UnknownHeaderWithUnusualValue')).toEqual([';;,,;;,;']);
      expect(m.contentType).toBe('application/sdp');
      expect(m.contentLength).toBe(150);
      expect(m.body.length).toBe(150);
    },
  },
  'intmeth.dat': {
    outcome: ACCEPTED,
    uas: { status: 501, reason: /^Not Implemented$/ },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
      const ruri = sipUri(m.uri);
      expect(ruri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(ruri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(ruri.host).toBe('example.com');
      expect(viaSummary(m)).toEqual(["TCP host1.example.com z9hG4bK-.!%66*_+`'~"]);
      expect(m.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
      expect(tagOf(m.to)).toBeUndefined();
      expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
      expect(tagOf(m.from)).toBe("_token~1'+`*%!-.");
      expect(m.from.params.get("fromParam''~+*_!.-%")).toBe('"работающий"');
      expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
      expect(m.cseq).toEqual({ seq: 139122385, method: m.method });
      expect(m.maxForwards).toBe(255);
      expect(m.getHeader("extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
      expect(m.contentLength).toBe(0);
      expect(m.body.length).toBe(0);
    },
  },
  'esc01.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      const ruri = sipUri(m.uri);
      expect(ruri.user).toBe('sips%3Auser%40example.com');
      expect(decodeUser(ruri)).toBe('sips:user@example.com');
      expect(ruri.host).toBe('example.net');
      expect(decodeUser(sipUri(m.to.uri))).toBe('user');
      expect(decodeUser(sipUri(m.from.uri))).toBe('I have spaces');
      expect(tagOf(m.from)).toBe('938');
      expect(m.callId).toBe('esc01.239409asdfakjkn23onasd0-3234');
      expect(m.cseq).toEqual({ seq: 234234, method: 'INVITE' });
      expect(m.maxForwards).toBe(87);
      expect(m.via).toHaveLength(1);
      const contact = sipUri((m.contacts as NameAddr[])[0]!.uri);
      expect(decodeUser(contact)).toBe('caller');
      // Escapes decode once: value%25%34%31 is value%41, never valueA (RFC 4475 §3.1.1.3).
      expect(params(contact.params).map(([n, v]) => [decodePercent(n), v === null ? null : decodePercent(v)])).toEqual([
        ['lr', null],
        ['name', 'value%41'],
      ]);
      expect(m.contentType).toBe('application/sdp');
      expect(m.body.length).toBe(150);
    },
  },
  'escnull.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe('REGISTER');
      expect(hostPort(m.uri)).toBe('example.com');
      const user = decodeUser(sipUri(m.to.uri))!;
      expect(user).toBe('null-\x00-null');
      expect(user.length).toBe(11);
      expect(tagOf(m.from)).toBe('839923423');
      expect(m.cseq).toEqual({ seq: 14398234, method: 'REGISTER' });
      const users = (m.contacts as NameAddr[]).map((c) => decodeUser(sipUri(c.uri)));
      expect(users).toEqual(['\x00', '\x00\x00']);
      expect(m.contentLength).toBe(0);
    },
  },
  'esc02.dat': {
    outcome: ACCEPTED,
    uas: { status: 501, reason: /^Not Implemented$/ },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe('RE%47IST%45R');
      expect(m.method).not.toBe('REGISTER');
      expect(m.to.displayName).toBe('%Z%45');
      expect(tagOf(m.from)).toBe('f232jadfj23');
      expect(viaSummary(m)).toEqual(['TCP host.example.com z9hG4bK209%fzsnel234']);
      expect(m.cseq).toEqual({ seq: 29344, method: 'RE%47IST%45R' });
      expect((m.contacts as NameAddr[]).map(addr)).toEqual(['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com']);
      expect(m.getHeader('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    },
  },
  'lwsdisp.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.from.displayName).toBe('caller');
      expect(addr(m.from)).toBe('sip:caller@example.com');
      expect(tagOf(m.from)).toBe('323');
      expect(m.callId).toBe('lwsdisp.1234abcd@funky.example.com');
      expect(m.cseq).toEqual({ seq: 60, method: 'OPTIONS' });
      expect(m.contentLength).toBe(0);
    },
  },
  'longreq.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.via).toHaveLength(34);
      expect(m.via.slice(0, 33).map((v) => v.host)).toEqual(Array.from({ length: 33 }, (_, i) => `sip${33 - i}.example.com`));
      const last = m.via[33]!;
      expect(last.params.get('received')).toBe('192.0.2.5');
      expect(last.params.get('branch')).toBe(`very${'long'.repeat(50)}branchvalue`);
      expect(m.to.displayName).toBe(`I have a user name of ${'extreme'.repeat(10)} proportion`);
      const to = sipUri(m.to.uri);
      expect([to.user, to.host, to.port]).toEqual(['user', 'example.com', 6000]);
      expect(params(to.params)).toEqual([
        ['unknownparam1', `very${'long'.repeat(20)}value`],
        [`longparam${'name'.repeat(25)}`, 'shortvalue'],
        [`very${'long'.repeat(25)}ParameterNameWithNoValue`, null],
      ]);
      expect(sipUri(m.from.uri).user).toBe('amazinglylongcallername'.repeat(5));
      expect(tagOf(m.from)).toBe(`12${'982'.repeat(50)}424`);
      expect(tagOf(m.from)!.length).toBe(155);
      expect(m.callId).toBe(`longreq.one${'really'.repeat(20)}longcallid`);
      expect(m.cseq).toEqual({ seq: 3882340, method: 'INVITE' });
      expect(m.maxForwards).toBe(70);
      expect(sipUri((m.contacts as NameAddr[])[0]!.uri).user).toBe('amazinglylongcallername'.repeat(5));
      expect(m.contentLength).toBe(150);
      expect(m.body.length).toBe(150);
    },
  },
  'dblreq.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe('REGISTER');
      expect(m.callId).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
      expect(m.cseq).toEqual({ seq: 8, method: 'REGISTER' });
      expect(m.maxForwards).toBe(8);
      expect(addr(m.to)).toBe('sip:j.user@example.com');
      expect(tagOf(m.from)).toBe('43251j3j324');
      expect(m.contentLength).toBe(0);
      // §18.3: the 450 octets after the empty body are noise; one message, no body.
      expect(m.body.length).toBe(0);
      expect(m.toBuffer().length).toBe(300);
      expect(m.toString()).not.toContain('dblreq.0ha0isnda977644900765');
    },
  },
  'semiuri.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      const ruri = sipUri(m.uri);
      expect(decodeUser(ruri)).toBe('user;par=u@example.net');
      expect(ruri.host).toBe('example.com');
      expect(ruri.params.size).toBe(0);
      expect(m.getHeaders('Accept')).toHaveLength(6);
      expect(m.cseq).toEqual({ seq: 8, method: 'OPTIONS' });
      expect(m.maxForwards).toBe(3);
    },
  },
  'transports.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.via.map((v) => `${v.transport} ${v.host}`)).toEqual([
        'UDP t1.example.com',
        'SCTP t2.example.com',
        'TLS t3.example.com',
        'UNKNOWN t4.example.com',
        'TCP t5.example.com',
      ]);
      expect(m.callId).toBe('transports.kijh4akdnaqjkwendsasfdj');
      expect(tagOf(m.from)).toBe('323');
    },
  },
  'mpart01.dat': {
    outcome: ACCEPTED,
    // Well-formed; a UAS that only understands SDP answers 415 (§8.2.3).
    uas: { status: 415, reason: /^Unsupported Media Type: multipart\/mixed$/, headers: { Accept: 'application/sdp' } },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.method).toBe('MESSAGE');
      expect(addr({ uri: m.uri } as NameAddr)).toBe('sip:kumiko@example.org');
      const via = m.topVia!;
      expect([via.transport, via.host, via.port, via.params.get('branch'), via.params.get('rport')]).toEqual([
        'UDP',
        '127.0.0.1',
        5070,
        'z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-',
        null,
      ]);
      expect(m.routes.map(addr)).toEqual(['sip:127.0.0.1:5080']);
      expect(m.callId).toBe('3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..');
      expect(m.cseq).toEqual({ seq: 1, method: 'MESSAGE' });
      expect(tagOf(m.from)).toBe('2fb0dcc9');
      expect(m.contentType).toBe('multipart/mixed');
      expect(m.getHeader('Content-Type')).toBe('multipart/mixed;boundary=7a9cbec02ceef655');
      expect(m.body.length).toBe(553);
      expect([...m.body].filter((b) => b === 0)).toHaveLength(2);
      expect(m.body.indexOf(Buffer.from([0x30, 0x82, 0x01, 0x52]))).toBeGreaterThan(0);
      // Binary bodies survive serialization octet for octet.
      expect(parseMessage(m.toBuffer()).message?.body.equals(m.body)).toBe(true);
    },
  },
  'unreason.dat': {
    outcome: ACCEPTED,
    uac: 'accept',
    facts: (r) => {
      const m = response(r);
      expect(m.status).toBe(200);
      expect(m.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
      expect(m.via).toHaveLength(1);
      expect(m.callId).toBe('unreason.1234ksdfak3j2erwedfsASdf');
      expect(m.cseq).toEqual({ seq: 35, method: 'INVITE' });
      expect([tagOf(m.from), tagOf(m.to)]).toEqual(['11141343', '2229']);
      expect(m.body.length).toBe(154);
      expect(parseMessage(m.toBuffer()).message).toMatchObject({ reason: m.reason });
    },
  },
  'noreason.dat': {
    outcome: ACCEPTED,
    uac: 'accept',
    facts: (r) => {
      const m = response(r);
      expect([m.status, m.reason]).toEqual([100, '']);
      expect(m.callId).toBe('noreason.asndj203insdf99223ndf');
      expect([tagOf(m.from), tagOf(m.to)]).toEqual(['39ansfi3', '902jndnke3']);
      expect(m.body.length).toBe(0);
    },
  },
  'badinv01.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-via', reason: /^Empty parameter in Via$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.callId).toBe('badinv01.0ha0isndaksdjasdf3234nas');
      expect(m.cseq).toEqual({ seq: 8, method: 'INVITE' });
      expect(m.maxForwards).toBe(7);
      expect(m.body.length).toBe(152);
      // The Contact ";;;;" is found when Contact is read.
      expect(() => m.contacts).toThrow(/Empty parameter in Contact/);
    },
  },
  'clerr.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'truncated-body', reason: /^Content-Length larger than message$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.callId).toBe('clerr.0ha0isndaksdjweiafasdk3');
      expect(m.contentLength).toBe(9999);
      expect(m.body.length).toBe(154);
    },
  },
  'ncl.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-content-length', reason: /^Negative Content-Length$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.cseq).toEqual({ seq: 0, method: 'INVITE' });
      expect(m.maxForwards).toBe(254);
      expect(m.getHeader('Content-Length')).toBe('-999');
    },
  },
  'scalar02.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-cseq', reason: /^Sequence number out of range in CSeq$/ },
    facts: (r) => {
      expect(r.errors.map((e) => e.code)).toEqual(['bad-cseq', 'bad-max-forwards']);
      const m = request(r);
      expect(m.method).toBe('REGISTER');
      expect(() => m.cseq).toThrow(/out of range/);
      expect(() => m.maxForwards).toThrow(/out of range in Max-Forwards/);
      expect(m.getHeader('Expires')).toBe(`1${'0'.repeat(100)}`);
      expect(m.callId).toBe('scalar02.23o0pd9vanlq3wnrlnewofjas9ui32');
    },
  },
  'scalarlg.dat': {
    outcome: { kind: 'response-dropped', code: 'bad-cseq', reason: /^Sequence number out of range in CSeq$/ },
    uac: 'drop',
    proxyResponse: 'drop',
    facts: (r) => {
      const m = response(r);
      expect([m.status, m.reason]).toEqual([503, 'Service Unavailable']);
      expect(m.topVia?.params.get('received')).toBe('192.0.2.129');
      expect(m.callId).toBe('scalarlg.noase0of0234hn2qofoaf0232aewf2394r');
      expect(tagOf(m.from)).toBe('2easdjfejw');
      // Even without the CSeq error the response would be dropped for its other scalars.
      m.setHeader('CSeq', '1 OPTIONS');
      expect(checkResponse(m, { role: 'uac' })).toMatchObject({ action: 'drop', code: 'overlarge-value' });
      m.removeHeader('Retry-After');
      expect(checkResponse(m, { role: 'uac' })).toMatchObject({ action: 'drop', code: 'bad-warning' });
    },
  },
  'quotbal.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-to', reason: /^Unterminated quoted string in To$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.callId).toBe('quotbal.aksdj');
      expect(m.maxForwards).toBe(10);
      expect(m.topVia?.port).toBe(5050);
      expect(() => m.to).toThrow(/Unterminated quoted string in To/);
    },
  },
  'ltgtruri.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-request-uri', reason: /^Request-URI must not be enclosed in <>$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.callId).toBe('ltgtruri.1@192.0.2.5');
      expect(m.topVia?.params.has('branch')).toBe(false);
      expect(m.body.length).toBe(159);
    },
  },
  'lwsruri.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-request-uri', reason: /^Whitespace in Request-URI$/ },
    facts: (r) => {
      const m = request(r);
      expect([tagOf(m.to), tagOf(m.from)]).toEqual(['3xfe-9921883-z9f', '231413434']);
      expect(m.cseq).toEqual({ seq: 2130706432, method: 'INVITE' });
    },
  },
  'lwsstart.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-start-line', reason: /^Extra whitespace in Request-Line$/ },
    facts: (r) => {
      const m = request(r);
      // Modelled as meant, so the 400 can be built and nothing extra is forwarded.
      expect(m.startLine()).toBe('INVITE sip:user@example.com SIP/2.0');
      expect(m.cseq.seq).toBe(1893884);
    },
  },
  'trws.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-start-line', reason: /^Trailing whitespace in Request-Line$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.startLine()).toBe('OPTIONS sip:remote-target@example.com SIP/2.0');
      expect(m.topVia?.host).toBe('host1.examle.com');
      expect(m.cseq).toEqual({ seq: 238923, method: 'OPTIONS' });
    },
  },
  'escruri.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-request-uri', reason: /^Headers not allowed in Request-URI$/ },
    facts: (r) => {
      const m = request(r);
      expect(params(sipUri(m.uri).headers)).toEqual([['Route', '%3Csip:example.com%3E']]);
      expect(m.cseq.seq).toBe(149209342);
    },
  },
  'baddate.dat': {
    // RFC 4475 §3.1.2.12: an element should not reject unless Date matters to it; ours ignores it.
    outcome: ACCEPTED,
    uas: 'accept',
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.getHeader('Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
      expect(m.callId).toBe('baddate.239423mnsadf3j23lj42--sedfnm234');
    },
  },
  'regbadct.dat': {
    // Contact is parsed when read: the registrar's checks find the missing <>.
    outcome: ACCEPTED,
    uas: { status: 400, reason: /^URI with "\?" or "," must be enclosed in <> in Contact$/ },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.callId).toBe('regbadct.k345asrl3fdbv@10.0.0.1');
      expect(m.topVia?.port).toBe(5060);
    },
  },
  'badaspec.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-to', reason: /^Whitespace inside <> in To$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.from.displayName).toBe('Bell, Alexander');
      expect(tagOf(m.from)).toBe('433423');
      expect(m.cseq.seq).toBe(3923239);
    },
  },
  'baddn.dat': badDisplayName,
  'wire/baddn.dat': badDisplayName,
  'badvers.dat': {
    outcome: { kind: 'parse-error', status: 505, code: 'version-not-supported', reason: /^Version Not Supported$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.version).toBe('SIP/7.0');
      expect(m.topVia?.protocol).toBe('SIP/7.0');
      expect(tagOf(m.from)).toBe('qweoiqpe');
    },
  },
  'mismatch01.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'cseq-method-mismatch', reason: /^CSeq method does not match request method$/ },
    facts: (r) => {
      const m = request(r);
      expect([m.method, m.cseq.method]).toEqual(['OPTIONS', 'INVITE']);
    },
  },
  'mismatch02.dat': {
    // RFC 4475 §3.1.2.18: 501 is preferred for an unknown method.
    outcome: { kind: 'parse-error', status: 501, code: 'cseq-method-mismatch', reason: /^CSeq method does not match request method$/ },
    facts: (r) => {
      const m = request(r);
      expect([m.method, m.cseq.method]).toEqual(['NEWMETHOD', 'INVITE']);
      expect(m.body.length).toBe(138);
      expect(checkRequest(m, PROXY)).toMatchObject({ action: 'reject', status: 501 });
      expect(checkRequest(m, UAS)).toMatchObject({ action: 'reject', status: 501 });
    },
  },
  'bigcode.dat': {
    outcome: { kind: 'response-dropped', code: 'bad-status-code', reason: /^Bad status code 4294967301$/ },
    uac: 'drop',
    proxyResponse: 'drop',
    facts: (r) => {
      const m = response(r);
      expect(m.status).toBe(4294967301);
      expect(m.reason).toBe('better not break the receiver');
      expect(tagOf(m.to)).toBe('902jndnke3');
    },
  },
  'badbranch.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-branch', reason: /^Via branch has no transaction id after the magic cookie$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.topVia?.params.get('branch')).toBe('z9hG4bK');
      expect(m.cseq).toEqual({ seq: 8, method: 'OPTIONS' });
    },
  },
  'insuf.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'missing-from', reason: /^Missing From$/ },
    facts: (r) => {
      expect(r.errors.map((e) => e.reason)).toEqual(['Missing From', 'Missing To', 'Missing Call-ID']);
      const m = request(r);
      expect(m.cseq).toEqual({ seq: 193942, method: 'INVITE' });
      expect(m.topVia?.params.get('branch')).toBe('z9hG4bKkdj.insuf');
      expect(m.maxForwards).toBeUndefined();
      expect(m.body.length).toBe(152);
    },
  },
  'unkscm.dat': {
    outcome: ACCEPTED,
    uas: { status: 416, reason: /^Unsupported URI Scheme: nobodyknowsthisscheme$/ },
    proxy: { status: 416, reason: /^Unsupported URI Scheme/ },
    facts: (r) => {
      const m = request(r);
      expect(m.uri).toEqual({ kind: 'absolute', scheme: 'nobodyKnowsThisScheme', opaque: 'totallyopaquecontent' });
      expect(addr(m.to)).toBe('sip:user@example.com');
      expect(m.topVia?.transport).toBe('TCP');
    },
  },
  'novelsc.dat': {
    outcome: ACCEPTED,
    uas: { status: 416, reason: /^Unsupported URI Scheme: soap\.beep$/ },
    proxy: { status: 416, reason: /^Unsupported URI Scheme/ },
    facts: (r) => {
      const m = request(r);
      expect(m.uri).toEqual({ kind: 'absolute', scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
    },
  },
  'unksm2.dat': {
    outcome: ACCEPTED,
    uas: { status: 400, reason: /^To must be a SIP or SIPS URI in REGISTER$/ },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.to.uri).toEqual({ kind: 'absolute', scheme: 'isbn', opaque: '2983792873' });
      expect(tagOf(m.to)).toBeUndefined();
      expect(m.from.uri).toEqual({ kind: 'absolute', scheme: 'http', opaque: '//www.example.com' });
      expect(tagOf(m.from)).toBe('3234233');
      expect((m.contacts as NameAddr[])[0]!.uri).toEqual({ kind: 'absolute', scheme: 'name', opaque: 'John_Smith' });
    },
  },
  'bext01.dat': {
    outcome: ACCEPTED,
    uas: { status: 420, reason: /^Bad Extension/, headers: { Unsupported: 'nothingSupportsThis, nothingSupportsThisEither' } },
    proxy: { status: 420, reason: /^Bad Extension/, headers: { Unsupported: 'noProxiesSupportThis, norDoAnyProxiesSupportThis' } },
    facts: (r) => {
      const m = request(r);
      expect(m.topVia?.transport).toBe('TLS');
      expect(m.getHeaders('Require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    },
  },
  'invut.dat': {
    outcome: ACCEPTED,
    uas: { status: 415, reason: /^Unsupported Media Type: application\/unknownformat$/, headers: { Accept: 'application/sdp' } },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.contentType).toBe('application/unknownformat');
      expect(m.body.length).toBe(40);
    },
  },
  'regaut01.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.getHeader('Authorization')).toBe('NoOneKnowsThisScheme opaque-data=here');
      expect(m.contacts).toEqual([]);
      expect(m.topVia?.host).toBe('192.0.2.253');
      expect(m.contentLength).toBe(0);
      expect(m.toString()).toContain('\r\nAuthorization: NoOneKnowsThisScheme opaque-data=here\r\n');
    },
  },
  'multi01.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'duplicate-header', reason: /^Multiple From header fields$/ },
    facts: (r) => {
      expect(r.errors.map((e) => e.reason)).toEqual([
        'Multiple From header fields',
        'Multiple To header fields',
        'Multiple Call-ID header fields',
        'Multiple CSeq header fields',
        'Multiple Max-Forwards header fields',
      ]);
      const m = request(r);
      expect(m.getHeaders('Call-ID')).toEqual(['multi01.98asdh@192.0.2.1', 'multi01.98asdh@192.0.2.2']);
      expect((m.contacts as NameAddr[]).length).toBe(2);
      expect(checkRequest(m, UAS)).toMatchObject({ action: 'reject', status: 400, reason: 'Multiple Call-ID header fields' });
    },
  },
  'mcl01.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-content-length', reason: /^Multiple conflicting Content-Length values$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.getHeaders('Content-Length')).toEqual(['13', '5']);
      expect(m.contentType).toBe('text/plain');
      expect(m.maxForwards).toBe(60);
    },
  },
  'bcast.dat': {
    outcome: ACCEPTED,
    uac: 'drop',
    proxyResponse: 'drop',
    facts: (r) => {
      const m = response(r);
      expect(m.via).toHaveLength(2);
      expect(m.via[1]!.host).toBe('255.255.255.255');
      expect(m.via[1]!.params.get('branch')).toBe('z9hG4bK1saber23');
      expect([tagOf(m.from), tagOf(m.to)]).toEqual(['11141343', '2229']);
      expect(checkResponse(m, { role: 'proxy' })).toMatchObject({ code: 'broadcast-via' });
      expect(checkResponse(m, { role: 'uac' })).toMatchObject({ code: 'via-count' });
    },
  },
  'zeromf.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    proxy: { status: 483, reason: /^Too Many Hops$/ },
    facts: (r) => {
      const m = request(r);
      expect(m.maxForwards).toBe(0);
      expect(tagOf(m.from)).toBe('3ghsd41');
    },
  },
  'cparam01.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      const contact = (m.contacts as NameAddr[])[0]!;
      // RFC 4475 §3.3.12: in addr-spec form the parameter belongs to the header, not the URI.
      expect(addr(contact)).toBe('sip:+19725552222@gw1.example.net');
      expect(sipUri(contact.uri).params.size).toBe(0);
      expect(params(contact.params)).toEqual([['unknownparam', null]]);
      expect(tagOf(m.from)).toBe('DkfVgjkrtMwaerKKpe');
    },
  },
  'cparam02.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      const contact = (m.contacts as NameAddr[])[0]!;
      expect(params(sipUri(contact.uri).params)).toEqual([['unknownparam', null]]);
      expect(contact.params.size).toBe(0);
      expect(tagOf(m.from)).toBe('838293');
    },
  },
  'regescrt.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      const m = request(r);
      const contact = sipUri((m.contacts as NameAddr[])[0]!.uri);
      expect(params(contact.headers)).toEqual([['Route', '%3Csip:sip.example.com%3E']]);
      expect(decodePercent(contact.headers.get('route')!)).toBe('<sip:sip.example.com>');
      expect(tagOf(m.from)).toBe('8');
      expect(m.contentLength).toBe(0);
    },
  },
  'sdp01.dat': {
    outcome: ACCEPTED,
    uas: { status: 406, reason: /^Not Acceptable/, headers: { Accept: 'application/sdp' } },
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(m.getHeader('Accept')).toBe('text/nobodyKnowsThis');
      expect(m.contentType).toBe('application/sdp');
      expect(m.body.length).toBe(150);
    },
  },
  'inv2543.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    proxy: 'accept',
    facts: (r) => {
      const m = request(r);
      expect(hostPort(m.uri)).toBe('example.com');
      expect(m.topVia?.params.has('branch')).toBe(false);
      expect(tagOf(m.from)).toBeUndefined();
      expect(m.maxForwards).toBeUndefined();
      expect(m.contentLength).toBeUndefined();
      expect(m.body.length).toBe(105);
      const rr = m.recordRoutes[0]!;
      expect(sipUri(rr.uri).params.get('maddr')).toBe('ss1.example.com');
      // addr-spec form: ";user=phone" is a header parameter of To (RFC 3261 §20.10).
      expect(addr(m.to)).toBe('sip:+16505552222@ss1.example.net');
      expect(m.to.params.get('user')).toBe('phone');
      expect(m.callId).toBe('inv2543.1717@ift.client.example.com');
      expect(m.cseq).toEqual({ seq: 56, method: 'INVITE' });
    },
  },
  'test.dat': {
    outcome: { kind: 'no-message', code: 'bad-start-line', reason: /^Malformed Request-Line: INVITE sip:alan@jasomi\.com$/ },
  },
  'ipv6-good.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.good },
  'wire/ipv6-good.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.good },
  'ipv6-bad.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-request-uri', reason: /^IPv6 address not enclosed in \[ \] in Request-URI$/ },
    facts: ipv6.bad,
  },
  'wire/ipv6-bad.dat': {
    outcome: { kind: 'parse-error', status: 400, code: 'bad-request-uri', reason: /^IPv6 address not enclosed in \[ \] in Request-URI$/ },
    facts: ipv6.bad,
  },
  'port-ambiguous.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.portAmbiguous },
  'wire/port-ambiguous.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.portAmbiguous },
  'port-unambiguous.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.portUnambiguous },
  'wire/port-unambiguous.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.portUnambiguous },
  'via-received-param-with-delim.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.receivedWithDelim },
  'wire/via-received-param-with-delim.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.receivedWithDelim },
  'via-received-param-no-delim.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.receivedNoDelim },
  'wire/via-received-param-no-delim.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.receivedNoDelim },
  'ipv6-in-sdp.dat': {
    // Archive defect: Content-Length 268 but 242 body octets. A datagram shorter than its
    // Content-Length is a 400 (§18.3); the wire/ variant with the right length parses.
    outcome: { kind: 'parse-error', status: 400, code: 'truncated-body', reason: /^Content-Length larger than message$/ },
    facts: (r) => {
      ipv6.inSdp(r);
      expect(r.message?.body.length).toBe(242);
    },
  },
  'wire/ipv6-in-sdp.dat': {
    outcome: ACCEPTED,
    uas: 'accept',
    facts: (r) => {
      ipv6.inSdp(r);
      expect(r.message?.body.length).toBe(251);
    },
  },
  'mult-ip-in-header.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.multIpInHeader },
  'wire/mult-ip-in-header.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.multIpInHeader },
  'mult-ip-in-sdp.dat': {
    // Archive defect: Content-Length 181, 180 body octets (see ipv6-in-sdp.dat).
    outcome: { kind: 'parse-error', status: 400, code: 'truncated-body', reason: /^Content-Length larger than message$/ },
    facts: ipv6.multIpInSdp,
  },
  'wire/mult-ip-in-sdp.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.multIpInSdp },
  'ipv4-mapped-ipv6.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.v4Mapped },
  'wire/ipv4-mapped-ipv6.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.v4Mapped },
  // The archive files of §4.10 have no empty line after the headers: the datagram ends them.
  'ipv6-bug-abnf-3-colons.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.threeColons },
  'wire/ipv6-bug-abnf-3-colons.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.threeColons },
  'ipv6-correct-abnf-2-colons.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.twoColons },
  'wire/ipv6-correct-abnf-2-colons.dat': { outcome: ACCEPTED, uas: 'accept', facts: ipv6.twoColons },
};

// ---- the suite ---------------------------------------------------------------------------------------

const rows = readRows();
const files = datFiles();

describe('RFC 4475 / RFC 5118 torture messages', () => {
  it('every fixture file has a row in EXPECTED.tsv and an expected outcome here', () => {
    expect(files.length).toBeGreaterThanOrEqual(75);
    expect(files.filter((f) => !rows.has(f))).toEqual([]);
    expect(files.filter((f) => SPECS[f] === undefined)).toEqual([]);
    expect([...rows.keys()].filter((f) => !files.includes(f))).toEqual([]);
  });

  describe.each(files)('%s', (file) => {
    const row = rows.get(file);
    const spec = SPECS[file];
    const data = readFileSync(`${DIR}${file}`);

    it('is the archived octets (EXPECTED.tsv octets and sha256)', () => {
      expect(row, `no row for ${file} in EXPECTED.tsv`).toBeDefined();
      expect(data.length).toBe(row!.octets);
      expect(createHash('sha256').update(data).digest('hex')).toBe(row!.sha256);
    });

    it(`gets this stack's outcome (${spec?.outcome.kind ?? 'missing spec'}) and does not break`, () => {
      expect(spec, `no expected outcome for ${file}`).toBeDefined();
      const result = parseMessage(data);
      const outcome = spec!.outcome;
      switch (outcome.kind) {
        case 'accepted':
          expect(result.errors).toEqual([]);
          expect(result.message).toBeDefined();
          break;
        case 'parse-error': {
          const verdict = verdictForParseErrors(result.message, result.errors);
          expect(verdict).toMatchObject({ action: 'reject', status: outcome.status, code: outcome.code });
          expect((verdict as { reason: string }).reason).toMatch(outcome.reason);
          break;
        }
        case 'response-dropped': {
          const verdict = verdictForParseErrors(result.message, result.errors);
          expect(verdict).toMatchObject({ action: 'drop', code: outcome.code });
          expect((verdict as { reason: string }).reason).toMatch(outcome.reason);
          break;
        }
        case 'no-message':
          expect(result.message).toBeUndefined();
          expect(result.errors[0]?.code).toBe(outcome.code);
          expect(result.errors[0]?.reason).toMatch(outcome.reason);
          break;
      }
      // Invalid fixtures never pass as clean, and RFC-valid ones are clean unless noted above.
      if (row!.class === 'invalid' && file !== 'baddate.dat' && file !== 'regbadct.dat') expect(outcome.kind).not.toBe('accepted');
      if (row!.class === 'valid' && !['ipv6-in-sdp.dat', 'mult-ip-in-sdp.dat'].includes(file)) expect(outcome.kind).toBe('accepted');
    });

    if (spec?.facts) {
      it('has the key facts of EXPECTED.tsv', () => {
        spec.facts!(parseMessage(data));
      });
    }

    if (row && /^[0-9]+$/.test(row.contentLength) && spec?.outcome.kind !== 'no-message') {
      it('declares the Content-Length of EXPECTED.tsv', () => {
        const { message } = parseMessage(data);
        expect(message?.getHeader('Content-Length')).toBe(row.contentLength);
      });
    }

    const checks: Array<['uas' | 'proxy', Spec['uas']]> = [
      ['uas', spec?.uas],
      ['proxy', spec?.proxy],
    ];
    for (const [role, expected] of checks) {
      if (expected === undefined) continue;
      it(`request-checks as ${role}: ${typeof expected === 'string' ? expected : expected.status}`, () => {
        const result = parseMessage(data);
        expect(result.errors).toEqual([]);
        const verdict = checkRequest(request(result), role === 'uas' ? UAS : PROXY);
        if (expected === 'accept' || expected === 'drop') {
          expect(verdict.action).toBe(expected);
          return;
        }
        expect(verdict).toMatchObject({ action: 'reject', status: expected.status });
        if (verdict.action !== 'reject') return;
        expect(verdict.reason).toMatch(expected.reason);
        for (const [name, value] of Object.entries(expected.headers ?? {})) {
          expect(verdict.headers).toContainEqual({ name, value });
        }
      });
    }

    for (const [role, expected] of [['uac', spec?.uac], ['proxy', spec?.proxyResponse]] as const) {
      if (expected === undefined) continue;
      it(`response-checks as ${role}: ${expected}`, () => {
        const result = parseMessage(data);
        expect(checkResponse(response(result), { role }, result.errors).action).toBe(expected);
      });
    }

    if (spec?.outcome.kind === 'accepted') {
      it('re-serializes to a message that parses to the same fields', () => {
        const { message } = parseMessage(data);
        const again = parseMessage(message!.toBuffer());
        expect(again.errors).toEqual([]);
        const fields = message!.headerFields.map((f) => [f.name, f.value]);
        // A message without Content-Length gets one on serialization (§20.14, §18.3).
        if (!message!.hasHeader('Content-Length')) fields.push(['Content-Length', String(message!.body.length)]);
        expect(again.message!.headerFields.map((f) => [f.name, f.value])).toEqual(fields);
        expect(again.message!.body.equals(message!.body)).toBe(true);
        expect(again.message!.startLine()).toBe(message!.startLine());
      });
    }
  });
});
