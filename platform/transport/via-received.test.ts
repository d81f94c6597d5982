import { describe, expect, it } from 'vitest';
import { parseMessage, type SipMessage } from '../sip/index.js';
import { requestText } from './test-helpers.js';
import { stampReceived } from './via-received.js';

function message(via: string): SipMessage {
  const { message: parsed } = parseMessage(Buffer.from(requestText({ via: `${via}, SIP/2.0/UDP second.example.com;branch=z9hG4bK-2` })));
  if (!parsed) throw new Error('unparseable');
  return parsed;
}

describe('received and rport (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host is not the source, keeping the other Via values', () => {
    const request = message('SIP/2.0/UDP pc33.example.com;branch=z9hG4bK-1');
    expect(stampReceived(request, { address: '192.0.2.4', port: 5060 })).toBe(true);
    expect(request.getHeaders('Via')).toEqual([
      'SIP/2.0/UDP pc33.example.com;branch=z9hG4bK-1;received=192.0.2.4',
      'SIP/2.0/UDP second.example.com;branch=z9hG4bK-2',
    ]);
  });

  it('leaves a Via whose sent-by is the source address alone, comparing IPv6 by value', () => {
    const request = message('SIP/2.0/UDP [2001:db8:0:0:0:0:0:1]:5070;branch=z9hG4bK-1');
    stampReceived(request, { address: '2001:db8::1', port: 5070 });
    expect(request.topVia?.params.has('received')).toBe(false);
  });

  it('fills an empty rport and adds received even when the host matches', () => {
    const request = message('SIP/2.0/UDP 192.0.2.4:5060;rport;branch=z9hG4bK-1');
    stampReceived(request, { address: '192.0.2.4', port: 40123 });
    expect(request.topVia?.params.get('rport')).toBe('40123');
    expect(request.topVia?.params.get('received')).toBe('192.0.2.4');
  });

  it('writes an IPv6 received without brackets', () => {
    const request = message('SIP/2.0/UDP client.example.com;branch=z9hG4bK-1');
    stampReceived(request, { address: '2001:db8::9', port: 5060 });
    expect(request.topVia?.params.get('received')).toBe('2001:db8::9');
  });

  it('does not touch an rport that already has a value', () => {
    const request = message('SIP/2.0/UDP 192.0.2.4:5060;rport=7000;branch=z9hG4bK-1');
    stampReceived(request, { address: '192.0.2.4', port: 40123 });
    expect(request.topVia?.params.get('rport')).toBe('7000');
    expect(request.topVia?.params.has('received')).toBe(false);
  });

  it('returns false and changes nothing for a malformed top Via', () => {
    const request = message('SIP/2.0/UDP ;;;');
    const before = request.getHeader('Via');
    expect(stampReceived(request, { address: '192.0.2.4', port: 5060 })).toBe(false);
    expect(request.getHeader('Via')).toBe(before);
  });
});
