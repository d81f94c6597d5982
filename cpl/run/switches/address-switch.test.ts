import { describe, expect, it } from 'vitest';
import { compileCpl } from '../../compile/compile-cpl.js';
import { CplSession } from '../cpl-session.js';
import type { CplAddressInput, CplCallFacts } from '../host.js';

/** Runs `<address-switch field subfield><address op=value>` → reject 404 on match, 603 otherwise, 480 not-present. */
function decide(field: string, subfield: string | null, op: string, value: string, address: CplAddressInput, userIsPhone = false): number | string {
  const sf = subfield === null ? '' : ` subfield="${subfield}"`;
  const xml = `<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><address-switch field="${field}"${sf}><address ${op}="${value}"><reject status="404"/></address><not-present><reject status="480"/></not-present><otherwise><reject status="603"/></otherwise></address-switch></incoming></cpl>`;
  const r = compileCpl(xml);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  const call: CplCallFacts = {
    direction: 'incoming',
    requestUri: field === 'destination' ? (typeof address === 'string' ? address : address.uri) : 'sip:callee@example.com',
    from: field === 'origin' ? address : '<sip:caller@example.com>',
    to: field === 'original-destination' ? address : '<sip:callee@example.com>',
  };
  const step = new CplSession(r.script, call, { userIsPhone }).start();
  if (step.kind !== 'decision' || step.decision.kind !== 'reject') return JSON.stringify(step);
  return step.decision.status === 404 ? 'match' : step.decision.status === 480 ? 'not-present' : 'no-match';
}

describe('address-switch subfields (RFC 3880 §4.1.1)', () => {
  it.each([
    // whole address: SIP URI equality
    ['origin', null, 'is', 'sip:boss@example.com', '"B" <sip:boss@EXAMPLE.COM;transport=tcp>', 'match'],
    ['origin', null, 'is', 'sip:boss@example.com', '<sip:boss@example.com:5060>', 'no-match'],
    ['destination', null, 'is', 'sip:jones@example.com', 'sip:jones@example.com', 'match'],
    // address-type
    ['origin', 'address-type', 'is', 'SIP', '<sip:a@b.example>', 'match'],
    ['origin', 'address-type', 'is', 'tel', '<tel:+1-212-555-1212>', 'match'],
    // user: case-sensitive; tel URL subscriber
    ['origin', 'user', 'is', 'Alice', '<sip:alice@b.example>', 'no-match'],
    ['origin', 'user', 'is', 'alice', '<sip:%61lice@b.example>', 'match'],
    ['origin', 'user', 'is', 'alice', '<sip:b.example>', 'not-present'],
    ['origin', 'user', 'is', '+1-212-555-1212', '<tel:+1-212-555-1212>', 'match'],
    // host: names as strings, IPs numerically, leading dots ignored, label boundaries
    ['origin', 'host', 'is', 'EXAMPLE.com', '<sip:a@example.COM>', 'match'],
    ['origin', 'host', 'is', '::1', '<sip:a@[0:0:0:0:0:0:0:1]>', 'match'],
    ['origin', 'host', 'is', '127.0.0.1', '<sip:a@localhost>', 'no-match'],
    ['origin', 'host', 'is', '192.0.2.1', '<sip:a@[::ffff:192.0.2.1]>', 'no-match'],
    ['origin', 'host', 'subdomain-of', 'example.com', '<sip:a@zaphod.sales.internal.example.com>', 'match'],
    ['origin', 'host', 'subdomain-of', '.example.com', '<sip:a@example.com>', 'match'],
    ['origin', 'host', 'subdomain-of', 'example.com', '<sip:a@notexample.com>', 'no-match'],
    ['origin', 'host', 'subdomain-of', '192.0.2.1', '<sip:a@192.0.2.1>', 'match'],
    ['origin', 'host', 'subdomain-of', '2.1', '<sip:a@192.0.2.1>', 'no-match'],
    ['origin', 'host', 'is', 'example.com', '<tel:+1-212-555-1212>', 'not-present'],
    // port: absent is not 5060; leading zeros ignored
    ['destination', 'port', 'is', '5060', 'sip:a@b.example', 'not-present'],
    ['destination', 'port', 'is', '05060', 'sip:a@b.example:5060', 'match'],
    ['destination', 'port', 'is', '5061', 'sip:a@b.example:5060', 'no-match'],
    // tel: user=phone or configured; prefix match for subdomain-of
    ['original-destination', 'tel', 'subdomain-of', '1212555', '<tel:1-212-555-1212>', 'match'],
    ['original-destination', 'tel', 'subdomain-of', '1 212 555', '<sip:1-212-555-1212@gw.example;user=phone>', 'match'],
    ['original-destination', 'tel', 'is', '12125551212', '<sip:1(212)555-1212@gw.example;user=phone>', 'match'],
    ['original-destination', 'tel', 'is', '12125551212', '<sip:12125551212@gw.example>', 'not-present'],
    ['original-destination', 'tel', 'is', '1800555abcd', '<tel:1-800-555-ABCD>', 'match'],
    // display: caseless, contains
    ['origin', 'display', 'contains', 'smith', '"John SMITH" <sip:j@b.example>', 'match'],
    ['origin', 'display', 'is', 'john smith', '"John Smith" <sip:j@b.example>', 'match'],
    ['origin', 'display', 'is', 'john smith', '<sip:j@b.example>', 'not-present'],
    ['destination', 'display', 'is', 'x', 'sip:j@b.example', 'not-present'],
    // password: case-sensitive
    ['origin', 'password', 'is', 'Secret', '<sip:j:Secret@b.example>', 'match'],
    ['origin', 'password', 'is', 'secret', '<sip:j:Secret@b.example>', 'no-match'],
    // alias-type: H.323 only
    ['origin', 'alias-type', 'is', 'e164', '<sip:j@b.example>', 'not-present'],
  ])('%s %s %s="%s" against %s → %s', (field, subfield, op, value, address, expected) => {
    expect(decide(field, subfield, op, value, address)).toBe(expected);
  });

  it('a digits-only user part is a phone number when the server is configured so', () => {
    expect(decide('original-destination', 'tel', 'is', '12125551212', '<sip:12125551212@gw.example>', true)).toBe('match');
  });

  it('accepts structured addresses from the host', () => {
    expect(decide('origin', 'display', 'is', 'Boss', { uri: 'sip:boss@example.com', display: 'BOSS' })).toBe('match');
  });
});
