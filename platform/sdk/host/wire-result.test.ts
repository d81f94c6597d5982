/** The host's check of what a guest returns, for the `b2bua` action: untrusted input. */
import { describe, expect, it } from 'vitest';
import { parseWireResult } from './wire-result.js';

const b2bua = (fields: Record<string, unknown>) => parseWireResult({ action: { kind: 'b2bua', target: 'sip:bob@192.0.2.7', headers: [], ...fields } });

describe('parseWireResult: b2bua', () => {
  it('accepts a target with optional From, To, extension headers and a ring timeout', () => {
    const parsed = b2bua({ from: '"Prepaid" <sip:prepaid@sb.test>', to: '<sip:bob@sb.test>', headers: [['X-Account', 'alice']], timeoutMs: 20_000 });
    expect(parsed).toEqual({
      ok: true,
      result: { action: { kind: 'b2bua', target: 'sip:bob@192.0.2.7', from: '"Prepaid" <sip:prepaid@sb.test>', to: '<sip:bob@sb.test>', headers: [['X-Account', 'alice']], timeoutMs: 20_000 } },
    });
  });

  it('refuses what would let an app forge leg B: non-URIs, line breaks, server-owned header fields, unknown fields', () => {
    for (const bad of [
      { target: 'bob@192.0.2.7' },
      { target: 'sip:bob@192.0.2.7\r\nVia: x' },
      { from: 'sip:a@b\r\nRoute: <sip:evil>' },
      { headers: [['Via', 'SIP/2.0/UDP 192.0.2.66']] },
      { headers: [['call-id', 'x']] },
      { headers: [['Contact', '<sip:evil@192.0.2.66>']] },
      { headers: [['X-Ok', 'a\r\nRoute: <sip:evil>']] },
      { headers: [['Bad Name', 'x']] },
      { timeoutMs: 0 },
      { relayInDialog: false },
    ]) {
      const parsed = b2bua(bad);
      expect(parsed.ok, JSON.stringify(bad)).toBe(false);
    }
    expect(b2bua({ headers: [['Max-Forwards', '1']] })).toMatchObject({ ok: false, message: expect.stringContaining('action') });
  });
});
