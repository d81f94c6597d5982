/**
 * The test kit itself: app timers and session expiry on the virtual clock, app-side faults
 * (injected, and a really broken app up to its quarantine), and the simulated core's handling of
 * decisions from a plain ServiceEngine — forking, 6xx, Timer B, CANCEL, redirect, b2bua.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { B2buaEnd, Decision, ServiceEngine } from '../services/index.js';
import { createTestKit, type TestKit } from './index.js';

let kit: TestKit;
afterEach(() => kit.close());

/** An engine that answers every INVITE with `decide()`'s decision. */
const engine = (decide: () => Decision): ServiceEngine => ({ name: 'stub', decide });

describe('test kit: apps on the virtual clock', () => {
  it('delivers app timers at their virtual time, and what they send shows in the ladder', async () => {
    kit = await createTestKit();
    await kit.deploySource(
      `import { defineApp } from '@switchboard/sdk';
       export default defineApp({
         onMessage(req, ctx) {
           if (req.direction !== 'terminating') return req.pass();
           ctx.timers.start('remind', 60_000, { to: req.from.uri });
           req.reply(202, 'Accepted');
         },
         timers: {
           async remind(timer, ctx) {
             await ctx.uac.request({ method: 'MESSAGE', uri: (timer.payload as { to: string }).to, body: 'reminder' });
             ctx.session.invalidate();
           },
         },
       });`,
      { name: 'reminder', permissions: ['timers', 'uac'] },
    );
    const alice = kit.phone('sip:alice@sb.test');
    const call = kit.request('MESSAGE', { from: 'sip:alice@sb.test', to: 'sip:bot@sb.test', body: 'remind me' });
    expect((await call.settle()).status).toBe(202);
    await kit.clock.advance(59_999);
    expect(alice.requests('MESSAGE')).toHaveLength(0);
    await kit.clock.advance(1);
    expect(alice.requests('MESSAGE').map((m) => [m.at, m.body])).toEqual([[60_000, 'reminder']]);
    expect(kit.formatLadder({ times: true })).toMatch(/^60000 {2}app → alice {2}MESSAGE sip:alice@sb\.test$/mu);
    expect(kit.session('reminder', call.callId)).toBeUndefined();
  });

  it('expires idle application sessions on the virtual clock; onSessionExpired may extend once', async () => {
    kit = await createTestKit({ sessionExpiryMs: 60_000 });
    await kit.deploySource(
      `import { defineApp } from '@switchboard/sdk';
       export default defineApp({
         onInvite(req, ctx) { ctx.session.set('seen', true); req.reply(486); },
         onSessionExpired(ctx) {
           if (!ctx.session.get('extended')) { ctx.session.set('extended', true); ctx.session.setExpires(30_000); }
           ctx.log.info('expired');
         },
       });`,
      { name: 'expiring' },
    );
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(486);
    await kit.clock.advance(59_000);
    expect(kit.session('expiring', call.callId)).toEqual({ seen: true });
    await kit.clock.advance(2_000);
    expect(kit.session('expiring', call.callId)).toEqual({ seen: true, extended: true });
    await kit.clock.advance(31_000);
    expect(kit.session('expiring', call.callId)).toBeUndefined();
    expect(kit.logs('expiring').filter((line) => line.source === 'app').map((line) => line.msg)).toEqual(['expired', 'expired']);
  });
});

