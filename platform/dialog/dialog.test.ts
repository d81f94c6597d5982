import { describe, expect, it } from 'vitest';
import { createResponse, formatUri, parseMessage, type SipRequest, type SipResponse } from '../sip/index.js';
import { createUacDialog, createUasDialog, DialogCreationError } from './create-dialog.js';
import { dialogKey, uacDialogIdOf, uasDialogIdOf } from './dialog-id.js';
import { destinationOf, nextHopOf, NextHopError } from './next-hop.js';

const CONTACT = '<sip:switchboard@127.0.0.1:5070>';

function parse<T>(text: string): T {
  return parseMessage(Buffer.from(text.replace(/\n/g, '\r\n'))).message as T;
}

const INVITE = `INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKnashds8
Max-Forwards: 70
From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774
To: Bob <sip:bob@biloxi.example.com>
Call-ID: a84b4c76e66710
CSeq: 314159 INVITE
Contact: <sip:alice@10.0.0.1:5080>
Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>
Content-Length: 0

`;

function answer(invite: SipRequest, status = 200, recordRoute = ['<sip:10.0.0.2:5062;lr>', '<sip:10.0.0.3:5063;lr>']): SipResponse {
  return createResponse(invite, status, undefined, {
    toTag: 'b-tag',
    headers: [...recordRoute.map((value) => ({ name: 'Record-Route', value })), { name: 'Contact', value: '<sip:bob@10.0.0.9:5090;transport=tcp>' }],
  });
}

describe('dialog ids (§12)', () => {
  it('mirrors local and remote tags between UAC and UAS views', () => {
    const invite = parse<SipRequest>(INVITE);
    const ok = answer(invite);
    expect(uacDialogIdOf(ok)).toEqual({ callId: 'a84b4c76e66710', localTag: '1928301774', remoteTag: 'b-tag' });
    const bye = parse<SipRequest>(INVITE.replace('INVITE sip', 'BYE sip').replace('314159 INVITE', '314160 BYE').replace('To: Bob <sip:bob@biloxi.example.com>', 'To: <sip:bob@biloxi.example.com>;tag=b-tag'));
    expect(uasDialogIdOf(bye)).toEqual({ callId: 'a84b4c76e66710', localTag: 'b-tag', remoteTag: '1928301774' });
    expect(uasDialogIdOf(invite)).toBeUndefined(); // no To tag: outside any dialog
    expect(dialogKey(uacDialogIdOf(ok)!)).not.toBe(dialogKey(uasDialogIdOf(bye)!));
  });
});

describe('UAC dialog (§12.1.2, §12.2.1.1, §13.2.2.4)', () => {
  it('takes the route set from the response Record-Route in reverse and the remote target from Contact', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUacDialog(invite, answer(invite), CONTACT);
    expect(dialog.role).toBe('uac');
    expect(dialog.state).toBe('confirmed');
    expect(dialog.routeSet.map((route) => formatUri(route.uri))).toEqual(['sip:10.0.0.3:5063;lr', 'sip:10.0.0.2:5062;lr']);
    expect(formatUri(dialog.remoteTarget)).toBe('sip:bob@10.0.0.9:5090;transport=tcp');
    expect(dialog.localSeq).toBe(314159);
    expect(dialog.remoteSeq).toBeUndefined();
  });

  it('makes an early dialog from a 1xx with a To tag', () => {
    const invite = parse<SipRequest>(INVITE);
    expect(createUacDialog(invite, answer(invite, 180), CONTACT).state).toBe('early');
  });

  it('builds loose-routed requests: Request-URI = remote target, Route = route set, CSeq + 1', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUacDialog(invite, answer(invite), CONTACT);
    const bye = dialog.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:bob@10.0.0.9:5090;transport=tcp');
    expect(bye.getHeaders('Route')).toEqual(['<sip:10.0.0.3:5063;lr>', '<sip:10.0.0.2:5062;lr>']);
    expect(bye.cseq).toEqual({ seq: 314160, method: 'BYE' });
    expect(bye.getHeader('From')).toBe('"Alice" <sip:alice@atlanta.example.com>;tag=1928301774');
    expect(bye.getHeader('To')).toBe('"Bob" <sip:bob@biloxi.example.com>;tag=b-tag');
    expect(bye.callId).toBe('a84b4c76e66710');
    expect(bye.hasHeader('Contact')).toBe(false);
    expect(nextHopOf(bye)).toEqual({ protocol: 'udp', address: '10.0.0.3', port: 5063 });
    expect(destinationOf(dialog.nextHopUri)).toEqual({ protocol: 'udp', address: '10.0.0.3', port: 5063 });
    const reinvite = dialog.createRequest('INVITE', { body: { contentType: 'application/sdp', content: 'v=0\r\n' } });
    expect(reinvite.cseq.seq).toBe(314161);
    expect(reinvite.getHeader('Contact')).toBe(CONTACT);
    expect(reinvite.getHeader('Content-Type')).toBe('application/sdp');
  });

  it('builds strict-routed requests: Request-URI = first route, remote target last in Route', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUacDialog(invite, answer(invite, 200, ['<sip:10.0.0.2:5062;lr>', '<sip:10.0.0.3:5063>']), CONTACT);
    const bye = dialog.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:10.0.0.3:5063');
    expect(bye.getHeaders('Route')).toEqual(['<sip:10.0.0.2:5062;lr>', '<sip:bob@10.0.0.9:5090;transport=tcp>']);
    expect(destinationOf(dialog.nextHopUri)).toEqual({ protocol: 'udp', address: '10.0.0.3', port: 5063 });
  });

  it('builds the ACK for a 2xx with the INVITE CSeq number and no local CSeq increment', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUacDialog(invite, answer(invite), CONTACT);
    const ack = dialog.createAck(314159, { headers: [{ name: 'Proxy-Authorization', value: 'Digest x' }] });
    expect(ack.method).toBe('ACK');
    expect(ack.cseq).toEqual({ seq: 314159, method: 'ACK' });
    expect(ack.getHeader('Proxy-Authorization')).toBe('Digest x');
    expect(dialog.localSeq).toBe(314159);
    expect(() => dialog.createRequest('ACK')).toThrow();
  });

  it('refuses to create a dialog without To tag or Contact', () => {
    const invite = parse<SipRequest>(INVITE);
    const noTag = createResponse(invite, 200, undefined, { headers: [{ name: 'Contact', value: '<sip:b@10.0.0.9>' }] });
    expect(() => createUacDialog(invite, noTag, CONTACT)).toThrow(DialogCreationError);
    const noContact = createResponse(invite, 200, undefined, { toTag: 'x' });
    expect(() => createUacDialog(invite, noContact, CONTACT)).toThrow(DialogCreationError);
  });
});

