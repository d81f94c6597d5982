import { describe, expect, it } from 'vitest';
import { addressFamily, bindReaches, formatHostPort, isLoopback, isWildcard, localAddressFor, normalizeAddress, sameAddress } from './address.js';

describe('address helpers (RFC 5118)', () => {
  it('compares IPv6 text forms by value and IPv4-mapped addresses as IPv4', () => {
    expect(sameAddress('::1', '0:0:0:0:0:0:0:1')).toBe(true);
    expect(sameAddress('[2001:DB8::9]', '2001:db8:0:0:0:0:0:9')).toBe(true);
    expect(sameAddress('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(normalizeAddress('::FFFF:7f00:1')).toBe('127.0.0.1');
    expect(sameAddress('Client.Example.COM', 'client.example.com')).toBe(true);
    expect(sameAddress('192.0.2.1', '192.0.2.2')).toBe(false);
  });

  it('classifies families, wildcards and loopback', () => {
    expect(addressFamily('10.0.0.1')).toBe(4);
    expect(addressFamily('::ffff:10.0.0.1')).toBe(4);
    expect(addressFamily('fe80::1')).toBe(6);
    expect(addressFamily('example.com')).toBe(0);
    expect(['', '0.0.0.0', '::', '0:0::0'].map(isWildcard)).toEqual([true, true, true, true]);
    expect(isWildcard('127.0.0.1')).toBe(false);
    expect(['127.0.0.1', '127.1.2.3', '::1', '10.0.0.1'].map(isLoopback)).toEqual([true, true, true, false]);
  });

  it('knows which bind addresses reach which family, and picks loopback towards loopback', () => {
    expect(bindReaches('::', 4)).toBe(true);
    expect(bindReaches('0.0.0.0', 6)).toBe(false);
    expect(bindReaches('::1', 6)).toBe(true);
    expect(localAddressFor(4, '127.0.0.1')).toBe('127.0.0.1');
    expect(localAddressFor(6, '::1')).toBe('::1');
    expect(addressFamily(localAddressFor(4, '192.0.2.1'))).toBe(4);
  });

  it('brackets IPv6 in host:port', () => {
    expect(formatHostPort('::1', 5060)).toBe('[::1]:5060');
    expect(formatHostPort('127.0.0.1', 5060)).toBe('127.0.0.1:5060');
  });
});
