import { describe, expect, it } from 'vitest';
import { formatNameAddr, parseNameAddr, parseUri, SipParseException, tagOf, type SipUri } from './index.js';

describe('parseNameAddr (RFC 3261 §20.10, §25.1)', () => {
  it('reads a quoted display name, the URI in <> and header parameters', () => {
    const n = parseNameAddr('"Alice \\"A\\" Liddell" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x="a;b"');
    expect(n.displayName).toBe('Alice "A" Liddell');
    expect((n.uri as SipUri).params.get('transport')).toBe('tcp');
    expect(tagOf(n)).toBe('1928301774');
    expect(n.params.get('x')).toBe('"a;b"');
  });

  it('reads a token display name, with or without LWS before < (RFC 4475 §3.1.1.6)', () => {
    expect(parseNameAddr('Bob  Smith <sip:bob@example.com>').displayName).toBe('Bob Smith');
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323').displayName).toBe('caller');
  });

  it('gives the parameters after an addr-spec to the header, not the URI (RFC 4475 §3.3.12)', () => {
    const n = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam');
    expect((n.uri as SipUri).params.size).toBe(0);
    expect([...n.params.entries()]).toEqual([['unknownparam', null]]);
    expect(n.displayName).toBeUndefined();
  });

  it('allows LWS around ";" and "=" (wsinv)', () => {
    const n = parseNameAddr('<sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33');
    expect([...n.params.entries()]).toEqual([['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
  });

  it('reads addresses with other URI schemes', () => {
    expect(parseNameAddr('isbn:2983792873').uri).toEqual({ kind: 'absolute', scheme: 'isbn', opaque: '2983792873' });
    expect(parseNameAddr('<tel:+1-201-555-0123>').uri.kind).toBe('tel');
  });

  it('rejects malformed addresses with the fault', () => {
    const cases: Array<[string, RegExp]> = [
      ['"Mr. J. User <sip:j.user@example.com>', /Unterminated quoted string/],
      ['"Watson, Thomas" < sip:t.watson@example.org >', /Whitespace inside <>/],
      ['Bell, Alexander <sip:a.g.bell@example.com>;tag=43', /Display name must be a token list or a quoted string/],
      ['sip:user@example.com?Route=%3Csip:sip.example.com%3E', /must be enclosed in <>/],
      ['<sip:joe@example.org>;;;;', /Empty parameter/],
      ['<sip:joe@example.org', /Missing >/],
      ['"Joe" sip:joe@example.org', /Missing <>/],
      ['<sip:joe@example.org>;tag=', /Empty value of parameter tag/],
      ['', /Empty address/],
    ];
    for (const [text, reason] of cases) {
      expect(() => parseNameAddr(text), text).toThrow(SipParseException);
      expect(() => parseNameAddr(text), text).toThrow(reason);
    }
  });
});

describe('formatNameAddr', () => {
  it('always writes the <> form and quotes the display name', () => {
    const n = parseNameAddr('sip:alice@example.com;tag=1');
    expect(formatNameAddr(n)).toBe('<sip:alice@example.com>;tag=1');
    expect(formatNameAddr({ displayName: 'A "quoted" \\ name', uri: parseUri('sip:a@b.example'), params: n.params })).toBe(
      '"A \\"quoted\\" \\\\ name" <sip:a@b.example>;tag=1',
    );
  });

  it('round-trips what it writes', () => {
    const n = parseNameAddr('"Quoted string \\"\\"" <sip:jdrosen@example.com;lr>;q=0.33;expires=3600');
    const again = parseNameAddr(formatNameAddr(n));
    expect(again.displayName).toBe('Quoted string ""');
    expect(formatNameAddr(again)).toBe(formatNameAddr(n));
  });
});
