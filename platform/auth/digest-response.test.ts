import { describe, expect, it } from 'vitest';
import { computeHa1 } from '../store/ha1.js';
import { parseDigestChallenge } from './digest-header.js';
import { answerDigestChallenge, computeDigestResponse, parseDigestAlgorithm } from './digest-response.js';

// RFC 7616 §3.9.1 (password "Circle of Life", lower-case o — erratum 4495).
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  method: 'GET',
  uri: '/dir/index.html',
};

describe('digest response computation', () => {
  it('matches the RFC 7616 §3.9.1 SHA-256 example', () => {
    const ha1 = computeHa1('SHA-256', RFC7616.username, RFC7616.realm, RFC7616.password);
    expect(
      computeDigestResponse({ algorithm: 'SHA-256', ha1, nonce: RFC7616.nonce, method: 'GET', uri: RFC7616.uri, qop: 'auth', nc: '00000001', cnonce: RFC7616.cnonce }),
    ).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  it('matches the RFC 7616 §3.9.1 MD5 example', () => {
    const ha1 = computeHa1('MD5', RFC7616.username, RFC7616.realm, RFC7616.password);
    expect(
      computeDigestResponse({ algorithm: 'MD5', ha1, nonce: RFC7616.nonce, method: 'GET', uri: RFC7616.uri, qop: 'auth', nc: '00000001', cnonce: RFC7616.cnonce }),
    ).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('matches the RFC 2617 §3.5 MD5 example', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        ha1,
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('answers the RFC 7616 challenge like the RFC', () => {
    const parsed = parseDigestChallenge(
      `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${RFC7616.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    );
    if (parsed.kind !== 'digest') throw new Error('challenge did not parse');
    const credentials = answerDigestChallenge({ challenge: parsed.value, ...RFC7616, nc: 1 });
    expect(credentials).toMatchObject({
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      qop: 'auth',
      nc: '00000001',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('names algorithms case-insensitively, MD5 by default, and refuses the ones it lacks', () => {
    expect(parseDigestAlgorithm(undefined)).toBe('MD5');
    expect(parseDigestAlgorithm('sha-256')).toBe('SHA-256');
    expect(parseDigestAlgorithm('SHA-512-256')).toBeUndefined();
    expect(parseDigestAlgorithm('MD5-sess')).toBeUndefined();
  });
});
