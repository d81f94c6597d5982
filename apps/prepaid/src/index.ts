/**
 * Prepaid calling: the app answers each outgoing call of an authenticated user as a B2BUA
 * (RFC 3261 §6: its own dialog toward the callee, so the server can end both) and gives the
 * caller as many seconds as their credit holds. When the credit runs out while the call is up,
 * the server sends BYE on both legs (RFC 3261 §15). Without credit the call is refused with
 * 402 Payment Required (§21.4.3). The seconds used are deducted when the call ends, however it
 * ends. Credit lives in the app's key-value store, in whole seconds:
 *   credit:<caller user@domain>  → seconds left
 *   credit:default               → what a caller without an entry starts with (absent: 0)
 * Concurrent calls of one caller each see the whole balance (a sample, not a billing system).
 */
import { defineApp, type AppContext } from '@switchboard/sdk';

/** Seconds left for `caller`: their own entry, else the default for new callers. */
async function creditOf(ctx: AppContext, caller: string): Promise<number> {
  const own = await ctx.kv.get<number>(`credit:${caller}`);
  const credit = typeof own === 'number' ? own : await ctx.kv.get<number>('credit:default');
  return typeof credit === 'number' && Number.isFinite(credit) ? Math.max(0, Math.floor(credit)) : 0;
}

export default defineApp({
  name: 'prepaid',

  async onInvite(req, ctx) {
    // Billing needs a proven identity: the caller's own (originating) service only.
    if (req.direction !== 'originating' || req.authenticatedAs === undefined) return req.pass();
    const caller = req.authenticatedAs;
    const credit = await creditOf(ctx, caller);
    if (credit <= 0) {
      ctx.log.info('prepaid: no credit', { caller });
      return req.reply(402, 'Payment Required');
    }
    const result = await req.b2bua(req.uri);
    // Leg B failed: the caller gets its status (busy, no answer …), nothing is charged.
    if (result.call === undefined) return;
    const limit = ctx.timers.start('creditExhausted', credit * 1000, result.call.id);
    ctx.session.set('caller', caller);
    ctx.session.set('limit', limit.id);
    ctx.log.info('prepaid: call up', { caller, callee: req.uri, seconds: credit });
  },

  timers: {
    async creditExhausted(timer, ctx) {
      // BYE on both legs; onCallEnded follows and charges the call. False: it just ended anyway.
      const ended = await ctx.calls.terminate(String(timer.payload));
      ctx.log.info('prepaid: credit exhausted', { call: String(timer.payload), ended });
    },
  },

  async onCallEnded(call, end, ctx) {
    const caller = ctx.session.get<string>('caller');
    const limit = ctx.session.get<string>('limit');
    if (limit !== undefined) ctx.timers.cancel(limit);
    if (caller !== undefined) {
      const used = Math.ceil(end.durationMs / 1000);
      const left = Math.max(0, (await creditOf(ctx, caller)) - used);
      await ctx.kv.set(`credit:${caller}`, left);
      ctx.log.info('prepaid: call charged', { caller, call: call.id, by: end.by, used, left });
    }
    ctx.session.invalidate();
  },
});
