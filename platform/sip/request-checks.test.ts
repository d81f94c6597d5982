import { describe, expect, it } from 'vitest';
import {
  checkAccept,
  checkContent,
  checkRequest,
  checkResponse,
  checkSyntax,
  parseMessage,
  verdictForParseErrors,
  type RequestCheckOptions,
  type SipRequest,
  type SipResponse,
} from './index.js';

function request(method: string, extra = '', options: { uri?: string; cseqMethod?: string; body?: string } = {}): SipRequest {
  const body = options.body ?? '';
  const data = Buffer.from(
    `${method} ${options.uri ?? 'sip:bob@example.com'} SIP/2.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\n` +
      'Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\nCall-ID: 1@a\r\n' +
      `CSeq: 1 ${options.cseqMethod ?? method}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return parseMessage(data).message as SipRequest;
}

function response(status: string, vias: string[], extra = ''): SipResponse {
  const data = Buffer.from(
    `SIP/2.0 ${status}\r\n${vias.map((v) => `Via: ${v}\r\n`).join('')}To: <sip:b@example.com>;tag=2\r\n` +
      `From: <sip:a@example.com>;tag=1\r\nCall-ID: 1@a\r\nCSeq: 1 INVITE\r\n${extra}Content-Length: 0\r\n\r\n`,
  );
  return parseMessage(data).message as SipResponse;
}

const UAS: RequestCheckOptions = { role: 'uas', methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'], extensions: ['timer'] };
const PROXY: RequestCheckOptions = { role: 'proxy', extensions: ['pref'] };

describe('checkRequest as a UAS (RFC 3261 §8.2)', () => {
  it('accepts a well-formed request', () => {
    expect(checkRequest(request('INVITE', 'Require: timer\r\nContent-Type: application/sdp\r\n', { body: 'v=0\r\n' }), UAS)).toEqual({ action: 'accept' });
  });

  it('405 with Allow for a known method it does not implement, 501 for an unknown one (§8.2.1)', () => {
    expect(checkRequest(request('SUBSCRIBE'), UAS)).toEqual({
      action: 'reject',
      status: 405,
      code: 'method-not-allowed',
      reason: 'Method Not Allowed',
      headers: [{ name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' }],
    });
    expect(checkRequest(request('FROBNICATE'), UAS)).toMatchObject({ action: 'reject', status: 501 });
  });

  it('416 for a Request-URI scheme it does not serve (§8.2.2.1)', () => {
    expect(checkRequest(request('OPTIONS', '', { uri: 'mailto:bob@example.com' }), UAS)).toMatchObject({ status: 416, reason: 'Unsupported URI Scheme: mailto' });
    expect(checkRequest(request('OPTIONS', '', { uri: 'tel:+15551234' }), { ...UAS, uriSchemes: ['sip', 'sips'] })).toMatchObject({ status: 416 });
    expect(checkRequest(request('OPTIONS', '', { uri: 'tel:+15551234' }), UAS)).toEqual({ action: 'accept' });
  });

  it('420 with Unsupported listing the unknown option tags, in order (§8.2.2.3)', () => {
    const verdict = checkRequest(request('OPTIONS', 'Require: foo, timer\r\nRequire: bar\r\n'), UAS);
    expect(verdict).toMatchObject({ action: 'reject', status: 420, headers: [{ name: 'Unsupported', value: 'foo, bar' }] });
    // A UAS does not look at Proxy-Require, and CANCEL is never rejected for Require.
    expect(checkRequest(request('OPTIONS', 'Proxy-Require: foo\r\n'), UAS)).toEqual({ action: 'accept' });
    expect(checkRequest(request('CANCEL', 'Require: foo\r\n'), UAS)).toEqual({ action: 'accept' });
  });

  it('415 with Accept for a body type it does not understand; 415 with Accept-Encoding for a coding (§8.2.3)', () => {
    const type = checkRequest(request('INVITE', 'Content-Type: text/html\r\n', { body: '<p>' }), UAS);
    expect(type).toMatchObject({ status: 415, headers: [{ name: 'Accept', value: 'application/sdp' }] });
    const coding = checkContent(request('INVITE', 'Content-Type: application/sdp\r\nContent-Encoding: gzip\r\n', { body: 'x' }));
    expect(coding).toMatchObject({ status: 415, headers: [{ name: 'Accept-Encoding', value: 'identity' }] });
    // No body, nothing to understand.
    expect(checkContent(request('INVITE', 'Content-Type: text/html\r\n'))).toEqual({ action: 'accept' });
  });

  it('406 when an INVITE accepts none of the body types the UAS answers with (RFC 4475 §3.3.15)', () => {
    expect(checkAccept(request('INVITE', 'Accept: text/plain\r\n'))).toMatchObject({ status: 406 });
    expect(checkAccept(request('INVITE', 'Accept: application/*\r\n'))).toEqual({ action: 'accept' });
    expect(checkAccept(request('INVITE', 'Accept: */*;q=0.5\r\n'))).toEqual({ action: 'accept' });
    expect(checkAccept(request('INVITE', 'Accept: application/sdp;q=0\r\n'))).toMatchObject({ status: 406 });
    expect(checkAccept(request('OPTIONS', 'Accept: text/plain\r\n'))).toEqual({ action: 'accept' });
  });

  it('400 for a REGISTER whose To is not a SIP or SIPS URI', () => {
    const register = request('REGISTER', '', {}).clone();
    register.setHeader('To', 'tel:+15551234');
    expect(checkRequest(register, { ...UAS, methods: ['REGISTER'] })).toMatchObject({ status: 400, code: 'bad-register-to' });
  });

  it('400 for a Contact it cannot parse', () => {
    expect(checkRequest(request('INVITE', 'Contact: <sip:a@b.example.com\r\n'), UAS)).toMatchObject({ status: 400, code: 'bad-contact' });
  });

  it('drops an ACK instead of answering it', () => {
    expect(checkRequest(request('ACK', 'Require: foo\r\n'), { ...UAS, methods: ['INVITE'] })).toMatchObject({ action: 'drop', code: 'method-not-allowed' });
  });

  it('does not look at Max-Forwards 0 (an endpoint processes it, RFC 4475 §3.3.11)', () => {
    expect(checkRequest(request('OPTIONS', '').clone(), UAS).action).toBe('accept');
    const zero = request('OPTIONS');
    zero.setHeader('Max-Forwards', '0');
    expect(checkRequest(zero, UAS)).toEqual({ action: 'accept' });
  });
});

describe('checkRequest as a proxy (RFC 3261 §16.3)', () => {
  it('accepts unknown methods and body types it only forwards', () => {
    expect(checkRequest(request('FROBNICATE', 'Content-Type: x/y\r\n', { body: 'z' }), PROXY)).toEqual({ action: 'accept' });
  });

  it('483 for Max-Forwards 0 (step 3)', () => {
    const zero = request('OPTIONS');
    zero.setHeader('Max-Forwards', '0');
    expect(checkRequest(zero, PROXY)).toMatchObject({ action: 'reject', status: 483, reason: 'Too Many Hops' });
  });

  it('420 for Proxy-Require, ignoring Require (step 5)', () => {
    expect(checkRequest(request('OPTIONS', 'Proxy-Require: pref, other\r\nRequire: foo\r\n'), PROXY)).toMatchObject({
      status: 420,
      headers: [{ name: 'Unsupported', value: 'other' }],
    });
  });

  it('400 for a Route it cannot parse', () => {
    expect(checkRequest(request('OPTIONS', 'Route: <sip:p1.example.com;lr\r\n'), PROXY)).toMatchObject({ status: 400, code: 'bad-route' });
  });
});

describe('checkSyntax', () => {
  it('names the first duplicated singleton in the singleton table order, and accepts repeated list headers', () => {
    expect(checkSyntax(request('OPTIONS', 'Subject: a\r\nSubject: b\r\nExpires: 1\r\nExpires: 2\r\n'))).toMatchObject({
      status: 400,
      reason: 'Multiple Expires header fields',
    });
    expect(checkSyntax(request('OPTIONS', 'Route: <sip:a;lr>\r\nRoute: <sip:b;lr>\r\nSupported: x\r\nSupported: y\r\n'))).toEqual({ action: 'accept' });
    // The same request checked twice gives the same verdict (no state carried between calls).
    const twice = request('OPTIONS', 'Subject: a\r\n');
    expect(checkSyntax(twice)).toEqual({ action: 'accept' });
    expect(checkSyntax(twice)).toEqual({ action: 'accept' });
  });

  it('400 for a duplicated singleton header, naming it as written', () => {
    expect(checkSyntax(request('OPTIONS', 'Expires: 10\r\nexpires: 20\r\n'))).toMatchObject({ status: 400, reason: 'Multiple Expires header fields' });
  });

  it('400 for a CSeq method mismatch, 501 when the method is unknown (RFC 4475 §3.1.2.17-18)', () => {
    expect(checkSyntax(request('OPTIONS', '', { cseqMethod: 'INVITE' }))).toMatchObject({ status: 400, code: 'cseq-method-mismatch' });
    expect(checkSyntax(request('NEWMETHOD', '', { cseqMethod: 'INVITE' }))).toMatchObject({ status: 501, code: 'cseq-method-mismatch' });
  });
});

describe('verdictForParseErrors', () => {
  it('answers with the first error, a 505 first of all, and drops responses and non-messages', () => {
    const bad = parseMessage(
      Buffer.from('OPTIONS sip:b@example.com SIP/3.0\r\nVia: SIP/2.0/UDP a.example.com;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n'),
    );
    expect(bad.errors.map((e) => e.status)).toEqual([505, 400, 400]);
    expect(verdictForParseErrors(bad.message, bad.errors)).toMatchObject({ action: 'reject', status: 505 });
    const missing = parseMessage(Buffer.from('OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nl: 0\r\n\r\n'));
    expect(verdictForParseErrors(missing.message, missing.errors)).toMatchObject({ action: 'reject', status: 400, reason: 'Missing Via' });
    expect(verdictForParseErrors(undefined, [{ code: 'bad-start-line', status: 400, reason: 'x' }])).toMatchObject({ action: 'drop' });
    expect(verdictForParseErrors(missing.message, [])).toEqual({ action: 'accept' });
  });
});

describe('checkResponse (RFC 3261 §8.1.3.3, RFC 4475 §3.1.2.5, §3.1.2.19, §3.3.10)', () => {
  const one = 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1';
  const two = 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2';

  it('accepts a UAC response with one Via and a proxy response with more', () => {
    expect(checkResponse(response('200 OK', [one]), { role: 'uac' })).toEqual({ action: 'accept' });
    expect(checkResponse(response('200 OK', [one, two]), { role: 'proxy' })).toEqual({ action: 'accept' });
  });

  it('drops a response with parse errors, an out-of-range status or overlarge scalars', () => {
    const r = response('200 OK', [one]);
    expect(checkResponse(r, { role: 'uac' }, [{ code: 'bad-cseq', status: 400, reason: 'x' }])).toMatchObject({ action: 'drop', code: 'bad-cseq' });
    r.status = 700;
    expect(checkResponse(r, { role: 'uac' })).toMatchObject({ action: 'drop', code: 'bad-status-code' });
    expect(checkResponse(response('503 Busy', [one], 'Retry-After: 4294967296\r\n'), { role: 'uac' })).toMatchObject({ code: 'overlarge-value' });
    expect(checkResponse(response('503 Busy', [one], 'Retry-After: 4294967295 (x)\r\n'), { role: 'uac' })).toEqual({ action: 'accept' });
    expect(checkResponse(response('200 OK', [one], 'Warning: 1812 overture "x"\r\n'), { role: 'uac' })).toMatchObject({ code: 'bad-warning' });
  });

  it('drops at a UAC when there is more than one Via, and at a proxy when the next hop is broadcast', () => {
    expect(checkResponse(response('200 OK', [one, two]), { role: 'uac' })).toMatchObject({ action: 'drop', code: 'via-count' });
    const bcast = 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK3';
    expect(checkResponse(response('200 OK', [one, bcast]), { role: 'proxy' })).toMatchObject({ action: 'drop', code: 'broadcast-via' });
  });
});
