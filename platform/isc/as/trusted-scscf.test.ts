import { describe, expect, it } from 'vitest';
import { parseUri, type SipUri } from '../../sip/index.js';
import { checkIscRoutes } from './isc-request.js';
import { parseTrustedScscfs, TrustedScscfs } from './trusted-scscf.js';
import { parseNameAddr } from '../../sip/index.js';

const sip = (text: string): SipUri => parseUri(text) as SipUri;

function trusted(values: string[], resolve?: (host: string) => Promise<string[]>): TrustedScscfs {
  const parsed = parseTrustedScscfs(values);
  if (!parsed.ok) throw new Error(parsed.error);
  return new TrustedScscfs(parsed.entries, resolve);
}

describe('trusted S-CSCF list (RFC 5502 §6 trust domain)', () => {
  it('parses host, host:port, [v6]:port and a sip: prefix; refuses the rest', () => {
    expect(parseTrustedScscfs(['scscf.ims.test', '192.0.2.1:6060', '[2001:db8::1]:5060', 'sip:S-CSCF.ims.test:6060'])).toEqual({
      ok: true,
      entries: [{ host: 'scscf.ims.test' }, { host: '192.0.2.1', port: 6060 }, { host: '2001:db8::1', port: 5060 }, { host: 's-cscf.ims.test', port: 6060 }],
    });
    expect(parseTrustedScscfs(['a b']).ok).toBe(false);
    expect(parseTrustedScscfs(['host:70000']).ok).toBe(false);
  });

  it('the Route must name a listed host, and its port when one is listed (5060 default)', () => {
    const list = trusted(['scscf.ims.test:6060', '192.0.2.9']);
    expect(list.namesScscf(sip('sip:odi_1@SCSCF.ims.test:6060;lr'))).toBe(true);
    expect(list.namesScscf(sip('sip:odi_1@scscf.ims.test;lr'))).toBe(false);
    expect(list.namesScscf(sip('sip:192.0.2.9;lr'))).toBe(true);
    expect(list.namesScscf(sip('sip:192.0.2.9:7000;lr'))).toBe(true);
    expect(list.namesScscf(sip('sip:evil.test;lr'))).toBe(false);
  });

  it('the source address must be a listed address or resolve from a listed name; unresolvable fails closed', async () => {
    let lookups = 0;
    const list = trusted(['192.0.2.9', 'scscf.ims.test', 'gone.ims.test'], async (host) => {
      lookups++;
      if (host === 'scscf.ims.test') return ['198.51.100.7'];
      throw new Error('NXDOMAIN');
    });
    expect(await list.isTrustedSource('192.0.2.9')).toBe(true);
    expect(await list.isTrustedSource('::ffff:198.51.100.7')).toBe(true);
    expect(await list.isTrustedSource('203.0.113.1')).toBe(false);
    expect(lookups).toBe(2); // cached for the TTL
  });
});

describe('checkIscRoutes (24.229 §5.4.3.2 step 4: AS URI, then the S-CSCF ODI URI)', () => {
  const list = trusted(['scscf.ims.test']);
  const isOwn = (uri: SipUri): boolean => uri.host === 'as.test';
  const routes = (...values: string[]) => values.map((value) => parseNameAddr(value));

  it('ours then a trusted S-CSCF: ISC, whatever user part and parameters ours carries', () => {
    const check = checkIscRoutes(routes('<sip:cpl@as.test;lr;orig>', '<sip:odi_abc@scscf.ims.test;lr>', '<sip:other.test;lr>'), isOwn, list);
    expect(check.kind).toBe('isc');
  });

  it('not ours on top: not for us; ours without a trusted next: untrusted', () => {
    expect(checkIscRoutes(routes('<sip:scscf.ims.test;lr>'), isOwn, list).kind).toBe('not-for-us');
    expect(checkIscRoutes(routes('<sip:as.test;lr>'), isOwn, list)).toMatchObject({ kind: 'untrusted', reason: 'no S-CSCF Route after ours' });
    expect(checkIscRoutes(routes('<sip:as.test;lr>', '<sip:evil.test;lr>'), isOwn, list).kind).toBe('untrusted');
    expect(checkIscRoutes(routes('<sip:as.test;lr>', '<sip:as.test;lr>'), isOwn, list).kind).toBe('untrusted');
  });
});
