import { describe, expect, it } from 'vitest';
import {
  createParams,
  createRequest,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  MAGIC_COOKIE,
  parseMessage,
  reasonPhrase,
  SipParseException,
  tagOf,
  type SipRequest,
  type SipResponse,
  type Via,
} from './index.js';

const SDP = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n';

function invite(extra = '', body = SDP): Buffer {
  return Buffer.from(
    'INVITE sip:bob@biloxi.example.com SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKfirst\r\n' +
      'Max-Forwards: 70\r\n' +
      'To: Bob <sip:bob@biloxi.example.com>\r\n' +
      'From: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
      'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
      'CSeq: 314159 INVITE\r\n' +
      'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
      extra +
      'Content-Type: application/sdp\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function parse(data: Buffer): SipRequest {
  const { message, errors } = parseMessage(data);
  expect(errors).toEqual([]);
  return message as SipRequest;
}

function via(host: string, branch: string): Via {
  return { protocol: 'SIP/2.0', transport: 'UDP', host, hostIsIPv6: false, port: undefined, params: createParams([['branch', branch]]) };
}

describe('parseMessage: header fields (RFC 3261 §7.3)', () => {
  it('keeps fields in wire order with names as written; lookups ignore case and know compact forms', () => {
    const m = parse(invite('v: SIP/2.0/TCP third.example.com;branch=z9hG4bK3\r\nX-Custom: One\r\nx-custom: Two\r\n'));
    expect(m.headerFields.map((f) => f.name)).toEqual([
      'Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'v', 'X-Custom', 'x-custom', 'Content-Type', 'Content-Length',
    ]);
    expect(m.getHeader('VIA')).toBe(m.getHeader('v'));
    expect(m.getHeaders('Via')).toHaveLength(3);
    expect(m.via.map((v) => v.host)).toEqual(['pc33.atlanta.example.com', '192.0.2.9', 'third.example.com']);
    expect(m.getHeaders('X-CUSTOM')).toEqual(['One', 'Two']);
    expect(m.getHeader('i')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.hasHeader('Subject')).toBe(false);
  });

  it('unfolds continuation lines into one space and trims only SP/HTAB', () => {
    const m = parse(invite('Subject: first line \r\n\t second line\r\n  third\r\nX-Bom: \ufeffvalue\r\n'));
    expect(m.getHeader('Subject')).toBe('first line second line third');
    expect(m.getHeader('X-Bom')).toBe('\ufeffvalue');
  });

  it('splits comma lists only at the top level, never inside quotes or <>', () => {
    const m = parse(
      invite('Route: <sip:p1.example.com;lr>, "Proxy, two" <sip:p2.example.com;lr>;x="a,b"\r\nWarning: 399 host "a, b", 399 host2 "c"\r\nDate: Sat, 13 Nov 2010 23:29:00 GMT\r\n'),
    );
    expect(m.getHeaders('Route')).toEqual(['<sip:p1.example.com;lr>', '"Proxy, two" <sip:p2.example.com;lr>;x="a,b"']);
    expect(m.routes.map((r) => r.displayName)).toEqual([undefined, 'Proxy, two']);
    expect(m.getHeaders('Warning')).toEqual(['399 host "a, b"', '399 host2 "c"']);
    // Date is not a list: its comma stays.
    expect(m.getHeaders('Date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
  });

  it('reads the typed views', () => {
    const m = parse(invite());
    expect(m.method).toBe('INVITE');
    expect(m.topVia?.params.get('branch')).toBe('z9hG4bK776asdhds');
    expect(m.from.displayName).toBe('Alice, A.');
    expect(tagOf(m.from)).toBe('1928301774');
    expect(m.to.displayName).toBe('Bob');
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.maxForwards).toBe(70);
    expect(m.contentType).toBe('application/sdp');
    expect(m.contentLength).toBe(SDP.length);
    expect(m.body.toString()).toBe(SDP);
    expect(m.recordRoutes).toEqual([]);
  });

  it('reads Contact: * (§10.2.2)', () => {
    const m = parse(Buffer.from(invite().toString().replace('Contact: <sip:alice@pc33.atlanta.example.com>', 'Contact: *')));
    expect(m.contacts).toBe('*');
  });

  it('checks the top Via sent-by at parse time, and leaves the URI grammar of From to its getter', () => {
    const badVia = parseMessage(Buffer.from(invite().toString().replace('pc33.atlanta.example.com;branch', 'pc33_atlanta;branch')));
    expect(badVia.errors).toEqual([{ code: 'bad-via', status: 400, reason: 'Bad character after sent-by in Via' }]);
    // From is shape-checked (quotes, <>, display name) here and parsed in full when read.
    const badFrom = parseMessage(Buffer.from(invite().toString().replace('<sip:alice@atlanta.example.com>', '<sip:alice@atlanta$example.com>')));
    expect(badFrom.errors).toEqual([]);
    expect(() => badFrom.message!.from).toThrow(/Bad character after URI host in From/);
  });

  it('parses other headers only when read, then reports their faults as SipParseException', () => {
    const { message, errors } = parseMessage(invite('Record-Route: <sip:p1.example.com;lr\r\n'));
    expect(errors).toEqual([]);
    let error: unknown;
    try {
      void message!.recordRoutes;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SipParseException);
    expect((error as SipParseException).error).toEqual({ code: 'bad-record-route', status: 400, reason: 'Missing > after URI in Record-Route' });
  });
});

describe('parseMessage: datagrams (RFC 3261 §18.3)', () => {
  it('takes Content-Length octets as the body and ignores what follows', () => {
    const data = Buffer.concat([invite('', 'abc'), Buffer.from('garbage after the body')]);
    const m = parse(data);
    expect(m.body.toString()).toBe('abc');
  });

  it('takes the rest of the datagram as the body when Content-Length is absent', () => {
    const data = Buffer.from(invite('', 'abc').toString().replace('Content-Length: 3\r\n', ''));
    const m = parse(data);
    expect(m.body.toString()).toBe('abc');
    expect(m.contentLength).toBeUndefined();
    expect(m.toString()).toContain('\r\nContent-Length: 3\r\n\r\nabc');
  });

  it('answers 400 when Content-Length is larger than the datagram, non-numeric or negative', () => {
    const short = parseMessage(Buffer.from(invite('', 'abc').toString().replace('Content-Length: 3', 'Content-Length: 30')));
    expect(short.errors).toEqual([{ code: 'truncated-body', status: 400, reason: 'Content-Length larger than message' }]);
    const five = parseMessage(Buffer.from(invite('', 'abc').toString().replace('Content-Length: 3', 'Content-Length: five')));
    expect(five.errors).toEqual([{ code: 'bad-content-length', status: 400, reason: 'Bad Content-Length: five' }]);
  });

  it('ignores CRLFs before the start line (§7.5) and accepts bare LF line ends', () => {
    expect(parse(Buffer.concat([Buffer.from('\r\n\r\n'), invite()])).method).toBe('INVITE');
    const lf = parse(Buffer.from(invite('', 'abc').toString().replace(/\r\n/g, '\n')));
    expect(lf.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(lf.body.toString()).toBe('abc');
  });

  it('decodes UTF-8 header values and keeps binary bodies as octets', () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]);
    const head = invite('Subject: Grüße ☎\r\n', 'x'.repeat(body.length)).subarray(0, -body.length);
    const data = Buffer.concat([head, body]);
    const m = parse(data);
    expect(m.getHeader('Subject')).toBe('Grüße ☎');
    expect(m.body.equals(body)).toBe(true);
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('reports a bad version as 505 and keeps the message so it can be answered', () => {
    const { message, errors } = parseMessage(Buffer.from(invite().toString().replace('INVITE sip:bob@biloxi.example.com SIP/2.0', 'INVITE sip:bob@biloxi.example.com SIP/3.0')));
    expect(errors).toEqual([{ code: 'version-not-supported', status: 505, reason: 'Version Not Supported' }]);
    expect(message?.version).toBe('SIP/3.0');
  });

  it('returns no message for data that is not SIP', () => {
    for (const text of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', '\r\n\r\n', '\x16\x03\x01\x02\x00']) {
      const result = parseMessage(Buffer.from(text, 'latin1'));
      expect(result.message).toBeUndefined();
      expect(result.errors).toMatchObject([{ code: 'bad-start-line', status: 400 }]);
    }
    expect(parseMessage(Buffer.alloc(0)).message).toBeUndefined();
  });

  it('names a malformed header line', () => {
    const { errors } = parseMessage(invite('This line has no colon\r\n'));
    expect(errors).toEqual([{ code: 'bad-header-line', status: 400, reason: 'Malformed header line: This line has no colon' }]);
  });

  it('reads responses, with an empty reason phrase too', () => {
    const { message, errors } = parseMessage(
      Buffer.from(
        'SIP/2.0 180 \r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\nTo: <sip:b@example.com>;tag=x\r\n' +
          'From: <sip:a@example.com>;tag=y\r\nCall-ID: 1@a\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    expect(errors).toEqual([]);
    const response = message as SipResponse;
    expect([response.kind, response.status, response.reason]).toEqual(['response', 180, '']);
  });
});

describe('editing and serializing (RFC 3261 §7)', () => {
  it('serializes an unchanged message to the octets received', () => {
    const data = invite();
    expect(parse(data).toBuffer().equals(data)).toBe(true);
    expect(parse(data).toString()).toBe(data.toString());
  });

  it('writes names as received, values unfolded, and a correct Content-Length', () => {
    const data = Buffer.from(
      'OPTIONS sip:bob@example.com SIP/2.0\r\nvia :  SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\nTo: <sip:bob@example.com>\r\n' +
        'From: <sip:a@example.com>;tag=1\r\nCall-ID: 1@a\r\nCSeq: 1\r\n  OPTIONS\r\nl: 99\r\nContent-Length: 99\r\n\r\n',
    );
    const { message } = parseMessage(data);
    expect(message!.toString()).toBe(
      'OPTIONS sip:bob@example.com SIP/2.0\r\nvia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\nTo: <sip:bob@example.com>\r\n' +
        'From: <sip:a@example.com>;tag=1\r\nCall-ID: 1@a\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n',
    );
    expect(message!.toBuffer().toString()).toBe(message!.toString());
  });

  it('keeps Content-Length right when the body changes', () => {
    const m = parse(invite());
    m.body = Buffer.from('new body');
    const again = parse(m.toBuffer());
    expect(again.body.toString()).toBe('new body');
    expect(again.contentLength).toBe(8);
  });

  it('setHeader replaces all fields of a name at the first position; add and remove', () => {
    const m = parse(invite('Supported: timer\r\nSupported: 100rel\r\n'));
    m.setHeader('supported', 'replaces');
    expect(m.getHeaders('Supported')).toEqual(['replaces']);
    expect(m.headerFields.findIndex((f) => f.name === 'supported')).toBe(7);
    m.addHeader('Route', '<sip:first.example.com;lr>', 'first');
    m.addHeader('Route', '<sip:last.example.com;lr>');
    expect(m.headerFields[0]).toMatchObject({ name: 'Route', value: '<sip:first.example.com;lr>' });
    expect(m.routes).toHaveLength(2);
    expect(m.removeHeader('route')).toBe(2);
    expect(m.routes).toEqual([]);
    expect(parse(m.toBuffer()).getHeaders('Supported')).toEqual(['replaces']);
  });

  it('drops the typed caches when the header changes', () => {
    const m = parse(invite());
    expect(m.maxForwards).toBe(70);
    m.setHeader('Max-Forwards', '69');
    expect(m.maxForwards).toBe(69);
    expect(m.cseq.seq).toBe(314159);
    m.setHeader('CSeq', '314160 INVITE');
    expect(m.cseq.seq).toBe(314160);
    expect(tagOf(m.to)).toBeUndefined();
    m.setHeader('To', '<sip:bob@biloxi.example.com>;tag=abc');
    expect(tagOf(m.to)).toBe('abc');
  });

  it('pushVia, setTopVia and popVia keep the raw fields in sync, also inside a comma list', () => {
    const m = parse(invite());
    m.pushVia(via('proxy.example.com', 'z9hG4bKproxy'));
    expect(m.headerFields[0]).toMatchObject({ name: 'Via', value: 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy' });
    expect(m.via.map((v) => v.host)).toEqual(['proxy.example.com', 'pc33.atlanta.example.com', '192.0.2.9']);
    expect(m.popVia()?.host).toBe('proxy.example.com');

    const top = m.topVia!;
    top.params.set('received', '192.0.2.200');
    top.params.set('rport', '5062');
    m.setTopVia(top);
    expect(m.getHeader('Via')).toBe(
      'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.200;rport=5062, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKfirst',
    );
    expect(m.popVia()?.params.get('received')).toBe('192.0.2.200');
    expect(m.getHeader('Via')).toBe('SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKfirst');
    expect(parse(m.toBuffer()).via.map((v) => v.host)).toEqual(['192.0.2.9']);
  });

  it('reads the whole Via list from the top Via already parsed plus the values after it', () => {
    const text = (vias: string[]): Buffer =>
      Buffer.from(
        `OPTIONS sip:bob@example.com SIP/2.0\r\n${vias.map((v) => `Via: ${v}\r\n`).join('')}Max-Forwards: 70\r\n` +
          'To: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: 1@a\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      );
    const lines = ['SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/TCP b.example.com:5070;branch=z9hG4bKb', 'SIP/2.0/UDP c.example.com;branch=z9hG4bKc'];
    const fresh = parse(text(lines)).via;
    const m = parse(text(lines));
    const top = m.topVia;
    expect(m.via).toEqual(fresh);
    expect(m.via[0]).toBe(top);
    expect(m.via.map((v) => v.host)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    // A top Via written by setTopVia (list not read yet) heads the list, the rest as received.
    const stamped = parse(text(lines));
    const copy = { ...stamped.topVia!, params: createParams([['branch', 'z9hG4bKa'], ['received', '192.0.2.1']]) };
    stamped.setTopVia(copy);
    expect(stamped.via[0]).toBe(copy);
    expect(stamped.via.map((v) => v.host)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(parse(stamped.toBuffer()).via).toEqual(stamped.via);
  });

  it('re-serializes the Request-URI once it has been handed out', () => {
    const m = parse(invite());
    if (m.uri.kind === 'sip') m.uri.host = 'changed.example.com';
    expect(m.toBuffer().toString().split('\r\n')[0]).toBe('INVITE sip:bob@changed.example.com SIP/2.0');
    m.method = 'OPTIONS';
    expect(m.startLine()).toBe('OPTIONS sip:bob@changed.example.com SIP/2.0');
  });

  it('clone is a deep copy of fields and start line', () => {
    const m = parse(invite());
    const copy = m.clone();
    copy.setHeader('Max-Forwards', '10');
    copy.pushVia(via('p.example.com', 'z9hG4bKc'));
    if (copy.uri.kind === 'sip') copy.uri.user = 'carol';
    expect(m.maxForwards).toBe(70);
    expect(m.via).toHaveLength(2);
    expect(m.toBuffer().equals(invite())).toBe(true);
    expect(copy.toString()).toContain('INVITE sip:carol@biloxi.example.com SIP/2.0\r\nVia: SIP/2.0/UDP p.example.com;branch=z9hG4bKc\r\n');
    expect(copy.kind).toBe('request');
  });
});

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via, From, To, Call-ID and CSeq, and adds the To tag', () => {
    const request = parse(invite('Timestamp: 54\r\n'));
    const response = createResponse(request, 486, undefined, { toTag: 'b0b' });
    expect([response.status, response.reason]).toEqual([486, 'Busy Here']);
    expect(response.headerFields.map((f) => f.name)).toEqual(['Via', 'To', 'From', 'Call-ID', 'CSeq']);
    expect(response.getHeader('To')).toBe('Bob <sip:bob@biloxi.example.com>;tag=b0b');
    expect(response.via).toHaveLength(2);
    expect(response.toString()).toContain('\r\nContent-Length: 0\r\n\r\n');
  });

  it('does not add a tag to a To that has one, and copies Timestamp into 100 Trying', () => {
    const withTag = parse(Buffer.from(invite('Timestamp: 54 0.5\r\n').toString().replace('To: Bob <sip:bob@biloxi.example.com>', 'To: <sip:bob@biloxi.example.com>;tag=old')));
    const trying = createResponse(withTag, 100, undefined, { toTag: 'new' });
    expect(trying.getHeader('To')).toBe('<sip:bob@biloxi.example.com>;tag=old');
    expect(trying.getHeader('Timestamp')).toBe('54 0.5');
    expect(createResponse(withTag, 180).hasHeader('Timestamp')).toBe(false);
  });

  it('adds headers, a body and its Content-Type', () => {
    const request = parse(invite());
    const response = createResponse(request, 200, 'Fine', { toTag: 't', headers: [{ name: 'Contact', value: '<sip:bob@192.0.2.4>' }], body: SDP, contentType: 'application/sdp' });
    const again = parseMessage(response.toBuffer());
    expect(again.errors).toEqual([]);
    const parsed = again.message as SipResponse;
    expect([parsed.status, parsed.reason, parsed.contentType, parsed.body.toString()]).toEqual([200, 'Fine', 'application/sdp', SDP]);
    expect(parsed.getHeader('Contact')).toBe('<sip:bob@192.0.2.4>');
  });
});

describe('createRequest and identifiers', () => {
  it('builds a request that serializes with Content-Length', () => {
    const request = createRequest({
      method: 'OPTIONS',
      uri: 'sip:bob@example.com',
      headers: [
        { name: 'Via', value: `SIP/2.0/UDP 192.0.2.1;branch=${generateBranch()}` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'To', value: '<sip:bob@example.com>' },
        { name: 'From', value: `<sip:alice@example.com>;tag=${generateTag()}` },
        { name: 'Call-ID', value: generateCallId('example.com') },
        { name: 'CSeq', value: '1 OPTIONS' },
      ],
      body: 'hi',
    });
    const { message, errors } = parseMessage(request.toBuffer());
    expect(errors).toEqual([]);
    expect(message?.contentLength).toBe(2);
    expect(request.uri).toMatchObject({ kind: 'sip', user: 'bob', host: 'example.com' });
  });

  it('generates unique branches with the magic cookie, tags and Call-IDs', () => {
    const branches = new Set(Array.from({ length: 1000 }, generateBranch));
    expect(branches.size).toBe(1000);
    for (const branch of branches) expect(branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length + 16).toBe(true);
    expect(generateTag()).toMatch(/^[0-9a-zA-Z]{12}$/);
    expect(generateCallId('host.example.com')).toMatch(/^[0-9a-zA-Z]{22}@host\.example\.com$/);
  });

  it('knows the reason phrases', () => {
    expect(reasonPhrase(200)).toBe('OK');
    expect(reasonPhrase(416)).toBe('Unsupported URI Scheme');
    expect(reasonPhrase(505)).toBe('Version Not Supported');
    expect(reasonPhrase(799)).toBe('');
  });
});
