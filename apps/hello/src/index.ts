/**
 * Hello: answers every MESSAGE with 200 and a greeting in the body, counts messages per
 * application session (one per Call-ID), and — when the text is "remind me" — starts a one-shot
 * named timer whose plain-data payload comes back in `timers.reminder`.
 */
import { defineApp } from '@switchboard/sdk';

export default defineApp({
  name: 'hello',

  onMessage(req, ctx) {
    const count = (ctx.session.get<number>('count') ?? 0) + 1;
    ctx.session.set('count', count);
    if (req.body.trim().toLowerCase() === 'remind me') {
      ctx.timers.start('reminder', 1000, { who: req.from.uri });
    }
    req.reply(200, 'OK', { 'X-Hello-Count': String(count) }, `hello ${req.from.user ?? 'there'} (#${count})`);
  },

  onOptions(req) {
    req.reply(200, 'OK', { Allow: 'MESSAGE, OPTIONS' });
  },

  timers: {
    reminder(timer, ctx) {
      ctx.log.info('reminder due', { payload: JSON.stringify(timer.payload) });
      ctx.session.set('reminded', true);
    },
  },
});
