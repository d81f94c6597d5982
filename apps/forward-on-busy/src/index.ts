/**
 * Forward on busy / no answer: ring the callee's phones (all at once), and when the best answer
 * is busy (486/600) or nobody answers (408/480/timeout), proxy the call to the callee's forward
 * target instead (the CPL `proxy` busy/noanswer outputs, RFC 3880 §6.1). Settings per callee in
 * the key-value store:
 *   ring:<callee user@domain>     → ["sip:…", …]  targets to fork to (default: the Request-URI)
 *   forward:<callee user@domain>  → "sip:…"       where busy / unanswered calls go
 *   timeout:<callee user@domain>  → seconds to ring (default 20)
 */
import { defineApp } from '@switchboard/sdk';

export default defineApp({
  name: 'forward-on-busy',

  async onInvite(req, ctx) {
    if (req.direction !== 'terminating') return req.pass();
    const [ring, forward, timeout] = await Promise.all([
      ctx.kv.get<string[]>(`ring:${req.aor}`),
      ctx.kv.get<string>(`forward:${req.aor}`),
      ctx.kv.get<number>(`timeout:${req.aor}`),
    ]);
    const first = await req.proxy(ring && ring.length > 0 ? ring : req.uri, { mode: 'parallel', timeout: timeout ?? 20 });
    if ((first.outcome === 'busy' || first.outcome === 'noanswer') && forward) {
      ctx.session.set('forwarded', { from: req.aor, to: forward, because: first.status });
      ctx.log.info('forwarding', { callee: req.aor, to: forward, status: first.status });
      await req.proxy(forward);
    }
    // Otherwise (answered, failed, or nowhere to forward) the caller gets the best response.
  },
});
