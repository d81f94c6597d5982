/**
 * An SDK app that bridges calls as a B2BUA, in the kit: the prepaid sample (apps/prepaid) with a
 * 10-minute credit runs in milliseconds on the virtual clock — BYE on both legs exactly when the
 * credit runs out, the call charged, the next call refused with 402.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from './index.js';

const PREPAID = fileURLToPath(new URL('../../apps/prepaid/', import.meta.url));

describe('test kit: a B2BUA app (apps/prepaid) on the virtual clock', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ apps: [PREPAID], selection: [{ app: 'prepaid', direction: 'originating' }], kv: { prepaid: { 'credit:alice@sb.test': 600 } } });
  });
  afterEach(() => kit.close());

  it('ends the call with BYE on both legs when the credit runs out, then refuses with 402', async () => {
    const bob = kit.phone('sip:bob@sb.test', { answer: 'answer', ringMs: 5000 });
    const call = kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(bob.requests('INVITE')[0]?.callId).not.toBe(call.callId); // leg B is a dialog of its own
    await kit.clock.advance(599_999);
    expect(bob.methods()).toEqual(['INVITE']);
    await kit.clock.advance(1);
    expect(bob.methods()).toEqual(['INVITE', 'BYE']);
    expect(kit.ladder().filter((m) => m.method === 'BYE').map((m) => `${m.at} ${m.label}`)).toEqual([
      '605000 BYE app→alice',
      '605000 200 alice→app',
      '605000 BYE app→bob',
      '605000 200 bob→app',
    ]);
    expect(kit.kv.get('prepaid', 'credit:alice@sb.test')).toBe(0);
    expect(kit.engine.sessions.count('prepaid')).toBe(0);
    expect((await kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' }).settle()).status).toBe(402);
  });

  it('charges the seconds used when the caller hangs up first; a busy callee costs nothing', async () => {
    kit.phone('sip:bob@sb.test', { answer: ['answer', 'busy'] });
    const call = kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    await kit.clock.advance(42_000);
    await call.hangup();
    expect(kit.kv.get('prepaid', 'credit:alice@sb.test')).toBe(558);
    expect((await kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' }).settle()).status).toBe(486);
    expect(kit.kv.get('prepaid', 'credit:alice@sb.test')).toBe(558);
  });
});
