import { describe, expect, it } from 'vitest';
import { checkIdentity } from './identity.js';

describe('checkIdentity', () => {
  it('accepts the user acting for its own AOR, in any URI form', () => {
    for (const aor of ['sip:alice@example.com', 'sips:alice@EXAMPLE.com;user=phone', '<sip:alice@example.com:5060>', 'alice@example.com', 'sip:%61lice@example.com']) {
      expect(checkIdentity('alice', 'example.com', aor), aor).toEqual({ ok: true });
    }
  });

  it('compares the user part case-sensitively and unescaped', () => {
    expect(checkIdentity('Alice', 'example.com', 'sip:alice@example.com').ok).toBe(false);
    expect(checkIdentity('a b', 'example.com', 'sip:a%20b@example.com').ok).toBe(true);
  });

  it('refuses another user, another domain, and AORs that are not SIP', () => {
    expect(checkIdentity('alice', 'example.com', 'sip:bob@example.com')).toMatchObject({
      ok: false,
      message: expect.stringContaining('may not act for bob@example.com'),
    });
    expect(checkIdentity('alice', 'example.com', 'sip:alice@example.org').ok).toBe(false);
    expect(checkIdentity('alice', 'example.com', 'tel:+15551234').ok).toBe(false);
    expect(checkIdentity('alice', 'example.com', 'sip:example.com').ok).toBe(false);
  });
});
