import { describe, expect, it } from 'vitest';
import { contactKey, contactUrisEquivalent, parseComparableSipUri } from './contact-uri.js';

// RFC 3261 §19.1.4, the RFC's own example sets.
const EQUIVALENT: Array<[string, string]> = [
  ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
  ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
  [
    'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
    'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
  ],
  ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
];

const NOT_EQUIVALENT: Array<[string, string, string]> = [
  ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different usernames'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'can resolve to different ports'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'can resolve to different transports'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'different port and transport'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'different header component'],
  ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', 'a name does not match its address'],
  ['sip:alice@atlanta.com', 'sips:alice@atlanta.com', 'sip and sips never match'],
  ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;newparam=6', 'a parameter in both must match'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;maddr=239.255.255.1', 'maddr in one only'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;user=phone', 'user= in one only'],
  ['sip:alice:secret@atlanta.com', 'sip:alice@atlanta.com', 'password is part of userinfo'],
  ['sip:atlanta.com', 'sip:alice@atlanta.com', 'a URI without user never matches one with'],
];

describe('contact URI comparison (RFC 3261 §19.1.4)', () => {
  it.each(EQUIVALENT)('%s ≡ %s', (a, b) => {
    expect(contactUrisEquivalent(a, b)).toBe(true);
    expect(contactUrisEquivalent(b, a)).toBe(true);
    expect(contactKey(a)).toBe(contactKey(b));
  });

  it.each(NOT_EQUIVALENT)('%s ≢ %s (%s)', (a, b) => {
    expect(contactUrisEquivalent(a, b)).toBe(false);
    expect(contactUrisEquivalent(b, a)).toBe(false);
  });

  it('writes IPv6 references in one canonical form', () => {
    expect(contactUrisEquivalent('sip:a@[2001:DB8:0:0::1]:5060', 'sip:a@[2001:db8::1]:5060')).toBe(true);
    expect(parseComparableSipUri('sip:a@[2001:DB8::1]')?.host).toBe('[2001:db8::1]');
  });

  it('keeps reserved characters escaped: %3B is not a parameter separator', () => {
    expect(contactUrisEquivalent('sip:a%3Bb@host', 'sip:a;b@host')).toBe(false);
    expect(parseComparableSipUri('sip:a%3bb@host')?.user).toBe('a%3Bb');
  });

  it('keeps parameters without value apart from empty ones', () => {
    const parsed = parseComparableSipUri('sip:host;lr;ob=');
    expect(parsed?.params.get('lr')).toBeNull();
    expect(parsed?.params.get('ob')).toBe('');
  });

  it('compares other schemes and unparseable SIP URIs as exact strings', () => {
    expect(contactUrisEquivalent('TEL:+1-212-555-0101', 'tel:+1-212-555-0101')).toBe(true);
    expect(contactUrisEquivalent('tel:+1-212-555-0101', 'tel:+1-212-555-0102')).toBe(false);
    expect(parseComparableSipUri('sip:a@host:99999')).toBeUndefined();
    expect(parseComparableSipUri('sip:a@[::1')).toBeUndefined();
    expect(parseComparableSipUri('sip:a%zz@host')).toBeUndefined();
    expect(contactUrisEquivalent('sip:a@host:99999', 'sip:a@host:99999')).toBe(true);
    expect(contactUrisEquivalent('sip:a@host:99999', 'sip:a@HOST:99999')).toBe(false);
  });
});