describe('test kit: app faults', () => {
  it('an injected fault costs one call a 500; an outcome fault too, after the phone answered busy', async () => {
    kit = await createTestKit();
    await kit.deploySource(
      `import { defineApp } from '@switchboard/sdk';
       export default defineApp({ async onInvite(req) { const res = await req.proxy(req.uri); if (res.outcome === 'busy') req.reply(480, 'Try Later'); } });`,
      { name: 'prox' },
    );
    kit.phone('sip:bob@sb.test', { answer: 'busy' });
    kit.failNextEvent('prox', { fault: 'timeout', event: 'outcome' });
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status).toBe(500);
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status).toBe(480);
    expect(kit.runtime.events.filter((event) => event.injected).map((event) => `${event.event}:${event.injected}`)).toEqual(['outcome:timeout']);
    expect(kit.engine.stats('prox').faults).toEqual({ timeout: 1 });
  });

  it("honours the app's declared default: with iFC SESSION_CONTINUED a fault skips the app", async () => {
    const spt = [{ group: 0, method: 'INVITE' }];
    const applicationServer = { serverName: 'sip:screen@apps.sb.test', defaultHandling: 'SESSION_CONTINUED' };
    kit = await createTestKit({ selection: { initialFilterCriteria: [{ priority: 1, triggerPoint: { conditionTypeCnf: true, spt }, applicationServer }] } });
    await kit.deploySource(`import { defineApp } from '@switchboard/sdk';\nexport default defineApp({ onInvite(req) { req.reply(603); } });`, { name: 'screen' });
    kit.phone('sip:bob@sb.test');
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status).toBe(603);
    kit.failNextEvent('screen', { fault: 'memory' });
    const skipped = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await skipped.settle()).status).toBe(200);
    expect(kit.ladder({ callId: skipped.callId }).map((m) => m.label)).toContain('INVITE app→bob');
  });

  it('a crashing app answers 500 until it is quarantined; then calls bypass it', async () => {
    kit = await createTestKit();
    await kit.deploySource(`import { defineApp } from '@switchboard/sdk';\nexport default defineApp({ onInvite() { throw new Error('boom'); } });`, { name: 'crashy' });
    kit.phone('sip:bob@sb.test');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status);
    expect(statuses).toEqual([500, 500, 500, 500, 500, 200]);
    expect(kit.logs('crashy').some((line) => line.level === 'warn' && /boom/u.test(JSON.stringify(line)))).toBe(true);
  });
});

