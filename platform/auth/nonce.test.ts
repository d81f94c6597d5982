import { describe, expect, it } from 'vitest';
import { NonceService, generateNonceSecret } from './nonce.js';

describe('NonceService (stateless HMAC nonces)', () => {
  const secret = Buffer.alloc(32, 7);
  let now = 1_700_000_000_000;
  const service = new NonceService({ secret, clock: () => now });

  it('issues URL-safe nonces that verify as valid with their issue time', () => {
    const nonce = service.issue('example.com');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{75}$/);
    expect(service.check(nonce, 'example.com')).toEqual({ status: 'valid', issuedAt: now });
    expect(service.issue('example.com')).not.toBe(nonce);
  });

  it('reports a nonce older than the lifetime (default 300 s) as stale', () => {
    const issuedAt = now;
    const nonce = service.issue('example.com');
    now += 300_000;
    expect(service.check(nonce, 'example.com').status).toBe('valid');
    now += 1;
    expect(service.check(nonce, 'example.com')).toEqual({ status: 'stale', issuedAt });
  });

  it('rejects a tampered nonce as invalid', () => {
    const nonce = service.issue('example.com');
    for (const index of [0, 5, 20, 74]) {
      const flipped = nonce[index] === 'A' ? 'B' : 'A';
      expect(service.check(nonce.slice(0, index) + flipped + nonce.slice(index + 1), 'example.com')).toEqual({ status: 'invalid' });
    }
    expect(service.check(nonce.slice(1), 'example.com')).toEqual({ status: 'invalid' });
    expect(service.check(`${nonce}A`, 'example.com')).toEqual({ status: 'invalid' });
    expect(service.check('not a nonce', 'example.com')).toEqual({ status: 'invalid' });
  });

  it('binds the nonce to its realm', () => {
    expect(service.check(service.issue('example.com'), 'example.org')).toEqual({ status: 'invalid' });
  });

  it('does not accept nonces of another secret, unless it is listed as a previous one', () => {
    const other = new NonceService({ secret: generateNonceSecret(), clock: () => now });
    const foreign = other.issue('example.com');
    expect(service.check(foreign, 'example.com')).toEqual({ status: 'invalid' });
    const rotated = new NonceService({ secret: generateNonceSecret(), previousSecrets: [secret], clock: () => now });
    expect(rotated.check(service.issue('example.com'), 'example.com').status).toBe('valid');
  });

  it('treats a nonce from well in the future (clock stepped back) as stale', () => {
    const future = new NonceService({ secret, clock: () => now + 120_000 }).issue('example.com');
    expect(service.check(future, 'example.com').status).toBe('stale');
  });

  it('refuses short secrets', () => {
    expect(() => new NonceService({ secret: Buffer.alloc(16) })).toThrow(/32 bytes/);
  });
});
