import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest, type SipResponse } from '../../sip/index.js';
import { readThirdPartyRegisterBody } from '../as/third-party-register.js';
import { RegistrationType, type ApplicationServer } from '../ifc-model.js';
import { imsServiceInfoXml, multipartMixed, thirdPartyRegisterBody, thirdPartyRegisterSpec } from './third-party-register.js';

const register = parseMessage(
  Buffer.from(
    [
      'REGISTER sip:sb.test SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1',
      'From: <sip:alice@sb.test>;tag=a',
      'To: <sip:alice@sb.test>',
      'Call-ID: reg-1',
      'CSeq: 2 REGISTER',
      'Contact: <sip:alice@127.0.0.1:5070>',
      'Authorization: Digest username="alice", realm="sb.test", nonce="n", uri="sip:sb.test", response="00"',
      'P-Charging-Vector: icid-value=abc',
      'Expires: 600',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ),
).message as SipRequest;

const ok = parseMessage(Buffer.from(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1', 'From: <sip:alice@sb.test>;tag=a', 'To: <sip:alice@sb.test>;tag=r', 'Call-ID: reg-1', 'CSeq: 2 REGISTER', 'Contact: <sip:alice@127.0.0.1:5070>;expires=600', 'Content-Length: 0', '', ''].join('\r\n')))
  .message as SipResponse;

const as = (extra: Partial<ApplicationServer> = {}): ApplicationServer => ({ serverName: 'sip:as.example.net:5070', includeRegisterRequest: false, includeRegisterResponse: false, ...extra });

describe('third-party REGISTER (24.229 §5.4.1.7)', () => {
  it('addresses the AS, names the S-CSCF in From and Contact, the user in To, carries the expiry', () => {
    const spec = thirdPartyRegisterSpec({ server: as(), scscfUri: 'sip:127.0.0.1:5060', servedUser: 'sip:alice@sb.test', expires: 600, registrationType: RegistrationType.INITIAL_REGISTRATION, register, response: ok });
    expect(spec.method).toBe('REGISTER');
    expect(spec.uri).toBe('sip:as.example.net:5070');
    expect(spec.from).toBe('<sip:127.0.0.1:5060>');
    expect(spec.to).toBe('<sip:alice@sb.test>');
    expect(spec.headers).toContainEqual({ name: 'Contact', value: '<sip:127.0.0.1:5060>' });
    expect(spec.headers).toContainEqual({ name: 'Expires', value: '600' });
    expect(spec.headers).toContainEqual({ name: 'P-Charging-Vector', value: 'icid-value=abc' });
    expect(spec.callId).not.toBe('reg-1');
    expect(spec.cseq).toBe(1);
    expect(thirdPartyRegisterSpec({ server: as(), scscfUri: 'sip:127.0.0.1:5060', servedUser: 'sip:alice@sb.test', expires: 600, registrationType: RegistrationType.RE_REGISTRATION, callId: 'k', cseq: 7 })).toMatchObject({ callId: 'k', cseq: 7 });
    expect(spec.body).toBeUndefined();
  });

  it('ServiceInfo alone: an application/3gpp-ims+xml body, text escaped', () => {
    const body = thirdPartyRegisterBody(as({ serviceInfo: 'tier=<gold> & more' }), register, ok)!;
    expect(body.contentType).toBe('application/3gpp-ims+xml');
    expect(body.content.toString()).toContain('<ims-3gpp version="1"><service-info>tier=&lt;gold&gt; &amp; more</service-info></ims-3gpp>');
  });

  it('IncludeRegisterRequest alone: the REGISTER as message/sip, without the credentials meant for us', () => {
    const body = thirdPartyRegisterBody(as({ includeRegisterRequest: true }), register, ok)!;
    expect(body.contentType).toBe('message/sip');
    const text = body.content.toString();
    expect(text.startsWith('REGISTER sip:sb.test SIP/2.0\r\n')).toBe(true);
    expect(text).toContain('Contact: <sip:alice@127.0.0.1:5070>');
    expect(text).not.toMatch(/Authorization/i);
    expect(register.hasHeader('Authorization')).toBe(true);
  });

  it('several parts: multipart/mixed, readable back part by part', () => {
    const body = thirdPartyRegisterBody(as({ serviceInfo: 'x', includeRegisterRequest: true, includeRegisterResponse: true }), register, ok)!;
    expect(body.contentType).toMatch(/^multipart\/mixed;boundary=sb-[A-Za-z0-9]+$/);
    const boundary = body.contentType.split('boundary=')[1]!;
    const text = body.content.toString();
    expect(text.split(`--${boundary}\r\n`)).toHaveLength(4);
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    const wire = parseMessage(
      Buffer.concat([Buffer.from(`REGISTER sip:as.example.net SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK2\r\nFrom: <sip:127.0.0.1>;tag=s\r\nTo: <sip:alice@sb.test>\r\nCall-ID: t\r\nCSeq: 1 REGISTER\r\nContent-Type: ${body.contentType}\r\nContent-Length: ${body.content.length}\r\n\r\n`), body.content]),
    ).message as SipRequest;
    const read = readThirdPartyRegisterBody(wire);
    expect(read.serviceInfo).toBe('x');
    expect(read.includedRequest).toMatch(/^REGISTER sip:sb\.test SIP\/2\.0/);
    expect(read.includedResponse).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it('a de-registration carries no HSS-provided body (item g: initial and re-registration only)', () => {
    const spec = thirdPartyRegisterSpec({ server: as({ serviceInfo: 'x', includeRegisterRequest: true }), scscfUri: 'sip:127.0.0.1:5060', servedUser: 'sip:alice@sb.test', expires: 0, registrationType: RegistrationType.DE_REGISTRATION, register });
    expect(spec.headers).toContainEqual({ name: 'Expires', value: '0' });
    expect(spec.body).toBeUndefined();
  });

  it('no IncludeRegisterResponse part without a response; a lone ServiceInfo XML is well formed', () => {
    expect(thirdPartyRegisterBody(as({ includeRegisterResponse: true }), register)).toBeUndefined();
    expect(imsServiceInfoXml('a')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<ims-3gpp version="1">/);
    const mixed = multipartMixed([{ contentType: 'text/plain', content: Buffer.from('one') }], 'B');
    expect(mixed.content.toString()).toBe('--B\r\nContent-Type: text/plain\r\n\r\none\r\n--B--\r\n');
  });
});
