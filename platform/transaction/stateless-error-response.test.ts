import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage, SipRequest } from '../sip/index.js';
import { chooseParseError, createParseErrorResponse } from './stateless-error-response.js';
import { makeRequest } from './test-support.js';

const tortureDir = new URL('../../../shared/conformance/sip-torture/', import.meta.url);

function torture(name: string) {
  const { message, errors } = parseMessage(readFileSync(new URL(name, tortureDir)));
  if (!(message instanceof SipRequest)) throw new Error(`${name} is not a request`);
  return { message, errors };
}

describe('stateless answers to malformed requests (RFC 4475 §3.1.2, §3.3)', () => {
  it.each([
    ['badvers.dat', '3.1.2.16', 505, 'Version Not Supported'],
    ['quotbal.dat', '3.1.2.6', 400, 'Unterminated quoted string in To'],
    ['scalar02.dat', '3.1.2.4', 400, 'Sequence number out of range in CSeq'],
    ['mismatch01.dat', '3.1.2.17', 400, 'CSeq method does not match request method'],
    ['clerr.dat', '3.1.2.2', 400, 'Content-Length larger than message'],
    ['ltgtruri.dat', '3.1.2.7', 400, 'Request-URI must not be enclosed in <>'],
    ['badinv01.dat', '3.1.2.1', 400, 'Empty parameter in Via'],
  ])('%s (§%s) is answered %i with a reason naming the fault', (file, _section, status, reason) => {
    const { message, errors } = torture(file);
    const result = createParseErrorResponse(message, errors);
    if (result.kind !== 'response') throw new Error(`dropped: ${result.reason}`);
    expect(result.response.status).toBe(status);
    expect(result.response.reason).toBe(reason);
    expect(result.response.version).toBe('SIP/2.0');
    expect(result.response.getHeader('Call-ID')).toBe(message.getHeader('Call-ID'));
    expect(result.response.getHeader('CSeq')).toBe(message.getHeader('CSeq'));
  });

  it('adds a To tag when the To is readable, and none to a To the parser could not read', () => {
    const good = createParseErrorResponse(makeRequest(), [{ code: 'bad-header', status: 400, reason: 'Bad Header' }]);
    const bad = createParseErrorResponse(torture('quotbal.dat').message, torture('quotbal.dat').errors);
    if (good.kind !== 'response' || bad.kind !== 'response') throw new Error('expected responses');
    expect(good.response.to.params.get('tag')).toBeTruthy();
    expect(bad.response.getHeader('To')).toBe(torture('quotbal.dat').message.getHeader('To'));
  });

  it('drops a request without the headers a response needs (§3.3.1 insuf: no From, To, Call-ID)', () => {
    const { message, errors } = torture('insuf.dat');
    expect(createParseErrorResponse(message, errors)).toEqual({ kind: 'drop', reason: 'cannot answer: missing From, To, Call-ID' });
  });

  it('never answers an ACK', () => {
    const ack = makeRequest({ method: 'ACK' });
    expect(createParseErrorResponse(ack, [{ code: 'bad-header', status: 400, reason: 'Bad Header' }]).kind).toBe('drop');
  });

  it('answers the 505 first when the version is among several faults, else the first fault', () => {
    const a = { code: 'bad-to', status: 400, reason: 'A' };
    const v = { code: 'version-not-supported', status: 505, reason: 'V' };
    expect(chooseParseError([a, v])).toBe(v);
    expect(chooseParseError([a, { ...a, reason: 'B' }])).toBe(a);
    expect(chooseParseError([])).toBeUndefined();
  });
});
