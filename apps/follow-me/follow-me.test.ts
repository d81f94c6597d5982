/**
 * follow-me in the test kit (platform/testkit): the real sandbox, scripted phones and a virtual
 * clock. Each attempt's outcome moves the hunt to the next number, an answer ends it, the
 * numbers tried are kept in the application session; the per-number ring times run on the
 * virtual clock, so a 40 s hunt takes milliseconds.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from '@switchboard/sdk/testkit';

const APP = fileURLToPath(new URL('.', import.meta.url));

describe('follow-me sample', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ apps: [APP] });
  });
  afterEach(() => kit.close());

  it('hunts through the list in order, each number for its own time, until one answers', async () => {
    kit.kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1', { uri: 'sip:mobile@10.0.0.2', seconds: 30 }, 'sip:home@10.0.0.3']);
    kit.kv.set('follow-me', 'timeout:bob@sb.test', 10);
    kit.phone('sip:desk@10.0.0.1', { answer: 'noanswer' });
    kit.phone('sip:mobile@10.0.0.2', { answer: 'busy' });
    kit.phone('sip:home@10.0.0.3', { answer: 'answer', ringMs: 4000 });

    const call = kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(kit.formatLadder()).toBe(
      [
        '    0  alice → app   INVITE sip:bob@sb.test',
        '    0  app → desk    INVITE sip:desk@10.0.0.1',
        '    0  desk → app    180 Ringing',
        '    0  app → alice   180 Ringing',
        '10000  app → desk    CANCEL sip:desk@10.0.0.1',
        '10000  desk → app    487 Request Terminated',
        '10000  app → mobile  INVITE sip:mobile@10.0.0.2',
        '10000  mobile → app  486 Busy Here',
        '10000  app → home    INVITE sip:home@10.0.0.3',
        '10000  home → app    180 Ringing',
        '10000  app → alice   180 Ringing',
        '14000  home → app    200 OK',
        '14000  app → alice   200 OK',
      ].join('\n'),
    );
    expect(kit.session('follow-me', call.callId)?.tried).toEqual([
      { uri: 'sip:desk@10.0.0.1', status: 408 },
      { uri: 'sip:mobile@10.0.0.2', status: 486 },
      { uri: 'sip:home@10.0.0.3', status: 200 },
    ]);
  });

  it('gives a number exactly its own ring time on the virtual clock (clock.advance)', async () => {
    kit.kv.set('follow-me', 'followme:bob@sb.test', [{ uri: 'sip:mobile@10.0.0.2', seconds: 30 }, 'sip:desk@10.0.0.1']);
    const mobile = kit.phone('sip:mobile@10.0.0.2', { answer: 'noanswer' });
    const desk = kit.phone('sip:desk@10.0.0.1', { answer: 'answer', ringMs: 2000 });
    const call = kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' });

    await kit.clock.advance(29_999);
    expect(mobile.requests('INVITE')).toHaveLength(1);
    expect(desk.received).toHaveLength(0);
    expect(call.response).toBeUndefined();
    await kit.clock.advance(1);
    // 30 s up: mobile is CANCELled and the desk rings for the default 15 s.
    expect(kit.ladder({ callId: call.callId }).filter((m) => m.at === 30_000).map((m) => m.label)).toEqual([
      'CANCEL app→mobile',
      '487 mobile→app',
      'INVITE app→desk',
      '180 desk→app',
      '180 app→alice',
    ]);
    await kit.clock.advance(2000);
    expect(call.response?.status).toBe(200);
    expect(kit.clock.elapsed).toBe(32_000);
  });

  it('when nobody answers the caller gets the last answer; without a list, normal routing', async () => {
    kit.kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1']);
    kit.phone('sip:desk@10.0.0.1', { answer: { status: 480, reason: 'Temporarily Unavailable' } });
    kit.phone('sip:bob@sb.test', { answer: 'answer' });
    const hunted = kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' });
    // No action after the last attempt: the caller gets the proxy's best response.
    expect(await hunted.settle()).toMatchObject({ status: 480, reason: 'Temporarily Unavailable' });
    expect(kit.ladder({ callId: hunted.callId }).map((m) => m.label)).toEqual(['INVITE alice→app', 'INVITE app→desk', '480 desk→app', '480 app→alice']);

    kit.kv.delete('follow-me', 'followme:bob@sb.test');
    const routed = kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' });
    expect((await routed.settle()).status).toBe(200);
    expect(kit.ladder({ callId: routed.callId }).map((m) => m.label)).toContain('INVITE app→bob');
  });

  it("does not hunt the caller's own calls (originating)", async () => {
    kit.kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1']);
    const desk = kit.phone('sip:desk@10.0.0.1');
    kit.phone('sip:carol@elsewhere.test');
    const call = kit.invite({ from: 'sip:bob@sb.test', to: 'sip:carol@elsewhere.test' });
    expect((await call.settle()).status).toBe(200);
    expect(kit.ladder({ callId: call.callId }).map((m) => m.label)).toEqual(['INVITE bob→app', 'INVITE app→carol', '180 carol→app', '180 app→bob', '200 carol→app', '200 app→bob']);
    expect(desk.received).toHaveLength(0);
  });

  it('a fault in the app costs the call a 500; the next call is hunted again', async () => {
    kit.kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1']);
    kit.phone('sip:desk@10.0.0.1');
    kit.failNextEvent('follow-me', { fault: 'error', event: 'request' });
    expect((await kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' }).settle()).status).toBe(500);
    expect((await kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' }).settle()).status).toBe(200);
  });
});