describe('test kit: the simulated core', () => {
  it("normal routing: a user's phones ring by q (20 s per group before the last); no phone → 480", async () => {
    kit = await createTestKit();
    kit.phone('sip:bob@sb.test', { contact: 'sip:bob@10.0.0.1', name: 'desk', q: 1, answer: 'noanswer' });
    kit.phone('sip:bob@sb.test', { contact: 'sip:bob@10.0.0.2', name: 'mobile', q: 0.5 });
    kit.user('carol@sb.test');
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(kit.ladder().filter((m) => m.to === 'mobile' || m.from === 'mobile').map((m) => `${m.at} ${m.label}`)).toEqual(['20000 INVITE app→mobile', '20000 180 mobile→app', '20000 200 mobile→app']);
    expect(await kit.host.lookup('sip:carol@sb.test')).toEqual({ kind: 'no-bindings' });
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:carol@sb.test' }).settle()).status).toBe(480);
  });

  it('forks in parallel: the first 2xx wins and the other branch is CANCELled', async () => {
    kit = await createTestKit({ engines: [engine(() => ({ kind: 'proxy', targets: [{ uri: 'sip:a@10.0.0.1' }, { uri: 'sip:b@10.0.0.2' }], options: { forking: 'parallel' } }))] });
    kit.phone('sip:a@10.0.0.1', { answer: 'noanswer' });
    kit.phone('sip:b@10.0.0.2', { answer: 'answer', ringMs: 3000 });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(kit.ladder().filter((m) => m.at === 3000).map((m) => m.label)).toEqual(['200 b→app', 'CANCEL app→a', '487 a→app', '200 app→alice']);
  });

  it('a 6xx ends the search; an unreachable target is a local 503 and a silent one Timer B’s 408', async () => {
    let decision: Decision = { kind: 'proxy', targets: [{ uri: 'sip:a@10.0.0.1' }, { uri: 'sip:b@10.0.0.2' }], options: { forking: 'parallel' } };
    kit = await createTestKit({ engines: [engine(() => decision)] });
    kit.phone('sip:a@10.0.0.1', { answer: 'noanswer' });
    kit.phone('sip:b@10.0.0.2', { answer: 'decline' });
    expect((await kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' }).settle()).status).toBe(603);

    decision = { kind: 'proxy', targets: [{ uri: 'sip:nobody@10.9.9.9' }] };
    const unreachable = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await unreachable.settle()).status).toBe(500);
    expect(kit.ladder({ callId: unreachable.callId }).map((m) => m.label)).toContain('503 nobody@10.9.9.9→app (local)');

    kit.phone('sip:mute@10.0.0.3', { answer: 'silent' });
    decision = { kind: 'proxy', targets: [{ uri: 'sip:mute@10.0.0.3' }] };
    const silent = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    const start = kit.clock.elapsed;
    expect((await silent.settle()).status).toBe(408);
    expect(kit.clock.elapsed - start).toBe(32_000);
  });

  it('asks onOutcome with CPL outcomes; the caller can CANCEL while it rings', async () => {
    const outcomes: string[] = [];
    kit = await createTestKit({
      engines: [
        engine(() => ({
          kind: 'proxy',
          targets: [{ uri: 'sip:a@10.0.0.1' }],
          options: { timeoutMs: 5000 },
          onOutcome: (outcome) => {
            outcomes.push(`${outcome.kind} ${outcome.status}${outcome.kind === 'noanswer' && outcome.timedOut ? ' timedOut' : ''}`);
            return { kind: 'redirect', contacts: [{ uri: 'sip:voicemail@10.0.0.9' }] };
          },
        })),
      ],
    });
    kit.phone('sip:a@10.0.0.1', { answer: 'noanswer' });
    const redirected = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    const final = await redirected.settle();
    expect(final).toMatchObject({ status: 302 });
    expect(final.header('Contact')).toBe('<sip:voicemail@10.0.0.9>');
    expect(outcomes).toEqual(['noanswer 408 timedOut']);

    const cancelled = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    await kit.clock.advance(1000);
    await cancelled.cancel();
    expect(cancelled.response?.status).toBe(487);
    expect(kit.ladder({ callId: cancelled.callId }).map((m) => m.label).slice(-4)).toEqual(['CANCEL alice→app', 'CANCEL app→a', '487 a→app', '487 app→alice']);
    expect(outcomes).toHaveLength(1);
  });

  it('carries out b2bua: two legs, a BYE on one ends the other', async () => {
    const ends: B2buaEnd[] = [];
    let legs: string[] = [];
    kit = await createTestKit({
      engines: [
        engine(() => ({
          kind: 'b2bua',
          target: 'sip:carol@sb.test',
          onLegs: ({ a, b }) => void (legs = [a.callId, b.callId]),
          onEnd: (end) => void ends.push(end),
        })),
      ],
    });
    const carol = kit.phone('sip:carol@sb.test', { answer: 'answer', ringMs: 1000 });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(200);
    expect(legs).toEqual([call.callId, `${call.callId}-b2b`]);
    expect(carol.requests('INVITE')[0]?.callId).not.toBe(call.callId);
    await call.hangup();
    expect(carol.methods()).toEqual(['INVITE', 'BYE']);
    expect(ends).toEqual([{ by: 'a', reason: 'remote-bye' }]);
    expect(kit.ladder().map((m) => m.label).slice(-4)).toEqual(['BYE alice→app', '200 app→alice', 'BYE app→carol', '200 carol→app']);
  });

  it('b2bua with a ring time: leg B is CANCELled and onOutcome hears noanswer (408, timedOut)', async () => {
    const outcomes: string[] = [];
    kit = await createTestKit({
      engines: [
        engine(() => ({
          kind: 'b2bua',
          target: 'sip:carol@sb.test',
          timeoutMs: 10_000,
          onOutcome: (outcome) => {
            outcomes.push(`${outcome.kind} ${outcome.status}${outcome.kind === 'noanswer' && outcome.timedOut ? ' timedOut' : ''}`);
            return { kind: 'continue' };
          },
        })),
      ],
    });
    kit.phone('sip:carol@sb.test', { answer: 'noanswer' });
    const call = kit.invite({ from: 'sip:alice@example.org', to: 'sip:bob@sb.test' });
    expect((await call.settle()).status).toBe(408);
    expect(kit.clock.elapsed).toBe(10_000);
    expect(outcomes).toEqual(['noanswer 408 timedOut']);
    expect(kit.ladder().filter((m) => m.at === 10_000).map((m) => m.label)).toEqual(['CANCEL app→carol', '487 carol→app', '408 app→alice']);
  });
});
