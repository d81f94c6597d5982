import { describe, expect, it } from 'vitest';
import { parseMessage, parseUri, type SipRequest } from '../../sip/index.js';
import { addRetargetHistory, isRetarget } from './history-info.js';

function invite(extra: string[] = []): SipRequest {
  const text = ['INVITE sip:bob@ims.test SIP/2.0', 'Via: SIP/2.0/UDP a;branch=z9hG4bK1', 'From: <sip:a@ims.test>;tag=1', 'To: <sip:bob@ims.test>', 'Call-ID: c', 'CSeq: 1 INVITE', ...extra, 'Content-Length: 0', '', ''].join('\r\n');
  return parseMessage(Buffer.from(text)).message as SipRequest;
}

describe('History-Info on retargeting (RFC 7044 §10.3)', () => {
  it('a retarget is a different identity; parameters and host case are not', () => {
    expect(isRetarget(parseUri('sip:bob@ims.test'), parseUri('sip:bob@IMS.test;user=phone'))).toBe(false);
    expect(isRetarget(parseUri('sip:bob@ims.test'), parseUri('sip:vm@ims.test'))).toBe(true);
    expect(isRetarget(parseUri('tel:+1-555-123'), parseUri('tel:+1555123'))).toBe(false);
  });

  it('without History-Info: the received target (index 1), then the new one as 1.N with mp=1', () => {
    const request = invite();
    request.uri = parseUri('sip:vm@ims.test');
    addRetargetHistory(request, parseUri('sip:bob@ims.test'), 2);
    expect(request.getHeaders('History-Info')).toEqual(['<sip:bob@ims.test>;index=1', '<sip:vm@ims.test>;index=1.2;mp=1']);
  });

  it('with History-Info: the new entry is a child of the entry for the received Request-URI', () => {
    const request = invite(['History-Info: <sip:alice@ims.test>;index=1, <sip:bob@ims.test>;index=1.1;mp=1']);
    request.uri = parseUri('sip:vm@ims.test');
    addRetargetHistory(request, parseUri('sip:bob@ims.test'), 1);
    expect(request.getHeaders('History-Info').at(-1)).toBe('<sip:vm@ims.test>;index=1.1.1;mp=1.1');
  });

  it('with History-Info not naming the received Request-URI: a child of the last entry', () => {
    const request = invite(['History-Info: <sip:alice@ims.test>;index=1']);
    request.uri = parseUri('sip:vm@ims.test');
    addRetargetHistory(request, parseUri('sip:bob@ims.test'), 1);
    expect(request.getHeaders('History-Info')).toEqual(['<sip:alice@ims.test>;index=1', '<sip:vm@ims.test>;index=1.1;mp=1']);
  });
});
