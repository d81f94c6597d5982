import { describe, expect, it } from 'vitest';
import { branchOf, createParams, formatVia, parseVia, SipParseException } from './index.js';

describe('parseVia (RFC 3261 §20.42)', () => {
  it('reads sent-protocol, sent-by and the via-params', () => {
    const [via] = parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;ttl=16;maddr=239.255.255.1');
    expect(via).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: 'pc33.atlanta.example.com', hostIsIPv6: false, port: 5066 });
    expect(branchOf(via!)).toBe('z9hG4bK776asdhds');
    expect(via!.params.get('received')).toBe('192.0.2.1');
    expect(via!.params.get('ttl')).toBe('16');
    expect(via!.params.get('maddr')).toBe('239.255.255.1');
  });

  it('tells rport without a value from an absent rport (RFC 3581)', () => {
    const [asked] = parseVia('SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa');
    const [filled] = parseVia('SIP/2.0/UDP 192.0.2.1;rport=5070;branch=z9hG4bKa');
    const [none] = parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa');
    expect(asked!.params.get('rport')).toBeNull();
    expect(filled!.params.get('rport')).toBe('5070');
    expect(none!.params.get('rport')).toBeUndefined();
  });

  it('allows LWS inside sent-protocol and around ":" , ";" and "=" (RFC 4475 §3.1.1.1)', () => {
    const vias = parseVia('SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239');
    expect(vias[0]).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: '192.168.255.111' });
    expect(branchOf(vias[0]!)).toBe('z9hG4bK30239');
    expect(parseVia('SIP/2.0/TCP host.example.com : 5060')[0]!.port).toBe(5060);
  });

  it('splits comma lists and upper-cases the transport', () => {
    const vias = parseVia('SIP/2.0/tcp a.example.com;branch=z9hG4bK1, SIP/2.0/UNKNOWN b.example.com;branch=z9hG4bK2');
    expect(vias.map((v) => `${v.transport} ${v.host}`)).toEqual(['TCP a.example.com', 'UNKNOWN b.example.com']);
  });

  it('reads IPv6 sent-by and received with or without [ ] (RFC 5118 §4.5)', () => {
    const [v] = parseVia('SIP/2.0/UDP [2001:db8::9:1]:6050;received=[2001:db8::9:255];branch=z9hG4bKas3');
    expect([v!.host, v!.hostIsIPv6, v!.port]).toEqual(['2001:db8::9:1', true, 6050]);
    expect(v!.params.get('received')).toBe('[2001:db8::9:255]');
    expect(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255')[0]!.params.get('received')).toBe('2001:db8::9:255');
  });

  it('rejects malformed values with the fault', () => {
    const cases: Array<[string, RegExp]> = [
      ['SIP/2.0/UDP 192.0.2.15;;,;,,', /Empty parameter in Via/],
      ['SIP/2.0/UDP', /Missing sent-by in Via/],
      ['SIP/2.0 192.0.2.1', /Bad sent-protocol in Via/],
      ['SIP/2.0/UDP 192.0.2.1;branch', /Empty branch in Via/],
      ['SIP/2.0/UDP 192.0.2.1;ttl=256', /Bad ttl in Via/],
      ['SIP/2.0/UDP 192.0.2.1;rport=70000', /Bad rport in Via/],
      ['SIP/2.0/UDP 192.0.2.1;received=host.example.com', /Bad received in Via/],
      ['SIP/2.0/UDP 192.0.2.1:99999', /Bad port in Via/],
      ['SIP/2.0/UDP a.example.com, ', /Empty value in Via/],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseVia(text), text).toThrow(SipParseException);
      expect(() => parseVia(text), text).toThrow(reason);
    }
  });
});

describe('formatVia', () => {
  it('writes the canonical form and round-trips', () => {
    const via = {
      protocol: 'SIP/2.0',
      transport: 'TLS',
      host: '2001:db8::1',
      hostIsIPv6: true,
      port: 5061,
      params: createParams([['branch', 'z9hG4bKx'], ['rport', null]]),
    };
    const text = formatVia(via);
    expect(text).toBe('SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx;rport');
    expect(formatVia(parseVia(text)[0]!)).toBe(text);
  });
});
