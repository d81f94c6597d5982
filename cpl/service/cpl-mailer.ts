/**
 * The `mail` node (RFC 3880 §7.1) through a configured SMTP relay with nodemailer. Calls never
 * wait for it: mails are queued in memory, sent one at a time, retried with growing delays, and
 * dropped (with a log line) when the queue is full or the retries run out. "Failure of e-mail
 * delivery cannot reliably be known in real time" (§7.1), so nothing flows back to the script.
 */
import { createTransport } from 'nodemailer';
import type { Logger } from '../../platform/log/logger.js';
import type { CplMailQueue, CplOutgoingMail } from './ports.js';

export interface CplMailerOptions {
  /** The relay (config `cpl.mail.smtpHost` / `smtpPort`); plain SMTP on loopback or a LAN
   *  relay, STARTTLS when the relay offers it. */
  smtp: { host: string; port: number; secure?: boolean; user?: string; password?: string };
  /** Envelope and header sender: §7.1.1 "a server-configured address, overriding any From
   *  field in the mailto URI". */
  from: string;
  logger: Logger;
  /** Attempts per mail, the first included. Default 5. */
  attempts?: number;
  /** Delay before the first retry; doubled each time. Default 2000 ms. */
  retryDelayMs?: number;
  /** Most mails waiting; more are dropped (a script cannot flood the relay). Default 1000. */
  maxQueue?: number;
  /** Socket timeouts towards the relay. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface CplMailer extends CplMailQueue {
  /** Mails not yet sent (queued or in flight). */
  readonly pending: number;
  /** Resolves when the queue is empty (tests, shutdown). */
  idle(): Promise<void>;
  close(): void;
}

interface QueuedMail {
  readonly mail: CplOutgoingMail;
  attempt: number;
}

export function createCplMailer(options: CplMailerOptions): CplMailer {
  const logger = options.logger.child({ component: 'cpl-mail' });
  const timeout = options.timeoutMs ?? 10_000;
  const transport = createTransport({
    host: options.smtp.host,
    port: options.smtp.port,
    secure: options.smtp.secure ?? false,
    ...(options.smtp.user !== undefined ? { auth: { user: options.smtp.user, pass: options.smtp.password ?? '' } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const attempts = options.attempts ?? 5;
  const retryDelay = options.retryDelayMs ?? 2000;
  const maxQueue = options.maxQueue ?? 1000;
  const queue: QueuedMail[] = [];
  let sending = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];

  const settle = (): void => {
    if (queue.length > 0 || sending) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const pump = (): void => {
    if (sending || closed || timer !== undefined) return;
    const next = queue[0];
    if (next === undefined) return settle();
    sending = true;
    next.attempt++;
    transport
      .sendMail({
        from: options.from,
        to: [...next.mail.to],
        subject: oneLine(next.mail.subject),
        text: next.mail.body,
        ...(next.mail.replyTo !== null ? { replyTo: oneLine(next.mail.replyTo) } : {}),
        headers: { 'X-CPL-Owner': oneLine(next.mail.owner) },
      })
      .then(
        () => {
          queue.shift();
          logger.debug({ owner: next.mail.owner, to: next.mail.to }, 'CPL mail sent');
        },
        (error: unknown) => {
          if (next.attempt >= attempts) {
            queue.shift();
            logger.warn({ err: error, owner: next.mail.owner, to: next.mail.to, attempts: next.attempt }, 'CPL mail dropped after retries');
            return;
          }
          const delay = retryDelay * 2 ** (next.attempt - 1);
          logger.info({ err: error, owner: next.mail.owner, attempt: next.attempt, retryInMs: delay }, 'CPL mail failed; will retry');
          timer = setTimeout(() => {
            timer = undefined;
            pump();
          }, delay);
          timer.unref();
        },
      )
      .finally(() => {
        sending = false;
        pump();
        settle();
      });
  };

  return {
    get pending() {
      return queue.length;
    },
    enqueue(mail) {
      if (closed) return;
      if (queue.length >= maxQueue) {
        logger.warn({ owner: mail.owner, queued: queue.length }, 'CPL mail queue full; mail dropped');
        return;
      }
      queue.push({ mail, attempt: 0 });
      // Never on the caller's stack: the call goes on at once.
      setImmediate(pump);
    },
    idle() {
      if (queue.length === 0 && !sending) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      queue.length = 0;
      transport.close();
      settle();
    },
  };
}

/** Header values never carry line breaks (header injection, cpl.md §11.9). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u0000-\u001f\u007f]+/gu, ' ').trim();
}
