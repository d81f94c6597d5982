/**
 * A tiny SMTP server on 127.0.0.1 speaking just enough RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA,
 * RSET, NOOP, QUIT) to receive what nodemailer sends. `failNext` makes the next transactions
 * fail with a 451 so retries can be tested.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** How many MAIL commands to refuse with 451 before accepting again. */
  failNext: number;
  /** Attempts seen (accepted or refused). */
  attempts: number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sockets = new Set<Socket>();
  const sink: SmtpSink = {
    port: 0,
    mails: [],
    failNext: 0,
    attempts: 0,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.mails.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: ${sink.mails.length} of ${count} mails after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return sink.mails;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('latin1');
    let buffer = '';
    let inData = false;
    let current: ReceivedMail = { from: '', to: [], data: '' };
    const reply = (line: string): void => void socket.write(`${line}\r\n`);
    reply('220 sink.test ESMTP');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end).replace(/^\.\./gmu, '.');
          buffer = buffer.slice(end + 5);
          inData = false;
          sink.mails.push(current);
          current = { from: '', to: [], data: '' };
          reply('250 OK queued');
          continue;
        }
        const eol = buffer.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-sink.test\r\n250 8BITMIME');
        else if (verb === 'HELO') reply('250 sink.test');
        else if (verb === 'MAIL') {
          sink.attempts++;
          if (sink.failNext > 0) {
            sink.failNext--;
            reply('451 try again later');
          } else {
            current = { from: /<([^>]*)>/u.exec(line)?.[1] ?? '', to: [], data: '' };
            reply('250 OK');
          }
        } else if (verb === 'RCPT') {
          current.to.push(/<([^>]*)>/u.exec(line)?.[1] ?? '');
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 OK');
        else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  (sink as { port: number }).port = typeof address === 'object' && address ? address.port : 0;
  return sink;
}
