/**
 * call-screening in the test kit (platform/testkit): callers on the callee's block list, or on
 * the list for everyone, get 603 without the callee's phone ever ringing; other calls go on to
 * normal routing; the caller's own (originating) calls are not screened.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from '@switchboard/sdk/testkit';

const APP = fileURLToPath(new URL('.', import.meta.url));

describe('call-screening sample', () => {
  let kit: TestKit;
  beforeEach(async () => {
    kit = await createTestKit({ apps: [APP], kv: { 'call-screening': { 'blocklist:bob@sb.test': ['mallory@evil.test'], 'blocklist:*': ['spam@junk.test'] } } });
  });
  afterEach(() => kit.close());

  it("declines callers on the callee's list and on the list for everyone; the phone never rings", async () => {
    const bob = kit.phone('sip:bob@sb.test');
    const mallory = kit.invite({ from: 'sip:Mallory@EVIL.test', to: 'sip:bob@sb.test' });
    expect(await mallory.settle()).toMatchObject({ status: 603, reason: 'Decline' });
    expect(kit.ladder({ callId: mallory.callId }).map((m) => m.label)).toEqual(['INVITE Mallory→app', '603 app→Mallory']);
    expect((await kit.invite({ from: 'sip:spam@junk.test', to: 'sip:bob@sb.test' }).settle()).status).toBe(603);
    expect(bob.received).toHaveLength(0);
    expect(kit.logs('call-screening').filter((line) => line.source === 'app').map((line) => line.msg)).toEqual([
      'call blocked {"caller":"mallory@evil.test","callee":"bob@sb.test"}',
      'call blocked {"caller":"spam@junk.test","callee":"bob@sb.test"}',
    ]);
  });

  it('lets other callers through to normal routing, and leaves the callee free to call out', async () => {
    kit.phone('sip:bob@sb.test');
    kit.phone('sip:carol@sb.test', { answer: 'busy' });
    const alice = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await alice.settle()).status).toBe(200);
    expect(kit.ladder({ callId: alice.callId }).map((m) => m.label)).toEqual(['INVITE alice→app', 'INVITE app→bob', '180 bob→app', '180 app→alice', '200 bob→app', '200 app→alice']);
    // mallory is blocked by bob only: her call to carol rings carol (who is busy).
    expect((await kit.invite({ from: 'sip:mallory@evil.test', to: 'sip:carol@sb.test' }).settle()).status).toBe(486);
  });

  it('an unknown callee is still 404 after screening passed it on', async () => {
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:nobody@sb.test' }).settle()).status).toBe(404);
  });
});
