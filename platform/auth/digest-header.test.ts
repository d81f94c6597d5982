import { describe, expect, it } from 'vitest';
import {
  formatDigestChallenge,
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
} from './digest-header.js';

describe('Digest challenges', () => {
  it('parses the RFC 3261 §25.1 example challenge', () => {
    const parsed = parseDigestChallenge(
      'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    );
    expect(parsed).toEqual({
      kind: 'digest',
      value: {
        realm: 'atlanta.com',
        domain: 'sip:boxesbybob.com',
        qop: ['auth'],
        nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
        opaque: '',
        stale: false,
        algorithm: 'MD5',
      },
    });
  });

  it('splits qop-options and reads stale=TRUE case-insensitively', () => {
    const parsed = parseDigestChallenge('Digest realm="r", nonce="n", qop="auth, auth-int", stale=TRUE');
    expect(parsed.kind === 'digest' && parsed.value).toMatchObject({ qop: ['auth', 'auth-int'], stale: true });
  });

  it('writes quoted and token directives as the grammar says, and reads them back', () => {
    const challenge = { realm: 'example.com', nonce: 'abc', algorithm: 'SHA-256', qop: ['auth'], stale: true };
    const text = formatDigestChallenge(challenge);
    expect(text).toBe('Digest realm="example.com", nonce="abc", stale=true, algorithm=SHA-256, qop="auth"');
    expect(parseDigestChallenge(text)).toEqual({ kind: 'digest', value: challenge });
  });

  it('requires realm and nonce', () => {
    expect(parseDigestChallenge('Digest nonce="n"')).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/realm/) });
    expect(parseDigestChallenge('Digest realm="r"')).toMatchObject({ kind: 'malformed', error: expect.stringMatching(/nonce/) });
  });
});

describe('Digest credentials', () => {
  const rfc7616 =
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, ' +
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", ' +
    'qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

  it('parses the RFC 7616 §3.9.1 Authorization value', () => {
    expect(parseDigestCredentials(rfc7616)).toEqual({
      kind: 'digest',
      value: {
        username: 'Mufasa',
        realm: 'http-auth@example.org',
        uri: '/dir/index.html',
        algorithm: 'SHA-256',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        nc: '00000001',
        cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
        qop: 'auth',
        response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      },
    });
  });

  it('keeps unknown parameters and accepts quoted qop/nc/algorithm from lenient clients', () => {
    const parsed = parseDigestCredentials(
      'Digest username="bob", realm="r", nonce="n", uri="sip:r", response="x", qop="auth", nc="00000002", algorithm="MD5", x-vendor="1"',
    );
    expect(parsed.kind === 'digest' && parsed.value).toMatchObject({
      qop: 'auth',
      nc: '00000002',
      algorithm: 'MD5',
      otherParams: [{ name: 'x-vendor', value: '1', quoted: true }],
    });
  });

  it('reports a directive given twice and missing required ones as malformed', () => {
    expect(parseDigestCredentials('Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x"').kind).toBe(
      'malformed',
    );
    expect(parseDigestCredentials('Digest username="a", realm="r", nonce="n", uri="u"')).toMatchObject({
      kind: 'malformed',
      error: expect.stringMatching(/response/),
    });
  });

  it('reports other schemes as such', () => {
    expect(parseDigestCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toMatchObject({ kind: 'other', scheme: 'Basic' });
    expect(parseDigestCredentials('Digest abc==')).toMatchObject({ kind: 'malformed' });
  });

  it('formats credentials that parse back to the same value', () => {
    const credentials = {
      username: 'al"ice',
      realm: 'example.com',
      nonce: 'n',
      uri: 'sip:example.com',
      response: '0'.repeat(64),
      algorithm: 'SHA-256',
      cnonce: 'c',
      qop: 'auth',
      nc: '00000001',
    };
    const text = formatDigestCredentials(credentials);
    expect(text).toContain('username="al\\"ice"');
    expect(text).toContain('qop=auth, nc=00000001');
    expect(parseDigestCredentials(text)).toEqual({ kind: 'digest', value: credentials });
  });
});
