/**
 * Missed-call notifier: ring the callee as usual; when the call is not answered (busy, no
 * answer, unavailable), send the callee a SIP MESSAGE (RFC 3428) saying who called, through
 * `ctx.uac.request` — the server reaches the callee's registered phone. The caller gets the
 * callee's answer unchanged (after the MESSAGE went out).
 */
import { defineApp } from '@switchboard/sdk';

export default defineApp({
  name: 'missed-call-notifier',

  async onInvite(req, ctx) {
    if (req.direction !== 'terminating') return req.pass();
    const result = await req.proxy(req.uri, { timeout: 20 });
    if (result.outcome === 'success') return;
    const caller = req.from.displayName ? `${req.from.displayName} <${req.from.uri}>` : req.from.uri;
    const sent = await ctx.uac.request({
      method: 'MESSAGE',
      uri: `sip:${req.aor}`,
      body: `Missed call from ${caller} (${result.status} ${result.reason})`,
    });
    ctx.log.info('missed call notified', { callee: req.aor, caller: req.from.uri, status: sent.status });
  },
});
