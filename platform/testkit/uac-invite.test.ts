/**
 * `ctx.uac.invite` in the test kit: the app's INVITE rings a scripted phone on the virtual clock
 * and shows in the ladder; the answer resumes the app with the call; the phone's hang-up
 * (`phone.hangup()`) and the app's `ctx.calls.terminate` both end it with `onCallEnded`; a busy
 * phone gives no call; the ring time runs on the virtual clock (CANCEL, then a local 408). The
 * example app of platform/sdk/README.md ("Placing calls") runs as written there.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from './index.js';

const OFFER = 'v=0\r\no=app 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';
const ANSWER = 'v=0\r\no=bob 1 1 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\nm=audio 8000 RTP/AVP 0\r\n';

const APP = `import { defineApp } from '@switchboard/sdk';
export default defineApp({
  events: {
    async call(event, ctx) {
      const { uri, limitMs, timeoutMs } = event.payload;
      const res = await ctx.uac.invite({ uri, body: ${JSON.stringify(OFFER)}, ...(timeoutMs ? { timeoutMs } : {}) });
      await ctx.kv.set('answer', { status: res.status, timedOut: res.timedOut, body: res.body ?? null, call: res.call ?? null });
      if (res.call && limitMs) ctx.timers.start('limit', limitMs, res.call);
    },
  },
  timers: {
    async limit(timer, ctx) {
      await ctx.calls.terminate(timer.payload);
    },
  },
  async onCallEnded(call, end, ctx) {
    await ctx.kv.set('ended', { id: call.id, by: end.by, reason: end.reason, durationMs: end.durationMs });
  },
});`;

let kit: TestKit;
beforeEach(async () => {
  kit = await createTestKit();
  await kit.deploySource(APP, { name: 'dialer', permissions: ['kv', 'uac', 'calls', 'timers'] });
});
afterEach(() => kit.close());

const labels = (): string[] => kit.ladder().map((entry) => entry.label);
const dial = (payload: { uri: string; limitMs?: number; timeoutMs?: number }) => kit.engine.deliverEvent('dialer', 'call', payload, { kind: 'admin' });

describe('test kit: ctx.uac.invite', () => {
  it('rings the phone with the offer, resumes the app with the call when it answers, and reports the phone’s hang-up', async () => {
    const bob = kit.phone('sip:bob@sb.test', { answer: { status: 200, ringMs: 4_000, body: { contentType: 'application/sdp', content: ANSWER } } });
    expect(await dial({ uri: 'sip:bob@sb.test' })).toEqual({ kind: 'ok', value: null });
    expect(kit.kv.get('dialer', 'answer')).toBeUndefined(); // still ringing
    expect(bob.requests('INVITE')[0]?.body).toBe(OFFER);
    expect(bob.requests('INVITE')[0]?.header('Content-Type')).toBe('application/sdp');

    await kit.clock.advance(4_000);
    const answer = kit.kv.get('dialer', 'answer') as { call: { id: string } };
    expect(answer).toMatchObject({ status: 200, timedOut: false, body: ANSWER, call: { target: 'sip:bob@sb.test' } });
    expect(bob.calls()).toHaveLength(1);

    await kit.clock.advance(10_000);
    expect(bob.hangup()).toBe(1);
    await kit.idle();
    expect(kit.kv.get('dialer', 'ended')).toEqual({ id: answer.call.id, by: 'callee', reason: 'remote-bye', durationMs: 10_000 });
    expect(labels()).toEqual(['INVITE app→bob', '180 bob→app', '200 bob→app', 'BYE bob→app', '200 app→bob']);
    expect(kit.engine.sessions.count('dialer')).toBe(0);
  });

  it('ends the call from a timer with ctx.calls.terminate: BYE app→bob at exactly the limit', async () => {
    const bob = kit.phone('sip:bob@sb.test');
    await dial({ uri: 'sip:bob@sb.test', limitMs: 60_000 });
    await kit.clock.advance(59_999);
    expect(bob.requests('BYE')).toHaveLength(0);
    await kit.clock.advance(1);
    expect(bob.requests('BYE').map((request) => request.at)).toEqual([60_000]);
    expect(kit.kv.get('dialer', 'ended')).toMatchObject({ by: 'app', reason: 'terminated', durationMs: 60_000 });
    expect(labels().slice(-2)).toEqual(['BYE app→bob', '200 bob→app']);
    expect(bob.calls()).toEqual([]);
    expect(kit.engine.sessions.count('dialer')).toBe(0);
  });

  it('a busy phone: 486 and no call', async () => {
    kit.phone('sip:bob@sb.test', { answer: 'busy' });
    await dial({ uri: 'sip:bob@sb.test' });
    await kit.idle();
    expect(kit.kv.get('dialer', 'answer')).toEqual({ status: 486, timedOut: false, body: null, call: null });
    expect(kit.engine.sessions.count('dialer')).toBe(0);
  });

  it('gives up after timeoutMs of virtual time: CANCEL, 487 from the phone, a local 408 for the app', async () => {
    kit.phone('sip:bob@sb.test', { answer: 'noanswer' });
    await dial({ uri: 'sip:bob@sb.test', timeoutMs: 20_000 });
    await kit.clock.advance(19_999);
    expect(kit.kv.get('dialer', 'answer')).toBeUndefined();
    await kit.clock.advance(1);
    expect(kit.kv.get('dialer', 'answer')).toEqual({ status: 408, timedOut: true, body: null, call: null });
    expect(kit.formatLadder()).toBe(
      ['    0  app → bob  INVITE sip:bob@sb.test', '    0  bob → app  180 Ringing', '20000  app → bob  CANCEL sip:bob@sb.test', '20000  bob → app  487 Request Terminated'].join('\n'),
    );
    expect(kit.engine.sessions.count('dialer')).toBe(0);
  });
});

describe('the "Placing calls" example of the SDK README', () => {
  const readme = readFileSync(new URL('../sdk/README.md', import.meta.url), 'utf8');
  const block = (after: string, lang: string): string => {
    const start = readme.indexOf('```' + lang + '\n', readme.indexOf(after)) + lang.length + 4;
    return readme.slice(start, readme.indexOf('```', start));
  };

  it('deploys as written, calls bob, logs his answer and hangs up after 20 s', async () => {
    const manifest = JSON.parse(block('`wake-up/manifest.json`', 'json')) as { name: string; permissions: string[] };
    await kit.deploySource(block('`wake-up/src/index.ts`', 'ts'), manifest);
    const bob = kit.phone('sip:bob@sb.test', { answer: { status: 200, ringMs: 3_000, body: { contentType: 'application/sdp', content: ANSWER } } });
    expect(await kit.engine.deliverEvent('wake-up', 'call', { to: 'sip:bob@sb.test' }, { kind: 'admin' })).toEqual({ kind: 'ok', value: null });
    await kit.clock.advance(23_000);
    expect(bob.requests('INVITE')[0]?.body).toMatch(/^v=0\r\no=wakeup /u);
    expect(bob.requests('BYE').map((request) => request.at)).toEqual([23_000]);
    const lines = kit.logs('wake-up').filter((line) => line.source === 'app').map((line) => line.msg);
    expect(lines).toEqual([`answered ${JSON.stringify({ sdp: ANSWER })}`, `over ${JSON.stringify({ to: 'sip:bob@sb.test', by: 'app', reason: 'terminated', ms: 20_000 })}`]);
    expect(kit.engine.sessions.count('wake-up')).toBe(0);
  });
});
