import { describe, expect, it } from 'vitest';
import { redactCredentials } from './redact.js';

const message = (...headers: string[]): string =>
  ['INVITE sip:bob@sb.test SIP/2.0', 'Call-ID: c1', ...headers, 'Content-Length: 24', '', 'v=0\r\nAuthorization: body'].join('\r\n');

describe('redactCredentials', () => {
  it('keeps the Digest parameters that explain a failure and hides the response', () => {
    const text = message(
      'Proxy-Authorization: Digest username="alice", realm="sb.test", nonce="n1", uri="sip:bob@sb.test", response="0123456789abcdef", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"',
    );
    const out = redactCredentials(text);
    expect(out).toContain(
      'Proxy-Authorization: Digest username="alice", realm="sb.test", nonce="n1", uri="sip:bob@sb.test", response="<redacted>", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"',
    );
    expect(out).not.toContain('0123456789abcdef');
  });

  it('hides unknown Digest parameters and whole tokens of other schemes, any header case, folded too', () => {
    const out = redactCredentials(message('authorization: Digest username="a", auts="secret1"', 'AUTHORIZATION: Basic c2VjcmV0Mg==', 'Authorization: Bearer\r\n  secret3'));
    expect(out).toContain('authorization: Digest username="a", auts="<redacted>"');
    expect(out).toContain('AUTHORIZATION: Basic <redacted>');
    expect(out).toContain('Authorization: Bearer <redacted>');
    expect(out).not.toMatch(/secret|c2VjcmV0Mg/u);
  });

  it('leaves messages without credentials, and the body, as they were', () => {
    const plain = message('From: <sip:alice@sb.test>;tag=1');
    expect(redactCredentials(plain)).toBe(plain);
    expect(redactCredentials(message('Authorization: Basic eA=='))).toMatch(/\r\n\r\nv=0\r\nAuthorization: body$/u);
  });
});
