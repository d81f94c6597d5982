/**
 * The guest side of named events and `ctx.calls.connect`, run directly: `events[name]` gets the
 * payload and the caller and its plain-data return value goes back as `reply`; a name the app
 * does not own (also inherited ones like `toString`) is `unhandled`; `connect` needs its grant,
 * sends its arguments through `sdk.hostCall` and returns the call at once; `onCallConnected`
 * gets the outcome.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineApp } from './define-app.js';
import type { AppEventPayload, CallConnectedEventPayload } from './protocol.js';
import type { ConnectResult } from './types.js';

const session = { id: 'event:dial:1', attributes: {}, createdAt: 1, expiresAt: 2 };
const event = (name: string, payload: AppEventPayload['event']['payload'], grants = ['calls']): AppEventPayload => ({
  session,
  grants,
  event: { name, payload, caller: { kind: 'user', aor: 'alice@sb.test' } },
});

describe('named events and ctx.calls.connect (guest SDK)', () => {
  afterEach(() => {
    delete (globalThis as { sdk?: unknown }).sdk;
  });

  it('runs events[name] with payload and caller, and returns what it returned as the reply', async () => {
    const hostCalls: Array<[string, string, unknown]> = [];
    (globalThis as { sdk?: unknown }).sdk = {
      log: () => undefined,
      hostCall: async (capability: string, method: string, json: string) => {
        hostCalls.push([capability, method, JSON.parse(json)]);
        return JSON.stringify({ id: '3pcc:1', target: 'sip:bob@sb.test' });
      },
    };
    const app = defineApp({
      events: {
        async dial(ev, ctx) {
          if (ev.caller.kind !== 'user') throw new Error('users only');
          const call = await ctx.calls.connect(`sip:${ev.caller.aor}`, String((ev.payload as { to: string }).to), { bFrom: '"Alice" <sip:alice@sb.test>', headers: [['X-Click', '1']] });
          ctx.session.set('call', call.id);
          return { call: call.id };
        },
      },
    });
    const result = await app.event(event('dial', { to: 'sip:bob@sb.test' }));
    expect(result.reply).toEqual({ call: '3pcc:1' });
    expect(result.session?.attributes).toEqual({ call: '3pcc:1' });
    expect(hostCalls).toEqual([['calls', 'connect', { a: 'sip:alice@sb.test', b: 'sip:bob@sb.test', bFrom: '"Alice" <sip:alice@sb.test>', headers: [{ name: 'X-Click', value: '1' }] }]]);
  });

  it('flags events the app does not define, inherited names included', async () => {
    const app = defineApp({ events: { dial: () => ({ ok: true }) } });
    expect((await app.event(event('hangup', null))).unhandled).toBe(true);
    expect((await app.event(event('toString', null))).unhandled).toBe(true);
    expect((await defineApp({}).event(event('dial', null))).unhandled).toBe(true);
  });

  it('refuses connect without the calls grant, and a reply that is not plain data', async () => {
    const app = defineApp({
      events: {
        dial: async (_ev, ctx) => {
          await ctx.calls.connect('sip:alice@sb.test', 'sip:bob@sb.test');
        },
        closure: () => ({ run: () => 1 }) as never,
      },
    });
    await expect(app.event(event('dial', null, []))).rejects.toThrow(/permission "calls" is not granted/);
    await expect(app.event(event('closure', null))).rejects.toThrow(/must be plain data/);
  });

  it('delivers the outcome of connect to onCallConnected', async () => {
    const seen: ConnectResult[] = [];
    const app = defineApp({ onCallConnected: (_call, result) => void seen.push(result) });
    const payload: CallConnectedEventPayload = { session, grants: [], call: { id: '3pcc:1', target: 'sip:bob@sb.test' }, result: { outcome: 'failed', status: 486, reason: 'Busy Here', leg: 'b' } };
    await app.callConnected(payload);
    expect(seen).toEqual([{ outcome: 'failed', status: 486, reason: 'Busy Here', leg: 'b' }]);
  });
});
