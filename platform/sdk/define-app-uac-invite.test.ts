/**
 * The guest side of `ctx.uac.invite`, run directly: the host call starts the INVITE and answers
 * with its id, the event that awaits it ends there (what the handler did so far is its result),
 * and the handler resumes in the `uacInvite` event with the response and the call, writing into
 * that event's result. A request handler must act on its request first; the `uac` grant is needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineApp } from './define-app.js';
import type { RequestEventPayload, TimerEventPayload, UacInviteEventPayload, WireSession } from './protocol.js';
import type { UacInviteResponse } from './types.js';

const session = (attributes: WireSession['attributes'] = {}): WireSession => ({ id: 'call-1', attributes, createdAt: 1, expiresAt: 2 });

const timer = (grants = ['uac', 'timers']): TimerEventPayload => ({ session: session(), grants, timer: { id: 'dial.1', name: 'dial', payload: 'sip:bob@sb.test' } });

const answered = (invite: string, attributes: WireSession['attributes'] = {}): UacInviteEventPayload => ({
  session: session(attributes),
  grants: ['uac', 'timers'],
  invite,
  answer: { status: 200, reason: 'OK', headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: 'v=0 answer', call: { id: invite, target: 'sip:bob@sb.test' } },
});

function request(method: string): RequestEventPayload {
  return {
    callRef: 'call-1#1',
    session: session(),
    grants: ['uac'],
    request: {
      method,
      uri: 'sip:bot@sb.test',
      headers: [
        'From: <sip:alice@sb.test>;tag=a1',
        'To: <sip:bot@sb.test>',
        'Call-ID: call-1',
        `CSeq: 1 ${method}`,
      ].join('\r\n'),
      body: '',
      direction: 'terminating',
      aor: 'bot@sb.test',
      source: { protocol: 'udp', address: '127.0.0.1', port: 5070 },
    },
  };
}

/** The host side of the sandbox: every `uac.invite` host call starts invite `uac:N` and answers
 *  after a turn of the event loop. */
function installSdk(): Array<[string, string, unknown]> {
  const calls: Array<[string, string, unknown]> = [];
  (globalThis as { sdk?: unknown }).sdk = {
    log: () => undefined,
    hostCall: async (capability: string, method: string, json: string) => {
      calls.push([capability, method, JSON.parse(json)]);
      const id = `uac:${calls.length}`;
      await new Promise((resolve) => setImmediate(resolve)); // a round trip to the host, as in the sandbox
      return JSON.stringify({ id });
    },
  };
  return calls;
}

describe('ctx.uac.invite (guest SDK)', () => {
  afterEach(() => {
    delete (globalThis as { sdk?: unknown }).sdk;
  });

  it('ends the event at the await and resumes the handler in the uacInvite event with the response and call', async () => {
    const hostCalls = installSdk();
    const seen: UacInviteResponse[] = [];
    const app = defineApp({
      timers: {
        async dial(t, ctx) {
          ctx.session.set('dialing', t.payload);
          const res = await ctx.uac.invite({ uri: String(t.payload), body: 'v=0 offer', timeoutMs: 20_000 });
          seen.push(res);
          ctx.session.set('call', res.call?.id ?? null);
          ctx.timers.start('limit', 60_000, res.call?.id ?? null);
        },
      },
    });
    const first = await app.timer(timer());
    expect(hostCalls).toEqual([['uac', 'invite', { uri: 'sip:bob@sb.test', body: 'v=0 offer', timeoutMs: 20_000 }]]);
    // The event is over: it carries what the handler did before the await, nothing after.
    expect(first.session?.attributes).toEqual({ dialing: 'sip:bob@sb.test' });
    expect(first.timers).toBeUndefined();
    expect(seen).toEqual([]);

    const second = await app.uacInvite(answered('uac:1', { dialing: 'sip:bob@sb.test' }));
    expect(seen).toEqual([{ status: 200, reason: 'OK', headers: [{ name: 'Content-Type', value: 'application/sdp' }], body: 'v=0 answer', timedOut: false, call: { id: 'uac:1', target: 'sip:bob@sb.test' } }]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(second.session?.attributes).toEqual({ dialing: 'sip:bob@sb.test', call: 'uac:1' });
    expect(second.timers?.start.map((t) => [t.name, t.payload])).toEqual([['limit', 'uac:1']]);
    // An answer nobody waits for (isolate restarted, or delivered twice) changes nothing.
    expect(await app.uacInvite(answered('uac:1'))).toEqual({});
  });

  it('a request handler must act first: replying then inviting works; inviting before acting throws', async () => {
    installSdk();
    const statuses: number[] = [];
    const app = defineApp({
      async onMessage(req, ctx) {
        req.reply(202, 'Accepted');
        statuses.push((await ctx.uac.invite({ uri: 'sip:bob@sb.test', body: 'v=0' })).status);
      },
      async onOptions(_req, ctx) {
        await ctx.uac.invite({ uri: 'sip:bob@sb.test', body: 'v=0' });
      },
    });
    const replied = await app.request(request('MESSAGE'));
    expect(replied.action).toMatchObject({ kind: 'reply', status: 202 });
    await app.uacInvite({ ...answered('uac:1'), answer: { status: 486, reason: 'Busy Here', headers: [] } });
    expect(statuses).toEqual([486]);
    await expect(app.request(request('OPTIONS'))).rejects.toThrow(/answer, proxy or pass the request before awaiting ctx\.uac\.invite/);
  });

  it('one invite at a time per session: a second one while the first is pending throws; one after the other works', async () => {
    const hostCalls = installSdk();
    const statuses: number[] = [];
    const app = defineApp({
      timers: {
        async both(_t, ctx) {
          await Promise.all([ctx.uac.invite({ uri: 'sip:bob@sb.test', body: 'v=0' }), ctx.uac.invite({ uri: 'sip:carol@sb.test', body: 'v=0' })]);
        },
        async dial(_t, ctx) {
          statuses.push((await ctx.uac.invite({ uri: 'sip:bob@sb.test', body: 'v=0' })).status);
          statuses.push((await ctx.uac.invite({ uri: 'sip:carol@sb.test', body: 'v=0' })).status);
        },
      },
    });
    await expect(app.timer({ ...timer(), timer: { id: 'both.1', name: 'both', payload: null } })).rejects.toThrow(/await one at a time/);
    expect(hostCalls).toHaveLength(1);
    // The first one's answer frees the session (nobody waits for it: that event failed).
    expect(await app.uacInvite(answered('uac:1'))).toEqual({});

    // One after the other in one handler (another session: the sandbox never resumes the first
    // one's host call, whose event is over): each answer resumes it, the next invite parks it again.
    const other = { ...session(), id: 'call-2' };
    expect(await app.timer({ ...timer(), session: other, timer: { id: 'dial.2', name: 'dial', payload: null } })).toEqual({});
    await app.uacInvite({ ...answered('uac:2'), session: other, answer: { status: 486, reason: 'Busy Here', headers: [] } });
    expect(hostCalls.map(([, , args]) => (args as { uri: string }).uri)).toEqual(['sip:bob@sb.test', 'sip:bob@sb.test', 'sip:carol@sb.test']);
    await app.uacInvite({ ...answered('uac:3'), session: other });
    expect(statuses).toEqual([486, 200]);
  });

  it('needs the uac grant', async () => {
    installSdk();
    const app = defineApp({ timers: { dial: async (_t, ctx) => void (await ctx.uac.invite({ uri: 'sip:bob@sb.test', body: 'v=0' })) } });
    await expect(app.timer(timer(['timers']))).rejects.toThrow(/permission "uac" is not granted/);
  });
});
