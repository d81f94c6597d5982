import { describe, expect, it } from 'vitest';
import { createParams, decodePercent, decodeUser, formatUri, parseUri, SipParseException, type SipUri } from './index.js';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  expect(uri.kind).toBe('sip');
  return uri as SipUri;
}

describe('parseUri: SIP and SIPS URIs (RFC 3261 §19.1)', () => {
  it('reads user, password, host, port, parameters and headers', () => {
    const uri = sip('sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    expect(uri.scheme).toBe('sips');
    expect([uri.user, uri.password, uri.host, uri.port, uri.hostIsIPv6]).toEqual(['alice', 'secret', 'atlanta.example.com', 5061, false]);
    expect([...uri.params.entries()]).toEqual([['transport', 'tcp'], ['lr', null]]);
    expect([...uri.headers.entries()]).toEqual([['subject', 'project%20x'], ['priority', 'urgent']]);
  });

  it('lower-cases the scheme and keeps everything else as written', () => {
    const uri = sip('SIP:Bob@Biloxi.Example.COM;Transport=UDP');
    expect(uri.scheme).toBe('sip');
    expect(uri.host).toBe('Biloxi.Example.COM');
    expect(uri.params.get('transport')).toBe('UDP');
    expect(formatUri(uri)).toBe('sip:Bob@Biloxi.Example.COM;Transport=UDP');
  });

  it('tells a parameter without value (null) from an absent one (undefined)', () => {
    const uri = sip('sip:p1.example.com;lr');
    expect(uri.params.get('lr')).toBeNull();
    expect(uri.params.get('LR')).toBeNull();
    expect(uri.params.get('maddr')).toBeUndefined();
  });

  it('accepts user parts with ";", "?", "," and "/" (user-unreserved, RFC 4475 §3.1.1.9)', () => {
    const uri = sip('sip:user;par=u%40example.net@example.com');
    expect(uri.user).toBe('user;par=u%40example.net');
    expect(decodeUser(uri)).toBe('user;par=u@example.net');
    expect(uri.params.size).toBe(0);
  });

  it('reads IPv4 addresses and IPv6 references', () => {
    expect(sip('sip:192.0.2.1:5060').host).toBe('192.0.2.1');
    const v6 = sip('sip:alice@[2001:db8::10]:5070;transport=udp');
    expect([v6.host, v6.hostIsIPv6, v6.port]).toEqual(['2001:db8::10', true, 5070]);
    expect(formatUri(v6)).toBe('sip:alice@[2001:db8::10]:5070;transport=udp');
    expect(sip('sip:[::ffff:192.0.2.2]').host).toBe('::ffff:192.0.2.2');
  });

  it('reads an IPv6 reference with the RFC 3261 ABNF three-colon bug (RFC 5118 §4.10)', () => {
    const uri = sip('sip:user@[2001:db8:::192.0.2.1]');
    expect([uri.host, uri.hostIsIPv6]).toEqual(['2001:db8:::192.0.2.1', true]);
  });

  it('rejects malformed URIs with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['sip:2001:db8::10', /IPv6 address not enclosed in \[ \]/],
      ['sip:[2001:db8::10', /Unterminated IPv6 reference/],
      ['sip:[2001:db8::zz]', /Bad IPv6 reference/],
      ['sip:alice@', /Missing host/],
      ['sip:@example.com', /Empty user part/],
      ['sip:alice@example.com:99999', /Bad port/],
      ['sip:alice@example.com;;lr', /Empty URI parameter/],
      ['sip:alice@example.com;transport=', /Empty URI parameter value/],
      ['sip:alice@exa mple.com', /Bad character/],
      ['sip:a%zzb@example.com', /Bad % escape/],
      ['sip:alice@-bad.example.com', /Bad host/],
      ['sip:alice@123', /Bad host/],
      ['1sip:alice@example.com', /Bad URI scheme/],
      ['no-colon', /Bad URI scheme|Missing URI scheme/],
      ['sip:alice@example.com?Route', /Bad URI header/],
    ];
    for (const [text, reason] of cases) {
      let error: unknown;
      try {
        parseUri(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(SipParseException);
      expect((error as SipParseException).error.reason, text).toMatch(reason);
      expect((error as SipParseException).error.status).toBe(400);
    }
  });

  it('round-trips through formatUri', () => {
    for (const text of [
      'sip:alice@atlanta.example.com',
      'sips:bob:pw@[2001:db8::1]:5061;transport=tls?Replaces=abc%40def',
      'sip:+1-212-555-1212:1234@gateway.example.com;user=phone',
      'sip:%61lice@example.com;%6C%72',
      'sip:example.com.',
      'tel:+1-201-555-0123;phone-context=example.com',
      'urn:service:sos',
      'mailto:alice@example.com',
    ]) {
      expect(formatUri(parseUri(text))).toBe(text);
    }
  });
});

describe('parseUri: tel and other schemes', () => {
  it('reads tel URIs (RFC 3966)', () => {
    const uri = parseUri('tel:+358-555-1234567;postd=pp22');
    expect(uri).toMatchObject({ kind: 'tel', scheme: 'tel', number: '+358-555-1234567' });
    expect(uri.kind === 'tel' && uri.params.get('postd')).toBe('pp22');
  });

  it('keeps other absolute URIs opaque (RFC 4475 §3.3.2, §3.3.3)', () => {
    expect(parseUri('nobodyKnowsThisScheme:totallyopaquecontent')).toEqual({
      kind: 'absolute',
      scheme: 'nobodyKnowsThisScheme',
      opaque: 'totallyopaquecontent',
    });
    expect(parseUri('soap.beep://192.0.2.103:3002')).toEqual({ kind: 'absolute', scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
  });
});

describe('%HH escapes (RFC 3261 §19.1.2)', () => {
  it('decodes once, never recursively (RFC 4475 §3.1.1.3)', () => {
    expect(decodePercent('v%61lue%25%34%31')).toBe('value%41');
    expect(decodePercent('sips%3Auser%40example.com')).toBe('sips:user@example.com');
  });

  it('keeps escaped NULs and does not merge distinct values (RFC 4475 §3.1.1.4)', () => {
    expect(decodePercent('null-%00-null')).toBe('null-\u0000-null');
    expect(decodePercent('%00')).not.toBe(decodePercent('%00%00'));
  });

  it('reads UTF-8 octets as text, and other octets one character each', () => {
    expect(decodePercent('caf%C3%A9')).toBe('café');
    expect(decodePercent('%FF%FE')).toBe('\u00ff\u00fe');
  });

  it('leaves a % that starts no escape as it is (RFC 4475 §3.1.1.5)', () => {
    expect(decodePercent('%Z%45')).toBe('%ZE');
    expect(decodePercent('100%')).toBe('100%');
  });
});

describe('createParams', () => {
  it('keeps order, compares names case-insensitively and serializes', () => {
    const params = createParams([['transport', 'tcp'], ['lr', null]]);
    params.set('TRANSPORT', 'udp');
    params.set('maddr', '239.255.255.1');
    expect(params.toString()).toBe(';transport=udp;lr;maddr=239.255.255.1');
    expect(params.delete('Lr')).toBe(true);
    expect(params.has('lr')).toBe(false);
    expect(params.size).toBe(2);
  });
});
