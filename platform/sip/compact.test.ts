/**
 * SipMessage.compact(): a held message keeps only its octets and reads itself back on first
 * use; nothing a caller can observe changes (accessors, edits, serialization).
 */
import { describe, expect, it } from 'vitest';
import { createParams, createResponse, generateBranch, parseMessage, parseUri, SipRequest, SipResponse, type Via } from './index.js';

const SDP = 'v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n';
const INVITE =
  'INVITE sip:bob@biloxi.example.com;transport=udp SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n' +
  'Max-Forwards: 70\r\n' +
  'To: Bob <sip:bob@biloxi.example.com>\r\n' +
  'From: "Alice, Ä." <sip:alice@atlanta.example.com>;tag=1928301774\r\n' +
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n' +
  'CSeq: 314159 INVITE\r\n' +
  'Contact: <sip:alice@pc33.atlanta.example.com>\r\n' +
  'Route: <sip:proxy.example.com;lr>\r\n' +
  'Content-Type: application/sdp\r\n' +
  `Content-Length: ${SDP.length}\r\n\r\n${SDP}`;

function parsed<T extends SipRequest | SipResponse>(text: string): T {
  const { message, errors } = parseMessage(Buffer.from(text, 'utf8'));
  expect(errors).toEqual([]);
  return message as T;
}

describe('SipMessage.compact', () => {
  it('keeps a received request as its octets and reads every view back on use', () => {
    const request = parsed<SipRequest>(INVITE);
    const octets = Buffer.from(request.toBuffer());
    request.compact();
    expect(request.compacted).toBe(true);
    expect(request.toBuffer().equals(octets)).toBe(true);
    expect(request.compacted).toBe(true); // serializing does not read it back
    expect(request.method).toBe('INVITE');
    expect(request.from.displayName).toBe('Alice, Ä.');
    expect(request.compacted).toBe(false);
    expect(request.uri).toMatchObject({ kind: 'sip', user: 'bob', host: 'biloxi.example.com' });
    expect(request.topVia?.params.get('branch')).toBe('z9hG4bK776asdhds');
    expect(request.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(request.body.toString()).toBe(SDP);
    expect(request.toBuffer().equals(octets)).toBe(true);
  });

  it('keeps a forwarded copy with its edits, and edits after compaction work', () => {
    const received = parsed<SipRequest>(INVITE);
    const copy = received.clone();
    const via: Via = { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.50', hostIsIPv6: false, port: 5060, params: createParams([['branch', generateBranch()]]) };
    copy.pushVia(via);
    copy.setHeader('Max-Forwards', '69');
    copy.uri = parseUri('sip:bob@192.0.2.77:5062');
    const sent = Buffer.from(copy.toBuffer());
    copy.compact();
    received.compact();
    expect(copy.toBuffer().equals(sent)).toBe(true);
    expect(copy.getHeader('max-forwards')).toBe('69');
    expect(copy.via).toHaveLength(2);
    // An edit on a compacted message reads it back first and then applies.
    received.compact();
    received.setHeader('Subject', 'later');
    expect(received.compacted).toBe(false);
    expect(received.toString()).toContain('Subject: later\r\n');
    expect(received.getHeader('call-id')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(copy.uri).toMatchObject({ host: '192.0.2.77', port: 5062 });
  });

  it('keeps responses, including a changed reason phrase and a removed Via', () => {
    const request = parsed<SipRequest>(INVITE);
    const ringing = createResponse(request, 183, 'Session Progress with a long reason');
    ringing.body = Buffer.from(SDP);
    const built = Buffer.from(ringing.toBuffer());
    ringing.compact();
    expect(ringing.toBuffer().equals(built)).toBe(true);
    expect(ringing.reason).toBe('Session Progress with a long reason');
    expect(ringing.status).toBe(183);
    expect(ringing.body.toString()).toBe(SDP);

    const received = parsed<SipResponse>(
      'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.50;branch=z9hG4bKours, SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n' +
        'To: <sip:bob@biloxi.example.com>;tag=b1\r\nFrom: <sip:alice@atlanta.example.com>;tag=1928301774\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    );
    received.popVia();
    const relayed = Buffer.from(received.toBuffer());
    received.compact();
    expect(received.toBuffer().equals(relayed)).toBe(true);
    expect(received.via.map((via) => via.host)).toEqual(['pc33.atlanta.example.com']);
    expect(received.clone().toBuffer().equals(relayed)).toBe(true);
  });

  it('a message built in code compacts too', () => {
    const request = new SipRequest('OPTIONS', parseUri('sip:example.com'), [
      { name: 'Call-ID', value: 'x1' },
      { name: 'CSeq', value: '1 OPTIONS' },
    ]);
    const built = Buffer.from(request.toBuffer());
    request.compact();
    expect(request.toBuffer().equals(built)).toBe(true);
    expect(request.callId).toBe('x1');
  });
});
