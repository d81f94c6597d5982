/**
 * missed-call-notifier in the test kit (platform/testkit): bob's phone is busy or does not
 * answer, alice's call gets that answer and bob's phone then receives the app's MESSAGE — sent
 * with `ctx.uac.request` to bob's address, delivered to his registered phone.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from '@switchboard/sdk/testkit';

const APP = fileURLToPath(new URL('.', import.meta.url));

describe('missed-call-notifier sample', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ apps: [APP] });
  });
  afterEach(() => kit.close());

  it('a busy callee gets a MESSAGE naming the caller; the caller gets the 486', async () => {
    const bob = kit.phone('sip:bob@sb.test', { answer: 'busy' });
    const call = kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(486);
    const [message] = bob.requests('MESSAGE');
    expect(message?.body).toBe('Missed call from sip:alice@sb.test (486 Busy Here)');
    expect(message?.header('From')).toMatch(/^<sip:missed-call-notifier@sb\.test>;tag=\S+$/u);
    expect(message?.header('To')).toBe('<sip:bob@sb.test>');
    expect(message?.header('Content-Type')).toBe('text/plain');
    // The caller's answer waits for the app's outcome event, which sent the MESSAGE first.
    expect(kit.ladder().map((m) => m.label)).toEqual([
      'INVITE alice→app',
      'INVITE app→bob',
      '486 bob→app',
      'MESSAGE app→bob',
      '200 bob→app',
      '486 app→alice',
    ]);
  });

  it('an answered call sends nothing', async () => {
    const bob = kit.phone('sip:bob@sb.test');
    const call = kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    await call.hangup();
    await kit.clock.advance(60_000);
    expect(bob.methods()).toEqual(['INVITE', 'BYE']);
    expect(kit.ladder().map((m) => m.label).slice(-4)).toEqual(['BYE alice→app', 'BYE app→bob', '200 bob→app', '200 app→alice']);
  });

  it('after 20 s without an answer the caller gets 408 and bob a MESSAGE (virtual clock)', async () => {
    const bob = kit.phone('sip:bob@sb.test', { answer: 'noanswer' });
    const call = kit.invite({ from: '"Alice" <sip:alice@sb.test>', to: 'sip:bob@sb.test' });
    await kit.clock.advance(19_000);
    expect(call.response).toBeUndefined();
    await kit.clock.advance(1_000);
    expect(call.response?.status).toBe(408);
    expect(bob.requests('MESSAGE').map((m) => [m.at, m.body])).toEqual([[20_000, 'Missed call from Alice <sip:alice@sb.test> (408 Request Timeout)']]);
  });

  it('a phone that cannot be reached: the MESSAGE fails with 503 and the caller still gets an answer', async () => {
    kit.phone('sip:bob@sb.test').crash();
    const call = kit.invite({ from: 'sip:alice@sb.test', to: 'sip:bob@sb.test' });
    // §16.7 step 6: the proxy turns the only (local) 503 into a 500 for the caller.
    expect((await call.settle()).status).toBe(500);
    expect(kit.ladder().map((m) => m.label)).toEqual(['INVITE alice→app', 'INVITE app→bob', '503 bob→app (local)', 'MESSAGE app→bob', '503 bob→app (local)', '500 app→alice']);
    expect(kit.logs('missed-call-notifier').find((line) => line.source === 'app')?.msg).toMatch(/^missed call notified .*"status":503/u);
  });
});
