import { describe, expect, it } from 'vitest';
import { parseMessage, parseUri, type SipRequest, type SipUri } from '../../sip/index.js';
import { SessionCase } from '../ifc-model.js';
import { determineIscSession, type IscSession } from './isc-session.js';

function invite(ruri: string, extra: string[] = []): SipRequest {
  const text = [
    `INVITE ${ruri} SIP/2.0`,
    'Via: SIP/2.0/UDP scscf.ims.test;branch=z9hG4bK1',
    'Max-Forwards: 69',
    'From: <sip:caller@ims.test>;tag=1',
    'To: <sip:bob@ims.test>',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const { message } = parseMessage(Buffer.from(text));
  return message as SipRequest;
}
const sip = (text: string): SipUri => parseUri(text) as SipUri;
const OWN = sip('sip:as.test;lr');
const SCSCF = sip('sip:odi_1@scscf.ims.test;lr');

function session(request: SipRequest, own = OWN, scscf = SCSCF): IscSession {
  const result = determineIscSession(request, own, scscf);
  if ('error' in result) throw new Error(result.error);
  return result;
}

describe('determineIscSession (TS 24.229 §5.7.1.3A, RFC 5502, RFC 8498)', () => {
  it('P-Served-User gives user, session case and registration state', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Served-User: <sip:alice@ims.test>;sescase=orig;regstate=unreg']));
    expect(s).toMatchObject({ servedUser: 'sip:alice@ims.test', aor: 'alice@ims.test', direction: 'originating', sessionCase: SessionCase.ORIGINATING_UNREGISTERED, registered: false, caseSource: 'P-Served-User', userSource: 'P-Served-User' });
  });

  it('sescase=term;regstate=unreg → 2, reg → 1, absent regstate → 1', () => {
    expect(session(invite('sip:bob@ims.test', ['P-Served-User: <sip:bob@ims.test>;sescase=term;regstate=unreg'])).sessionCase).toBe(SessionCase.TERMINATING_UNREGISTERED);
    expect(session(invite('sip:bob@ims.test', ['P-Served-User: <sip:bob@ims.test>;sescase=term;regstate=reg'])).sessionCase).toBe(SessionCase.TERMINATING_REGISTERED);
    expect(session(invite('sip:bob@ims.test', ['P-Served-User: sip:bob@ims.test;sescase=term'])).sessionCase).toBe(SessionCase.TERMINATING_REGISTERED);
  });

  it('orig-cdiv (RFC 8498: a bare parameter) is originating after diversion (4)', () => {
    const s = session(invite('sip:vm@ims.test', ['P-Served-User: <sip:bob@ims.test>;orig-cdiv']));
    expect(s).toMatchObject({ direction: 'originating', sessionCase: SessionCase.ORIGINATING_CDIV, servedUser: 'sip:bob@ims.test' });
  });

  it('P-Served-User without sescase: its user, the session case from the Route', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Served-User: <sip:alice@ims.test>']), sip('sip:as.test;lr;orig'));
    expect(s).toMatchObject({ servedUser: 'sip:alice@ims.test', direction: 'originating', caseSource: 'own Route' });
  });

  it('a repeated P-Served-User is ignored with a warning (RFC 8498 §3)', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Served-User: <sip:alice@ims.test>;sescase=orig', 'P-Served-User: <sip:carol@ims.test>;sescase=orig']));
    expect(s).toMatchObject({ servedUser: 'sip:bob@ims.test', direction: 'terminating', userSource: 'Request-URI' });
    expect(s.warnings.join()).toMatch(/repeated/u);
  });

  it('several values in one P-Served-User are ignored too', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Served-User: <sip:alice@ims.test>;sescase=orig, <sip:carol@ims.test>']));
    expect(s.userSource).toBe('Request-URI');
    expect(s.warnings).toHaveLength(1);
  });

  it('orig on our Route: originating, served user = the SIP P-Asserted-Identity (tel second)', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Asserted-Identity: <tel:+15551230001>, <sip:alice@ims.test>']), sip('sip:as.test;lr;orig'));
    expect(s).toMatchObject({ servedUser: 'sip:alice@ims.test', direction: 'originating', sessionCase: SessionCase.ORIGINATING_REGISTERED, userSource: 'P-Asserted-Identity' });
  });

  it('a tel P-Asserted-Identity alone is the served user (aor tel:…)', () => {
    const s = session(invite('sip:bob@ims.test', ['P-Asserted-Identity: <tel:+15551230001>']), sip('sip:as.test;lr;orig'));
    expect(s).toMatchObject({ servedUser: 'tel:+15551230001', aor: 'tel:+15551230001' });
  });

  it('originating without P-Asserted-Identity falls back to From', () => {
    expect(session(invite('sip:bob@ims.test'), sip('sip:as.test;lr;orig'))).toMatchObject({ servedUser: 'sip:caller@ims.test', userSource: 'From' });
  });

  it('orig on the S-CSCF Route (Clearwater) → originating; term on ours → terminating', () => {
    expect(session(invite('sip:bob@ims.test'), OWN, sip('sip:odi_x@scscf.ims.test;lr;orig')).caseSource).toBe('S-CSCF Route');
    expect(session(invite('sip:bob@ims.test'), sip('sip:as.test;lr;term'), sip('sip:odi_x@scscf.ims.test;lr;orig')).direction).toBe('terminating');
  });

  it("Kamailio's iscmark: d=2 terminating unregistered, a=hex the served IMPU", () => {
    const a = Buffer.from('sip:bob@ims.test').toString('hex');
    const s = session(invite('sip:+15551230002@ims.test;user=phone'), OWN, sip(`sip:iscmark@scscf.ims.test:6060;lr;s=1;h=0;d=2;a=${a}`));
    expect(s).toMatchObject({ servedUser: 'sip:bob@ims.test', sessionCase: SessionCase.TERMINATING_UNREGISTERED, caseSource: 'iscmark', userSource: 'iscmark' });
  });

  it('default: terminating, the Request-URI without its parameters', () => {
    const s = session(invite('sip:Bob@IMS.test;user=phone'));
    expect(s).toMatchObject({ servedUser: 'sip:Bob@IMS.test', aor: 'Bob@ims.test', direction: 'terminating', caseSource: 'default', userSource: 'Request-URI' });
    expect(s.registered).toBeUndefined();
  });
});
