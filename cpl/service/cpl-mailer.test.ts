import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../platform/log/logger.js';
import { startSmtpSink, type SmtpSink } from '../../test/integration/cpl-smtp-sink.js';
import { createCplMailer, type CplMailer } from './cpl-mailer.js';

describe('CPL mail through an SMTP relay (RFC 3880 §7.1)', () => {
  let sink: SmtpSink | undefined;
  let mailer: CplMailer | undefined;
  afterEach(async () => {
    mailer?.close();
    await sink?.close();
  });

  it('sends from the configured sender, never blocking the caller, with line breaks removed from headers', async () => {
    sink = await startSmtpSink();
    mailer = createCplMailer({ smtp: { host: '127.0.0.1', port: sink.port }, from: 'cpl@switchboard.test', logger: silentLogger });
    const t0 = performance.now();
    mailer.enqueue({ owner: 'bob@sb.test', to: ['bob@mail.test'], subject: '[CPL] missed\r\nBcc: evil@x.test', body: 'A call from <sip:a@b>', replyTo: 'a@b' });
    expect(performance.now() - t0).toBeLessThan(5); // queued, not sent on the call's stack
    expect(mailer.pending).toBe(1);
    const [mail] = await sink.waitFor(1);
    expect(mail?.from).toBe('cpl@switchboard.test');
    expect(mail?.to).toEqual(['bob@mail.test']);
    expect(mail?.data).toMatch(/^Subject: \[CPL\] missed Bcc: evil@x\.test$/mu);
    expect(mail?.data).not.toMatch(/^Bcc:/mu);
    expect(mail?.data).toMatch(/^Reply-To: a@b$/mu);
    expect(mail?.data).toMatch(/^X-CPL-Owner: bob@sb\.test$/imu);
    expect(mail?.data).toContain('A call from <sip:a@b>');
    await mailer.idle();
    expect(mailer.pending).toBe(0);
  });

  it('retries a refused mail until the relay takes it', async () => {
    sink = await startSmtpSink();
    sink.failNext = 2;
    mailer = createCplMailer({ smtp: { host: '127.0.0.1', port: sink.port }, from: 'cpl@switchboard.test', logger: silentLogger, retryDelayMs: 20 });
    mailer.enqueue({ owner: 'bob@sb.test', to: ['bob@mail.test'], subject: 's', body: 'b', replyTo: null });
    await sink.waitFor(1);
    expect(sink.attempts).toBe(3);
  });

  it('gives up after the configured attempts and stays usable', async () => {
    sink = await startSmtpSink();
    sink.failNext = 2;
    mailer = createCplMailer({ smtp: { host: '127.0.0.1', port: sink.port }, from: 'cpl@switchboard.test', logger: silentLogger, retryDelayMs: 10, attempts: 2 });
    mailer.enqueue({ owner: 'bob@sb.test', to: ['x@mail.test'], subject: 'dropped', body: 'b', replyTo: null });
    mailer.enqueue({ owner: 'bob@sb.test', to: ['y@mail.test'], subject: 'kept', body: 'b', replyTo: null });
    await mailer.idle();
    expect(sink.mails.map((m) => m.to[0])).toEqual(['y@mail.test']);
  });

  it('drops mail beyond the queue limit', async () => {
    sink = await startSmtpSink();
    mailer = createCplMailer({ smtp: { host: '127.0.0.1', port: sink.port }, from: 'cpl@switchboard.test', logger: silentLogger, maxQueue: 2 });
    for (let i = 0; i < 5; i++) mailer.enqueue({ owner: 'bob@sb.test', to: [`m${i}@mail.test`], subject: 's', body: 'b', replyTo: null });
    expect(mailer.pending).toBe(2);
    await mailer.idle();
    expect(sink.mails).toHaveLength(2);
  });
});
