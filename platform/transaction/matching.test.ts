import { describe, expect, it } from 'vitest';
import { clientKeyOfResponse, isRfc3261Branch, matchesRfc2543, sameVia, sentByOf, serverTransactionKey } from './matching.js';
import { makeRequest, makeResponse } from './test-support.js';

describe('transaction matching keys', () => {
  it('recognises an RFC 3261 branch only with the magic cookie and something after it (§8.1.1.7)', () => {
    expect(isRfc3261Branch('z9hG4bK776asdhds')).toBe(true);
    expect(isRfc3261Branch('z9hG4bK')).toBe(false);
    expect(isRfc3261Branch('776asdhds')).toBe(false);
    expect(isRfc3261Branch('Z9HG4BK776asdhds')).toBe(false);
    expect(isRfc3261Branch(null)).toBe(false);
    expect(isRfc3261Branch(undefined)).toBe(false);
  });

  it('keys an ACK like the INVITE it acknowledges (§17.2.3)', () => {
    const invite = makeRequest({ method: 'INVITE', branch: 'z9hG4bKabc' });
    const ack = makeRequest({ method: 'ACK', branch: 'z9hG4bKabc' });
    expect(serverTransactionKey(ack)).toBe(serverTransactionKey(invite));
  });

  it('keys a CANCEL apart from its INVITE unless asked to match as INVITE (§9.2)', () => {
    const invite = makeRequest({ method: 'INVITE', branch: 'z9hG4bKabc' });
    const cancel = makeRequest({ method: 'CANCEL', branch: 'z9hG4bKabc' });
    expect(serverTransactionKey(cancel)).not.toBe(serverTransactionKey(invite));
    expect(serverTransactionKey(cancel, 'INVITE')).toBe(serverTransactionKey(invite));
  });

  it('has no RFC 3261 key for a request without a cookie branch', () => {
    expect(serverTransactionKey(makeRequest({ branch: null }))).toBeUndefined();
    expect(serverTransactionKey(makeRequest({ branch: 'z9hG4bK' }))).toBeUndefined();
  });

  it('keys a response by branch and CSeq method (§17.1.3)', () => {
    const request = makeRequest({ method: 'BYE', branch: 'z9hG4bKxyz' });
    expect(clientKeyOfResponse(makeResponse(request, 200))).toBe('z9hG4bKxyz BYE');
  });

  it('writes sent-by with a lower-cased host and the port when present', () => {
    expect(sentByOf(makeRequest({ sentBy: 'Host.Example.com:5080' }).topVia!)).toBe('host.example.com:5080');
    expect(sentByOf(makeRequest({ sentBy: 'host.example.com' }).topVia!)).toBe('host.example.com');
  });

  it('compares top Vias without received and rport, parameter order ignored', () => {
    const a = makeRequest({ branch: null, viaParams: ';ttl=1;maddr=224.0.0.1;received=192.0.2.1;rport=1' }).topVia;
    const b = makeRequest({ branch: null, viaParams: ';maddr=224.0.0.1;ttl=1' }).topVia;
    const c = makeRequest({ branch: null, viaParams: ';maddr=224.0.0.2;ttl=1' }).topVia;
    expect(sameVia(a, b)).toBe(true);
    expect(sameVia(a, c)).toBe(false);
  });

  it('RFC 2543: an ACK needs the To tag of the response the transaction sent', () => {
    const invite = makeRequest({ method: 'INVITE', branch: null });
    const ack = makeRequest({ method: 'ACK', branch: null, cseqMethod: 'ACK', toTag: 'sent' });
    expect(matchesRfc2543(invite, ack, 'sent')).toBe(true);
    expect(matchesRfc2543(invite, ack, 'other')).toBe(false);
    expect(matchesRfc2543(invite, ack, undefined)).toBe(false);
  });
});
