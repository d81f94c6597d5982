/**
 * Click-to-dial over HTTP: `POST /api/v1/apps/click-to-dial/events/dial {"to": "sip:bob@…"}`
 * makes the server ring the caller's own phone first and, once they answer, call `to` and
 * connect the two — third-party call control (RFC 3725 §4.1 Flow I: INVITE without SDP to the
 * caller, their offer to the callee, the callee's answer in the caller's ACK).
 *
 * A user (HTTP Basic with their SIP credentials, or a composer session) dials only from their
 * own phone; the admin token names the phone in "from". Per user the app keeps the last call in
 * its key-value store (`last:<user@domain>`), updated as the call connects, fails or ends, and
 * `call:<id>` → owner while the call lasts, so `hangup` ends only the caller's own call.
 */
import { defineApp, type AppContext, type AppEvent, type PlainData } from '@switchboard/sdk';

type LastCall = { call: string; from: string; to: string; state: 'calling' | 'connected' | 'failed' | 'ended'; status?: number; reason?: string; by?: string; durationMs?: number };

const field = (payload: PlainData, name: string): string | undefined => {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const value = (payload as { readonly [key: string]: PlainData })[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
};

/** `sip:alice@example.com`, `alice@example.com` → `alice@example.com`. */
const aorOf = (text: string): string => text.replace(/^sips?:/iu, '').replace(/[;?>].*$/u, '').replace(/^</u, '');

/** The callee as a SIP URI: `sip:…` as given, `bob@domain`, or a bare `bob` in the caller's domain. */
function targetOf(to: string, from: string): string {
  if (/^sips?:/iu.test(to)) return to;
  return to.includes('@') ? `sip:${to}` : `sip:${to}@${from.slice(from.indexOf('@') + 1)}`;
}

/** Whose phone rings first: the user's own; the admin must say whose. */
function dialerOf(event: AppEvent): { aor: string } | { error: string } {
  const from = field(event.payload, 'from');
  if (event.caller.kind === 'admin') return from === undefined ? { error: 'the admin names the phone to ring first: "from": "alice@example.com"' } : { aor: aorOf(from) };
  if (from !== undefined && aorOf(from) !== event.caller.aor) return { error: `${event.caller.aor} may dial only from their own phone` };
  return { aor: event.caller.aor };
}

async function update(ctx: AppContext, id: string, change: Partial<LastCall>): Promise<void> {
  const owner = await ctx.kv.get<string>(`call:${id}`);
  if (owner === undefined) return;
  const last = await ctx.kv.get<LastCall>(`last:${owner}`);
  if (last !== undefined && last.call === id) await ctx.kv.set(`last:${owner}`, { ...last, ...change });
  if (change.state === 'failed' || change.state === 'ended') await ctx.kv.delete(`call:${id}`);
}

export default defineApp({
  name: 'click-to-dial',

  events: {
    /** `{ "to": "sip:bob@example.com" }` (admin: also `"from"`) → `{ call, state: 'calling' }`. */
    async dial(event, ctx) {
      const dialer = dialerOf(event);
      if ('error' in dialer) return { error: dialer.error };
      const to = field(event.payload, 'to');
      if (to === undefined) return { error: 'say whom to call: "to": "sip:bob@example.com"' };
      const target = targetOf(to, dialer.aor);
      const call = await ctx.calls.connect(`sip:${dialer.aor}`, target);
      await ctx.kv.set(`call:${call.id}`, dialer.aor);
      await ctx.kv.set(`last:${dialer.aor}`, { call: call.id, from: dialer.aor, to: target, state: 'calling' });
      ctx.log.info('dialing', { from: dialer.aor, to: target, call: call.id });
      return { call: call.id, from: dialer.aor, to: target, state: 'calling' };
    },

    /** The caller's last call: `{ call, from, to, state, status?, by?, durationMs? }`. */
    async status(event, ctx) {
      const dialer = dialerOf(event);
      if ('error' in dialer) return { error: dialer.error };
      return (await ctx.kv.get<LastCall>(`last:${dialer.aor}`)) ?? { state: 'none' };
    },

    /** `{ "call": "<id>" }` (default: the caller's last call) → `{ ended: true|false }`. */
    async hangup(event, ctx) {
      const dialer = dialerOf(event);
      if ('error' in dialer) return { error: dialer.error };
      const id = field(event.payload, 'call') ?? (await ctx.kv.get<LastCall>(`last:${dialer.aor}`))?.call;
      if (id === undefined || (await ctx.kv.get<string>(`call:${id}`)) !== dialer.aor) return { ended: false };
      return { ended: await ctx.calls.terminate(id) };
    },
  },

  async onCallConnected(call, result, ctx) {
    ctx.log.info(`call ${result.outcome}`, { call: call.id, status: result.status });
    await update(ctx, call.id, result.outcome === 'connected' ? { state: 'connected' } : { state: 'failed', status: result.status, reason: result.reason });
  },

  async onCallEnded(call, end, ctx) {
    ctx.log.info('call ended', { call: call.id, by: end.by, durationMs: end.durationMs });
    await update(ctx, call.id, { state: 'ended', by: end.by, durationMs: end.durationMs });
  },
});
