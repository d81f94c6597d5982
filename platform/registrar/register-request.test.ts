import { describe, expect, it } from 'vitest';
import { parseMessage, SipRequest } from '../sip/index.js';
import { parseQ, readRegister } from './register-request.js';

const policy = { minExpires: 60, maxExpires: 3600, defaultExpires: 1200 };

function register(extra: string[]): SipRequest {
  const text = [
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKq',
    'From: <sip:alice@example.com>;tag=f',
    'To: <sip:alice@example.com>',
    'Call-ID: c',
    'CSeq: 1 REGISTER',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('no request');
  return message;
}

describe('readRegister (RFC 3261 §10.3 steps 6–7)', () => {
  it('a malformed Expires header counts as absent: the default applies (§20.19)', () => {
    expect(readRegister(register(['Contact: <sip:a@192.0.2.1>', 'Expires: soon']), policy)).toEqual({
      kind: 'update',
      contacts: [{ uri: 'sip:a@192.0.2.1', expires: 1200 }],
    });
  });

  it('Expires 0 is a removal, not too brief', () => {
    expect(readRegister(register(['Contact: <sip:a@192.0.2.1>;expires=0']), policy)).toEqual({
      kind: 'update',
      contacts: [{ uri: 'sip:a@192.0.2.1', expires: 0 }],
    });
  });

  it('keeps +sip.instance (unquoted) and reg-id (RFC 5626)', () => {
    const intent = readRegister(register(['Contact: <sip:a@192.0.2.1;ob>;+sip.instance="<urn:uuid:1234>";reg-id=2;q=0.25']), policy);
    expect(intent).toEqual({
      kind: 'update',
      contacts: [{ uri: 'sip:a@192.0.2.1;ob', expires: 1200, q: 0.25, instanceId: '<urn:uuid:1234>', regId: 2 }],
    });
  });

  it('Contact: * needs Expires: 0 exactly', () => {
    expect(readRegister(register(['Contact: *', 'Expires: 0']), policy)).toEqual({ kind: 'remove-all' });
    expect(readRegister(register(['Contact: *', 'Expires: 00']), policy)).toEqual({ kind: 'remove-all' });
    expect(readRegister(register(['Contact: *', 'Expires: x']), policy)).toMatchObject({ kind: 'reject', status: 400 });
  });
});

describe('parseQ (§25.1 qvalue)', () => {
  const table: Array<[string, number | undefined]> = [
    ['1', 1], ['1.0', 1], ['1.000', 1], ['0', 0], ['0.5', 0.5], ['0.125', 0.125],
    ['1.5', undefined], ['0.1234', undefined], ['-0.1', undefined], ['', undefined], ['.5', undefined],
  ];
  for (const [text, q] of table) it(`"${text}" → ${String(q)}`, () => expect(parseQ(text)).toBe(q));
});
