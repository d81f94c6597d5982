import { describe, expect, it } from 'vitest';
import { hostsEqual, normalizeHost } from './host.js';
import { parseMailto } from './mailto.js';
import { parseNameAddr } from './name-addr.js';
import { isSipUri, parseUri, type ParsedUri } from './parse-uri.js';
import { normalizeTelNumber, telNumberOf } from './tel.js';
import { urisEqual } from './uri-equal.js';

const uri = (s: string): ParsedUri => {
  const u = parseUri(s);
  if (u === null) throw new Error(s);
  return u;
};

describe('parseUri', () => {
  it('splits a SIP URI', () => {
    const u = uri('sips:alice:secret@[2001:db8::1]:05061;transport=tcp;lr?subject=hi%20there');
    expect(isSipUri(u) && { user: u.user, password: u.password, host: u.host, port: u.port, lr: u.params.get('lr'), t: u.params.get('transport'), subject: u.headers.get('subject') }).toEqual({
      user: 'alice',
      password: 'secret',
      host: '[2001:db8::1]',
      port: 5061,
      lr: null,
      t: 'tcp',
      subject: 'hi there',
    });
  });

  it('keeps telephone-subscriber parameters in the user part', () => {
    const u = uri('sip:+1-212-555-1212;isub=411@gw.example.com;user=phone');
    expect(isSipUri(u) && u.user).toBe('+1-212-555-1212;isub=411');
  });

  it('tel and other schemes', () => {
    expect(uri('tel:+1-212-555-1212;phone-context=example.com')).toMatchObject({ scheme: 'tel', number: '+1-212-555-1212' });
    expect(uri('HTTP://www.example.com/')).toMatchObject({ scheme: 'http' });
    expect(parseUri('not a uri')).toBeNull();
    expect(parseUri('sip:')).toBeNull();
    expect(parseUri('sip:a@b:port')).toBeNull();
  });
});

describe('URI equality (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string): boolean => urisEqual(uri(a), uri(b));
  it.each([
    ['sip:alice@atlanta.com', 'sip:alice@AtLanTa.CoM', true],
    ['sip:%61lice@atlanta.com', 'sip:alice@atlanta.com', true],
    ['sip:alice@atlanta.com', 'sip:ALICE@atlanta.com', false],
    ['sip:alice@atlanta.com', 'sip:alice@atlanta.com:5060', false],
    ['sip:alice@atlanta.com;transport=tcp', 'sip:alice@atlanta.com', true],
    ['sip:alice@atlanta.com;user=phone', 'sip:alice@atlanta.com', false],
    ['sip:alice@atlanta.com;maddr=239.255.255.1', 'sip:alice@atlanta.com', false],
    ['sip:alice@atlanta.com;transport=TCP', 'sip:alice@atlanta.com;transport=udp', false],
    ['sip:alice@atlanta.com?subject=x', 'sip:alice@atlanta.com', false],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com', false],
    ['sip:alice@[::1]', 'sip:alice@[0:0:0:0:0:0:0:1]', true],
    ['sip:alice@192.0.2.1', 'sip:alice@192.000.002.001', true],
    ['tel:+1-212-555-1212', 'tel:+1.212.555.1212', true],
    ['tel:+1-212-555-1212', 'tel:+1-212-555-1213', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(eq(a, b)).toBe(expected);
  });
});

describe('hosts (RFC 3880 §4.1.1)', () => {
  it('IPs compare numerically, names never equal IPs, v4 never equals v4-in-v6', () => {
    expect(hostsEqual(normalizeHost('[2001:DB8::0:1]'), normalizeHost('2001:db8:0:0:0:0:0:1'))).toBe(true);
    expect(hostsEqual(normalizeHost('192.0.2.1'), normalizeHost('::ffff:192.0.2.1'))).toBe(false);
    expect(hostsEqual(normalizeHost('localhost'), normalizeHost('127.0.0.1'))).toBe(false);
    expect(normalizeHost('::ffff:192.0.2.1').normal).toBe('0:0:0:0:0:ffff:c000:201');
  });
});

describe('telephone numbers', () => {
  it('strips visual separators but keeps +', () => {
    expect(normalizeTelNumber('+1 (212) 555-1212'.replace(/ /g, ''))).toBe('+12125551212');
    expect(normalizeTelNumber('1-900-555-abcd')).toBe('1900555ABCD');
  });

  it('needs user=phone on SIP URIs unless configured', () => {
    expect(telNumberOf(uri('sip:1-900-555-1212@gw.example.com;user=phone'))).toBe('19005551212');
    expect(telNumberOf(uri('sip:19005551212@gw.example.com'))).toBeNull();
    expect(telNumberOf(uri('sip:19005551212@gw.example.com'), true)).toBe('19005551212');
    expect(telNumberOf(uri('sip:alice@gw.example.com'), true)).toBeNull();
    expect(telNumberOf(uri('tel:1-900-555-1212'))).toBe('19005551212');
  });
});

describe('From/To values', () => {
  it.each([
    ['"Bob \\"B\\" Smith" <sip:bob@example.com>;tag=x', 'sip:bob@example.com', 'Bob "B" Smith'],
    ['Bob Smith <sip:bob@example.com>', 'sip:bob@example.com', 'Bob Smith'],
    ['<sip:bob@example.com;transport=tcp>;tag=1', 'sip:bob@example.com;transport=tcp', null],
    ['sip:bob@example.com;tag=1', 'sip:bob@example.com', null],
    ['"" <sip:bob@example.com>', 'sip:bob@example.com', null],
  ])('%s', (value, u, display) => {
    expect(parseNameAddr(value)).toEqual({ uri: u, display });
  });
});

describe('mailto', () => {
  it('keeps recipients, subject and body; drops other fields', () => {
    expect(parseMailto('mailto:mary@example.com?subject=Lookup%20failed&bcc=x@evil.example')).toEqual({ to: ['mary@example.com'], subject: 'Lookup failed', body: null, ignored: ['bcc'] });
    expect(parseMailto('mailto:?subject=x')).toBeNull();
    expect(parseMailto('http://example.com')).toBeNull();
  });
});
