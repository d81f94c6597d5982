/**
 * Follow-me: ring the callee's numbers one after another (sequential forking, RFC 3261 §16.6
 * step 8 done by the app), each for its own time, until one answers. The list lives in the
 * app's key-value store, per callee:
 *   followme:<callee user@domain>  → ["sip:desk@…", { "uri": "sip:mobile@…", "seconds": 30 }, …]
 *   timeout:<callee user@domain>   → seconds per number when an entry gives none (default 15)
 * Busy, unanswered and failed attempts move on to the next number; when none is left, the caller
 * gets the best answer of the last attempt. The numbers tried are kept in the application
 * session (`tried`), e.g. for a missed-call notifier. Without a list, the call goes on to normal
 * routing.
 */
import { defineApp } from '@switchboard/sdk';

type Entry = string | { uri: string; seconds?: number };

export default defineApp({
  name: 'follow-me',

  async onInvite(req, ctx) {
    if (req.direction !== 'terminating') return req.pass();
    const [list, timeout] = await Promise.all([ctx.kv.get<Entry[]>(`followme:${req.aor}`), ctx.kv.get<number>(`timeout:${req.aor}`)]);
    const numbers = (Array.isArray(list) ? list : []).map((entry) => (typeof entry === 'string' ? { uri: entry } : entry)).filter((entry) => typeof entry.uri === 'string');
    if (numbers.length === 0) return req.pass();
    const tried: Array<{ uri: string; status: number }> = [];
    for (const { uri, seconds } of numbers) {
      const res = await req.proxy(uri, { timeout: seconds ?? timeout ?? 15 });
      tried.push({ uri, status: res.status });
      ctx.session.set('tried', tried);
      if (res.outcome === 'success') return;
      ctx.log.info('follow-me: next number', { callee: req.aor, uri, status: res.status, outcome: res.outcome ?? 'failure' });
    }
    // Nobody answered: no action, so the caller gets the last attempt's best response.
  },
});
