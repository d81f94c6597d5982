/**
 * Registration-event logger and echo service.
 *
 * - Every registration change of the server's users (`onRegistration`, permission
 *   `registrations`: registered, refreshed, unregistered, expired — RFC 3261 §10.3) is logged
 *   with ctx.log and the AOR's last-seen record kept in the key-value store:
 *   `seen:<user@domain>` → `{ kind, contact, expires, q, at }`.
 * - A MESSAGE to `echo@<domain>` is accepted (200, without a body: RFC 3428 §7) and its text is
 *   sent back to the sender in a MESSAGE of the server's own (ctx.uac). The echo goes out from
 *   a timer right after the 200, so the sender has its answer before the echo arrives and the
 *   request's event does not wait for the sender's phone. Other MESSAGEs are passed on.
 */
import { defineApp, type PlainData } from '@switchboard/sdk';

type Echo = { to: string; from: string; body: string; contentType: string };

const isEcho = (uri: string): boolean => /^sips?:echo@/iu.test(uri);

export default defineApp({
  name: 'registration-logger',

  async onRegistration(event, ctx) {
    ctx.log.info(`${event.aor} ${event.kind}`, { contact: event.contact, expires: event.expires });
    await ctx.kv.set(`seen:${event.aor}`, { kind: event.kind, contact: event.contact, expires: event.expires, q: event.q, at: event.at.toISOString() });
  },

  onMessage(req, ctx) {
    if (!isEcho(req.uri)) return req.pass();
    req.reply(200, 'OK');
    if (req.body === '') return;
    const echo: Echo = {
      to: req.from.uri,
      from: `<sip:echo@${req.to.host ?? 'localhost'}>`,
      body: req.body,
      contentType: req.headers.get('Content-Type') ?? 'text/plain',
    };
    ctx.timers.start('echo', 1, echo);
  },

  timers: {
    async echo(timer, ctx) {
      const echo = timer.payload as Echo & { readonly [key: string]: PlainData };
      const answer = await ctx.uac.request({ method: 'MESSAGE', uri: echo.to, from: echo.from, body: echo.body, contentType: echo.contentType });
      ctx.log.info('echoed', { to: echo.to, status: answer.status });
    },
  },
});
