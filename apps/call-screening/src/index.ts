/**
 * Call screening: callers on the callee's block list get 603 Decline (RFC 3261 §21.6.2), every
 * other call goes on to normal routing. The block lists live in the app's key-value store:
 *   blocklist:<callee user@domain>  → ["caller@domain", …]
 *   blocklist:*                     → callers blocked for every user
 */
import { defineApp } from '@switchboard/sdk';

export default defineApp({
  name: 'call-screening',

  async onInvite(req, ctx) {
    if (req.direction !== 'terminating') return req.pass();
    const caller = `${req.from.user ?? ''}@${req.from.host ?? ''}`.toLowerCase();
    const lists = await Promise.all([ctx.kv.get<string[]>(`blocklist:${req.aor}`), ctx.kv.get<string[]>('blocklist:*')]);
    const blocked = lists.some((list) => Array.isArray(list) && list.some((entry) => entry.toLowerCase() === caller));
    if (blocked) {
      ctx.log.info('call blocked', { caller, callee: req.aor });
      return req.reply(603, 'Decline');
    }
    req.pass();
  },
});
