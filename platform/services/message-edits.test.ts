import { describe, expect, it } from 'vitest';
import { parseMessage, SipRequest, SipResponse } from '../sip/index.js';
import { applyMessageEdits } from './message-edits.js';

function parse(text: string): SipRequest | SipResponse {
  const { message } = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!message) throw new Error('did not parse');
  return message;
}

const INVITE = parse(
  'INVITE sip:bob@example.com SIP/2.0\n' +
    'Via: SIP/2.0/UDP a.example.org;branch=z9hG4bK1\n' +
    'Via: SIP/2.0/UDP b.example.org;branch=z9hG4bK2\n' +
    'Max-Forwards: 70\n' +
    'From: <sip:alice@example.org>;tag=1\n' +
    'To: <sip:bob@example.com>\n' +
    'Call-ID: c1\n' +
    'CSeq: 1 INVITE\n' +
    'Subject: one\n' +
    'Subject: two\n' +
    'Content-Type: application/sdp\n' +
    'Content-Length: 4\n\nv=0\n',
) as SipRequest;

const names = (message: SipRequest | SipResponse): string[] => message.headerFields.map((field) => field.name.toLowerCase());

describe('applyMessageEdits (RFC 3050 §5.6.1.2 merge rules, core side)', () => {
  it('replaces every field of a given name in place and inserts new names after the Vias', () => {
    const out = applyMessageEdits(INVITE, { headers: [{ name: 'Subject', value: 'three' }, { name: 'Contact', value: '<sip:s1@company.com>' }] });
    expect(out.getHeaders('Subject')).toEqual(['three']);
    expect(names(out).slice(0, 3)).toEqual(['via', 'via', 'contact']);
    expect(INVITE.getHeaders('Subject')).toEqual(['one', 'two']); // the original is untouched
  });

  it('removes names, never Via, and deletes the body with its Content-Type on null', () => {
    const out = applyMessageEdits(INVITE, { remove: ['subject', 'Via'], body: null });
    expect(out.hasHeader('Subject')).toBe(false);
    expect(out.getHeaders('Via')).toHaveLength(2);
    expect(out.hasHeader('Content-Type')).toBe(false);
    expect(out.body.length).toBe(0);
  });

  it('replaces the body and caps Max-Forwards only downwards', () => {
    const out = applyMessageEdits(INVITE, { body: { contentType: 'text/plain', content: 'hi' }, maxForwards: 5 });
    expect(out.getHeader('Content-Type')).toBe('text/plain');
    expect(out.body.toString()).toBe('hi');
    expect(out.maxForwards).toBe(5);
    expect(applyMessageEdits(INVITE, { maxForwards: 90 }).maxForwards).toBe(70);
  });

  it('edits responses too (CGI-FORWARD-RESPONSE)', () => {
    const response = parse('SIP/2.0 486 Busy Here\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nTo: <sip:b@x>;tag=9\nContent-Length: 0\n\n') as SipResponse;
    const out = applyMessageEdits(response, { headers: [{ name: 'Retry-After', value: '60' }] });
    expect(out.status).toBe(486);
    expect(out.getHeader('Retry-After')).toBe('60');
    expect(out.getHeader('To')).toBe('<sip:b@x>;tag=9');
  });
});
