import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest, type SipUri } from '../../sip/index.js';
import { AsRegistrations, checkThirdPartyRegister, readThirdPartyRegisterBody, type ThirdPartyRegister } from './third-party-register.js';
import { parseTrustedScscfs, TrustedScscfs } from './trusted-scscf.js';

const trusted = new TrustedScscfs((parseTrustedScscfs(['scscf.ims.test:6060', '127.0.0.1']) as { ok: true; entries: [] }).entries);
const isOwn = (uri: SipUri): boolean => uri.host === 'as.ims.test';

function register(lines: string[], body = ''): SipRequest {
  const text = [...lines, 'Via: SIP/2.0/UDP 10.0.0.1:6060;branch=z9hG4bK1', 'Call-ID: c', 'CSeq: 1 REGISTER', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
  return parseMessage(Buffer.from(text)).message as SipRequest;
}

describe('third-party REGISTER at the AS (24.229 §5.7.1.1)', () => {
  it('recognised: REGISTER to us, From a trusted S-CSCF; served user from To, Expires kept', () => {
    const check = checkThirdPartyRegister(
      register(['REGISTER sip:as.ims.test SIP/2.0', 'From: <sip:scscf.ims.test:6060>;tag=s', 'To: <sip:Alice@IMS.test;user=phone>', 'Contact: <sip:scscf.ims.test:6060>', 'Expires: 3600']),
      isOwn,
      trusted,
    );
    expect(check).toEqual({ kind: 'third-party', servedUser: 'sip:Alice@IMS.test', aor: 'Alice@ims.test', expires: 3600, scscf: 'sip:scscf.ims.test:6060' });
  });

  it('Expires 0 is a de-registration; a Contact expires parameter counts when no header; junk is invalid', () => {
    const base = ['REGISTER sip:as.ims.test SIP/2.0', 'From: <sip:scscf.ims.test:6060>;tag=s', 'To: <sip:alice@ims.test>'];
    expect(checkThirdPartyRegister(register([...base, 'Expires: 0']), isOwn, trusted)).toMatchObject({ kind: 'third-party', expires: 0 });
    expect(checkThirdPartyRegister(register([...base, 'Contact: <sip:scscf.ims.test:6060;expires=9>;expires=120']), isOwn, trusted)).toMatchObject({ expires: 120 });
    expect(checkThirdPartyRegister(register(base), isOwn, trusted)).toMatchObject({ expires: 3600 });
    expect(checkThirdPartyRegister(register([...base, 'Expires: soon']), isOwn, trusted)).toMatchObject({ kind: 'invalid' });
  });

  it('not ours: a UE REGISTER (From is the user), another Request-URI, an untrusted S-CSCF port, other methods', () => {
    const ue = register(['REGISTER sip:as.ims.test SIP/2.0', 'From: <sip:alice@ims.test>;tag=a', 'To: <sip:alice@ims.test>', 'Expires: 60']);
    const elsewhere = register(['REGISTER sip:registrar.ims.test SIP/2.0', 'From: <sip:scscf.ims.test:6060>;tag=s', 'To: <sip:alice@ims.test>']);
    const wrongPort = register(['REGISTER sip:as.ims.test SIP/2.0', 'From: <sip:scscf.ims.test:5060>;tag=s', 'To: <sip:alice@ims.test>']);
    for (const request of [ue, elsewhere, wrongPort]) expect(checkThirdPartyRegister(request, isOwn, trusted)).toEqual({ kind: 'not-for-us' });
  });

  it('reads ServiceInfo from a lone application/3gpp-ims+xml body (entities decoded)', () => {
    const xml = '<?xml version="1.0"?><ims-3gpp version="1"><service-info>a &lt;b&gt; &amp; c</service-info></ims-3gpp>';
    const request = register(['REGISTER sip:as.ims.test SIP/2.0', 'From: <sip:scscf.ims.test:6060>;tag=s', 'To: <sip:alice@ims.test>', 'Content-Type: application/3gpp-ims+xml'], xml);
    expect(readThirdPartyRegisterBody(request)).toEqual({ serviceInfo: 'a <b> & c' });
  });

  it('AsRegistrations: registered until the expiry, unregistered after Expires 0, unknown users undefined', () => {
    let now = 1_000_000;
    const table = new AsRegistrations(() => now, 2);
    const notice = (aor: string, expires: number): ThirdPartyRegister => ({ kind: 'third-party', servedUser: `sip:${aor}`, aor, expires, scscf: 'sip:scscf.ims.test:6060' });
    table.apply(notice('alice@ims.test', 60), { serviceInfo: 'gold' });
    expect(table.registered('alice@ims.test')).toBe(true);
    expect(table.serviceInfo('alice@ims.test')).toBe('gold');
    expect(table.registered('bob@ims.test')).toBeUndefined();
    now += 61_000;
    expect(table.registered('alice@ims.test')).toBe(false);
    table.apply(notice('alice@ims.test', 60));
    table.apply(notice('alice@ims.test', 0));
    expect(table.registered('alice@ims.test')).toBe(false);
    table.apply(notice('bob@ims.test', 60));
    table.apply(notice('carol@ims.test', 60));
    expect(table.size).toBe(2); // bounded: the oldest entry made room
    expect(table.registered('alice@ims.test')).toBeUndefined();
  });
});