describe('UAS dialog (§12.1.1, §12.2.2)', () => {
  it('takes the route set from the request Record-Route in order and checks the remote CSeq', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUasDialog(invite, 'our-tag', CONTACT);
    expect(dialog.id).toEqual({ callId: 'a84b4c76e66710', localTag: 'our-tag', remoteTag: '1928301774' });
    expect(dialog.routeSet.map((route) => formatUri(route.uri))).toEqual(['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
    expect(formatUri(dialog.remoteTarget)).toBe('sip:alice@10.0.0.1:5080');
    expect(dialog.remoteSeq).toBe(314159);
    expect(dialog.localSeq).toBeUndefined();

    const inDialog = (seq: number, method = 'INFO'): SipRequest =>
      parse<SipRequest>(INVITE.replace('INVITE sip', `${method} sip`).replace('314159 INVITE', `${seq} ${method}`));
    expect(dialog.acceptRemoteSeq(inDialog(314161))).toBe(true);
    expect(dialog.remoteSeq).toBe(314161);
    expect(dialog.acceptRemoteSeq(inDialog(314160))).toBe(false); // lower: 500
    expect(dialog.acceptRemoteSeq(inDialog(314161, 'ACK'))).toBe(true);

    // Our first request picks a CSeq of its own (empty local sequence number).
    const bye = dialog.createRequest('BYE');
    expect(bye.cseq.seq).toBeGreaterThan(0);
    expect(bye.cseq.seq).toBeLessThan(2 ** 31);
    expect(bye.getHeader('From')).toBe('"Bob" <sip:bob@biloxi.example.com>;tag=our-tag');
    expect(bye.getHeader('To')).toBe('"Alice" <sip:alice@atlanta.example.com>;tag=1928301774');
    expect(bye.getHeaders('Route')).toEqual(['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
    expect(() => nextHopOf(bye)).toThrow(NextHopError); // a host name: no RFC 3263 here
  });

  it('refreshes the remote target from a re-INVITE Contact', () => {
    const invite = parse<SipRequest>(INVITE);
    const dialog = createUasDialog(invite, 'our-tag', CONTACT);
    dialog.refreshTarget(parse<SipRequest>(INVITE.replace('<sip:alice@10.0.0.1:5080>', '<sip:alice@10.0.0.7:5099>')));
    expect(formatUri(dialog.remoteTarget)).toBe('sip:alice@10.0.0.7:5099');
    dialog.terminate();
    expect(() => dialog.createRequest('BYE')).toThrow();
  });
});

describe('next hop without DNS', () => {
  it('resolves IP literals, localhost, transport and sips', () => {
    const uri = (text: string) => parseMessage(Buffer.from(`OPTIONS ${text} SIP/2.0\r\nContent-Length: 0\r\n\r\n`)).message as SipRequest;
    expect(destinationOf(uri('sip:a@localhost').uri)).toEqual({ protocol: 'udp', address: '127.0.0.1', port: 5060 });
    expect(destinationOf(uri('sips:a@127.0.0.1').uri)).toEqual({ protocol: 'tls', address: '127.0.0.1', port: 5061 });
    expect(destinationOf(uri('sip:a@[::1]:5080;transport=TCP').uri)).toEqual({ protocol: 'tcp', address: '::1', port: 5080 });
    expect(() => destinationOf(uri('sip:a@example.com').uri)).toThrow(NextHopError);
    expect(() => destinationOf(uri('tel:+15551234').uri)).toThrow(NextHopError);
  });
});
