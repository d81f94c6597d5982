import { describe, expect, it } from 'vitest';
import { formatAuthHeaderValue, getAuthParam, parseAuthHeaderValue, quoteString } from './auth-params.js';

function parse(text: string) {
  const result = parseAuthHeaderValue(text);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.error}`);
  return result.value;
}

describe('auth-param syntax (RFC 3261 §25.1)', () => {
  it('keeps commas inside quoted strings', () => {
    const value = parse('Digest realm="a, b", qop="auth,auth-int", nonce="x"');
    expect(value.params).toEqual([
      { name: 'realm', value: 'a, b', quoted: true },
      { name: 'qop', value: 'auth,auth-int', quoted: true },
      { name: 'nonce', value: 'x', quoted: true },
    ]);
  });

  it('unescapes quoted-pairs: \\" and \\\\', () => {
    const value = parse('Digest username="say \\"hi\\" \\\\o/", realm="r"');
    expect(getAuthParam(value, 'username')).toBe('say "hi" \\o/');
  });

  it('keeps unknown parameters, their order and their case', () => {
    const value = parse('digest Realm="r", X-Extra=token, nonce="n", another="q"');
    expect(value.scheme).toBe('digest');
    expect(value.params.map((p) => p.name)).toEqual(['Realm', 'X-Extra', 'nonce', 'another']);
    expect(getAuthParam(value, 'realm')).toBe('r');
    expect(getAuthParam(value, 'x-extra')).toBe('token');
  });

  it('allows whitespace around "=" and "," and tolerates empty list elements', () => {
    const value = parse('Digest   realm = "r" ,nonce="n",, algorithm=MD5 ,');
    expect(value.params.map((p) => [p.name, p.value])).toEqual([
      ['realm', 'r'],
      ['nonce', 'n'],
      ['algorithm', 'MD5'],
    ]);
  });

  it('accepts an unquoted value with URI characters, marked unquoted', () => {
    const value = parse('Digest uri=sip:bob@example.com;transport=tcp, nc=00000001');
    expect(value.params[0]).toEqual({ name: 'uri', value: 'sip:bob@example.com;transport=tcp', quoted: false });
  });

  it('reads a token68 value (RFC 8898 Bearer)', () => {
    expect(parse('Bearer mF_9.B5f-4.1JqM==')).toEqual({ scheme: 'Bearer', params: [], token68: 'mF_9.B5f-4.1JqM==' });
  });

  it('reads a lone token after the scheme as token68 (the Digest layer then rejects it)', () => {
    expect(parse('Digest realm')).toEqual({ scheme: 'Digest', params: [], token68: 'realm' });
  });

  it('reads a scheme without parameters', () => {
    expect(parse('Negotiate')).toEqual({ scheme: 'Negotiate', params: [] });
  });

  it.each([
    ['', /scheme/],
    ['Digest realm="unterminated', /unterminated/],
    ['Digest realm="a", nonce', /"="/],
    ['Digest realm="a", nonce=', /empty value/],
    ['Digest realm="a" nonce="b"', /","/],
    ['Digest realm="a\\', /escape/],
    ['Digest ="a"', /parameter name/],
    ['Digest realm="a\nb"', /line break/],
  ])('reports %j as malformed', (text, error) => {
    const result = parseAuthHeaderValue(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(error);
  });

  it('formats quoted values with escapes and round-trips', () => {
    const value = {
      scheme: 'Digest',
      params: [
        { name: 'username', value: 'a "b" \\ c', quoted: true },
        { name: 'realm', value: 'x, y', quoted: true },
        { name: 'algorithm', value: 'SHA-256', quoted: false },
      ],
    };
    const text = formatAuthHeaderValue(value);
    expect(text).toBe('Digest username="a \\"b\\" \\\\ c", realm="x, y", algorithm=SHA-256');
    expect(parse(text)).toEqual(value);
  });

  it('refuses to format what would break the header', () => {
    expect(() => quoteString('a\r\nVia: evil')).toThrow(/CR, LF/);
    expect(() => formatAuthHeaderValue({ scheme: 'Digest', params: [{ name: 'nc', value: 'a b', quoted: false }] })).toThrow(
      /not a token/,
    );
    expect(() => formatAuthHeaderValue({ scheme: 'Bad Scheme', params: [] })).toThrow(/not a token/);
  });
});
