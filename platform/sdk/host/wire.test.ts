/**
 * The request and response as they cross into the isolate: the header section is one string
 * (protocol.ts WireHeaderSection) and the guest's objects read it back like the SIP message.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceCall, ServiceHost } from '../../services/index.js';
import { parseMessage, SipRequest } from '../../sip/index.js';
import { EventScope } from '../event-scope.js';
import { RequestImpl, ResponseImpl, type RequestHost } from '../messages.js';
import { headerSection, toWireRequest, toWireResponse } from './wire.js';

const host: ServiceHost = { lookup: async () => ({ kind: 'not-ours' }), isLocalDomain: () => true, onRegistration: () => () => undefined };

const INVITE = [
  'INVITE sip:bob@sb.test SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1',
  'v: SIP/2.0/UDP 127.0.0.2:5061;branch=z9hG4bK-2',
  'Max-Forwards: 70',
  'f: "Alice" <sip:alice@a.test>;tag=t1',
  'To: <sip:bob@sb.test>',
  'i: call-7@a.test',
  'CSeq: 1 INVITE',
  'Subject: I know you',
  '  are there',
  'Allow: INVITE, ACK',
  'Allow: BYE',
  'Content-Type: text/plain',
  'Content-Length: 5',
  '',
  'hello',
].join('\r\n');

function parsedRequest(): SipRequest {
  const { message } = parseMessage(Buffer.from(INVITE));
  if (!(message instanceof SipRequest)) throw new Error('not a request');
  return message;
}

function guestRequest(call: ServiceCall): RequestImpl {
  const sdkHost: RequestHost = { scope: () => new EventScope({ session: { id: 's', attributes: {}, createdAt: 0, expiresAt: 1 }, grants: [] }, true), awaitOutcome: () => undefined, awaitB2bua: () => undefined, supervised: false };
  return new RequestImpl(toWireRequest(call), 'c#1', 's', sdkHost);
}

describe('wire header section', () => {
  it('sends the request header fields as one CRLF-joined string, names as received, folding undone', () => {
    const request = parsedRequest();
    const wire = toWireRequest({ request, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5061 }, host });
    expect(typeof wire.headers).toBe('string');
    expect(wire.headers.split('\r\n')).toEqual(request.headerFields.map((field) => `${field.name}: ${field.value}`));
    expect(wire.headers).toContain('i: call-7@a.test');
    expect(wire.body).toBe('hello');
  });

  it('gives the guest the same headers, parties and Call-ID as the SIP message (compact forms, repeats)', () => {
    const request = parsedRequest();
    const req = guestRequest({ request, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5061 }, host });
    expect(req.callId).toBe('call-7@a.test');
    expect(req.from).toMatchObject({ uri: 'sip:alice@a.test', displayName: 'Alice', tag: 't1', user: 'alice' });
    expect(req.to.uri).toBe('sip:bob@sb.test');
    expect(req.headers.getAll('allow')).toEqual(['INVITE, ACK', 'BYE']);
    expect(req.headers.get('subject')).toBe(request.getHeader('Subject'));
    expect(req.headers.entries()).toEqual(request.headerFields.map((field) => [field.name, field.value]));
  });

  it('sends response headers the same way; none is an empty string', () => {
    const fields = [
      { name: 'Contact', value: '<sip:bob@192.0.2.7>' },
      { name: 'Contact', value: '<sip:bob@192.0.2.8>' },
    ];
    const wire = toWireResponse({ status: 302, reason: 'Moved', headers: fields });
    expect(wire.headers).toBe('Contact: <sip:bob@192.0.2.7>\r\nContact: <sip:bob@192.0.2.8>');
    expect(headerSection([])).toBe('');
    const res = new ResponseImpl(wire, undefined, guestRequest({ request: parsedRequest(), direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5061 }, host }));
    expect(res.headers.getAll('contact')).toEqual(['<sip:bob@192.0.2.7>', '<sip:bob@192.0.2.8>']);
  });
});
