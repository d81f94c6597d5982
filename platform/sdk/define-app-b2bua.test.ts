/**
 * The guest side of `req.b2bua()` and `ctx.calls`, run directly: the b2bua action ends the
 * request event, the handler resumes in the later `b2bua` event (bridged with its call, failed
 * with a chance to act again, or cancelled), `onCallEnded` gets the call's end, and
 * `ctx.calls.terminate` needs its grant and reaches the host through `sdk.hostCall`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineApp } from './define-app.js';
import type { B2buaEventPayload, RequestEventPayload, WireB2buaOutcome } from './protocol.js';
import type { B2buaResult, SipRequest } from './types.js';

const session = { id: 'call-1', attributes: {}, createdAt: 1, expiresAt: 2 };

function invite(method = 'INVITE', grants: string[] = ['calls', 'timers']): RequestEventPayload {
  return {
    callRef: 'call-1#1',
    session,
    grants,
    request: {
      method,
      uri: 'sip:bob@sb.test',
      headers: [
        'From: <sip:alice@outside.test>;tag=a1',
        'To: <sip:bob@sb.test>',
        'Call-ID: call-1',
        `CSeq: 1 ${method}`,
      ].join('\r\n'),
      body: '',
      direction: 'terminating',
      aor: 'bob@sb.test',
      source: { protocol: 'udp', address: '127.0.0.1', port: 5070 },
    },
  };
}

const bridged: WireB2buaOutcome = { kind: 'success', status: 200, reason: 'OK', timedOut: false, call: { id: 'call-1#1', target: 'sip:bob@192.0.2.7' } };
const event = (outcome: WireB2buaOutcome, grants: string[] = ['calls', 'timers']): B2buaEventPayload => ({ callRef: 'call-1#1', session, grants, outcome });

describe('req.b2bua() and ctx.calls (guest SDK)', () => {
  afterEach(() => {
    delete (globalThis as { sdk?: unknown }).sdk;
  });

  it('ends the request event with the b2bua action; the handler resumes with the call once both legs are up', async () => {
    const results: B2buaResult[] = [];
    const app = defineApp({
      async onInvite(req, ctx) {
        const result = await req.b2bua('sip:bob@192.0.2.7', { from: '<sip:prepaid@sb.test>', headers: { 'X-Account': 'alice' }, timeout: 20 });
        results.push(result);
        if (result.call) ctx.timers.start('limit', 2000, { call: result.call.id });
        // The caller already has its 200: no answer can be given any more.
        expect(() => req.reply(500)).toThrow(/no request can be answered/);
      },
    });
    const first = await app.request(invite());
    expect(first.action).toEqual({ kind: 'b2bua', target: 'sip:bob@192.0.2.7', from: '<sip:prepaid@sb.test>', headers: [['X-Account', 'alice']], timeoutMs: 20_000 });
    expect(results).toEqual([]);
    const up = await app.b2bua(event(bridged));
    expect(results).toEqual([{ outcome: 'success', status: 200, reason: 'OK', timedOut: false, call: { id: 'call-1#1', target: 'sip:bob@192.0.2.7' } }]);
    expect(up.action).toBeUndefined();
    expect(up.timers?.start).toEqual([expect.objectContaining({ name: 'limit', delayMs: 2000, payload: { call: 'call-1#1' } })]);
    // The call's state is gone: a repeated event changes nothing.
    expect(await app.b2bua(event(bridged))).toEqual({});
  });

  it("after leg B's failure the handler may act again (here: another b2bua, then a reply)", async () => {
    const app = defineApp({
      async onInvite(req) {
        const first = await req.b2bua('sip:desk@192.0.2.7');
        if (first.outcome !== 'busy') return;
        const second = await req.b2bua('sip:mobile@192.0.2.8');
        if (second.outcome === 'noanswer' && second.timedOut) req.reply(480, 'Nobody Home');
      },
    });
    expect((await app.request(invite())).action).toMatchObject({ kind: 'b2bua', target: 'sip:desk@192.0.2.7' });
    expect((await app.b2bua(event({ kind: 'busy', status: 486, reason: 'Busy Here', timedOut: false }))).action).toEqual({ kind: 'b2bua', target: 'sip:mobile@192.0.2.8', headers: [] });
    expect((await app.b2bua(event({ kind: 'noanswer', status: 408, reason: 'Request Timeout', timedOut: true }))).action).toEqual({
      kind: 'reply',
      status: 480,
      reason: 'Nobody Home',
      headers: [],
    });
  });

  it('a cancelled attempt resumes the handler without letting it answer', async () => {
    const seen: string[] = [];
    const app = defineApp({
      async onInvite(req) {
        const result = await req.b2bua('sip:bob@192.0.2.7');
        seen.push(`${result.outcome} ${result.status}`);
        req.reply(500);
      },
    });
    await app.request(invite());
    await expect(app.b2bua(event({ kind: 'cancelled', status: 487, reason: 'Request Terminated', timedOut: false }))).rejects.toThrow(/no request can be answered/);
    expect(seen).toEqual(['cancelled 487']);
  });

  it('refuses b2bua for other methods, bad targets, server-owned leg B headers and multi-line From', async () => {
    const errors: string[] = [];
    const attempt = async (method: string, run: (req: SipRequest) => unknown): Promise<void> => {
      const app = defineApp({
        onRequest(req) {
          try {
            void run(req);
          } catch (error) {
            errors.push((error as Error).message);
          }
        },
      });
      await app.request(invite(method));
    };
    await attempt('MESSAGE', (req) => req.b2bua('sip:bob@192.0.2.7'));
    await attempt('INVITE', (req) => req.b2bua('bob@192.0.2.7'));
    await attempt('INVITE', (req) => req.b2bua('sip:bob@192.0.2.7', { headers: { Contact: '<sip:x@y>' } }));
    await attempt('INVITE', (req) => req.b2bua('sip:bob@192.0.2.7', { headers: { Via: 'x' } }));
    await attempt('INVITE', (req) => req.b2bua('sip:bob@192.0.2.7', { from: 'sip:a@b\r\nVia: evil' }));
    await attempt('INVITE', (req) => req.b2bua('sip:bob@192.0.2.7', { timeout: 0 }));
    expect(errors).toEqual([
      'b2bua() bridges INVITE requests only, not MESSAGE',
      '"bob@192.0.2.7" is not a SIP or tel URI',
      'Contact is written by the server on leg B',
      'Via is a system header; the container owns it',
      'b2bua from must be one line of text (a URI or name-addr)',
      'b2bua timeout must be between 0 and 600 seconds',
    ]);
  });

  it('onCallEnded gets the call and its end; ctx.calls.terminate needs the grant and asks the host', async () => {
    const hostCalls: Array<[string, string, string]> = [];
    (globalThis as { sdk?: unknown }).sdk = {
      log: () => undefined,
      hostCall: async (capability: string, method: string, args: string) => {
        hostCalls.push([capability, method, args]);
        return 'true';
      },
    };
    const ended: unknown[] = [];
    const answers: boolean[] = [];
    const app = defineApp({
      onCallEnded(call, end, ctx) {
        ended.push({ call, end });
        ctx.session.set('used', Math.ceil(end.durationMs / 1000));
      },
      timers: {
        async limit(timer, ctx) {
          answers.push(await ctx.calls.terminate(String(timer.payload)));
          answers.push(await ctx.calls.terminate({ id: 'call-9#9', target: 'sip:x@192.0.2.1' }));
        },
      },
    });
    const result = await app.callEnded({ session, grants: [], call: { id: 'call-1#1', target: 'sip:bob@192.0.2.7' }, end: { by: 'callee', reason: 'remote-bye', durationMs: 61_200 } });
    expect(ended).toEqual([{ call: { id: 'call-1#1', target: 'sip:bob@192.0.2.7' }, end: { by: 'callee', reason: 'remote-bye', durationMs: 61_200 } }]);
    expect(result.session).toEqual({ attributes: { used: 62 } });

    await app.timer({ session, grants: ['calls'], timer: { id: 't1', name: 'limit', payload: 'call-1#1' } });
    expect(answers).toEqual([true, true]);
    expect(hostCalls).toEqual([
      ['calls', 'terminate', '{"id":"call-1#1"}'],
      ['calls', 'terminate', '{"id":"call-9#9"}'],
    ]);
    await expect(app.timer({ session, grants: [], timer: { id: 't2', name: 'limit', payload: 'call-1#1' } })).rejects.toThrow(/permission "calls" is not granted/);
  });
});
