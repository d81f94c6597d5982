/**
 * forward-on-busy in the test kit (platform/testkit): the callee's phones ring together; busy or
 * no answer (on the virtual clock) sends the call to the forward target, recorded in the
 * application session; an answer or a plain failure reaches the caller unchanged.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from '@switchboard/sdk/testkit';

const APP = fileURLToPath(new URL('.', import.meta.url));

describe('forward-on-busy sample', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ apps: [APP], kv: { 'forward-on-busy': { 'forward:bob@sb.test': 'sip:voicemail@10.0.0.9' } } });
    kit.phone('sip:voicemail@10.0.0.9');
  });
  afterEach(() => kit.close());

  it('forwards a busy call to voicemail', async () => {
    kit.phone('sip:bob@sb.test', { answer: 'busy' });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(kit.ladder().map((m) => m.label)).toEqual([
      'INVITE alice→app',
      'INVITE app→bob',
      '486 bob→app',
      'INVITE app→voicemail',
      '180 voicemail→app',
      '180 app→alice',
      '200 voicemail→app',
      '200 app→alice',
    ]);
    expect(kit.session('forward-on-busy', call.callId)?.forwarded).toEqual({ from: 'bob@sb.test', to: 'sip:voicemail@10.0.0.9', because: 486 });
  });

  it('forwards an unanswered call to voicemail after 20 s (the README example)', async () => {
    const bob = kit.phone('sip:bob@sb.test', { answer: 'noanswer' });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    await kit.clock.advance(19_999);
    expect(call.response).toBeUndefined();
    expect((await call.settle()).status).toBe(200);
    expect(kit.ladder().map((m) => m.label)).toEqual([
      'INVITE alice→app', 'INVITE app→bob', '180 bob→app', '180 app→alice',
      'CANCEL app→bob', '487 bob→app',
      'INVITE app→voicemail', '180 voicemail→app', '180 app→alice', '200 voicemail→app', '200 app→alice',
    ]);
    expect(kit.formatLadder().split('\n').slice(4, 7)).toEqual([
      '20000  app → bob        CANCEL sip:bob@sb.test',
      '20000  bob → app        487 Request Terminated',
      '20000  app → voicemail  INVITE sip:voicemail@10.0.0.9',
    ]);
    expect(kit.session('forward-on-busy', call.callId)?.forwarded).toMatchObject({ because: 408 });
    expect(bob.methods()).toEqual(['INVITE']);
  });

  it('rings both phones at once; when neither answers within the timeout, forwards (virtual clock)', async () => {
    kit.kv.set('forward-on-busy', 'ring:bob@sb.test', ['sip:desk@10.0.0.1', 'sip:mobile@10.0.0.2']);
    kit.kv.set('forward-on-busy', 'timeout:bob@sb.test', 12);
    kit.phone('sip:desk@10.0.0.1', { answer: 'noanswer' });
    kit.phone('sip:mobile@10.0.0.2', { answer: { crashAfterMs: 5000 } });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    await kit.clock.advance(11_999);
    expect(call.response).toBeUndefined();
    await kit.clock.advance(1);
    expect(call.response?.status).toBe(200);
    // The crashed mobile never answers its CANCEL; desk answers 487.
    expect(kit.formatLadder({ callId: call.callId })).toContain('12000  app → mobile     CANCEL sip:mobile@10.0.0.2');
    expect(kit.ladder().filter((m) => m.at === 12_000).map((m) => m.label)).toEqual([
      'CANCEL app→desk',
      '487 desk→app',
      'CANCEL app→mobile',
      'INVITE app→voicemail',
      '180 voicemail→app',
      '180 app→alice',
      '200 voicemail→app',
      '200 app→alice',
    ]);
    expect(kit.session('forward-on-busy', call.callId)?.forwarded).toMatchObject({ because: 408 });
  });

  it('an answered call is not forwarded; a call that fails otherwise keeps its answer', async () => {
    kit.phone('sip:bob@sb.test', { answer: ['answer', 'decline'] });
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status).toBe(200);
    const declined = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await declined.settle()).status).toBe(603);
    expect(kit.ladder({ callId: declined.callId }).map((m) => m.label)).not.toContain('INVITE app→voicemail');
  });
});
