/**
 * Test support for the transport tests: a log recorder, raw UDP/TCP peers on loopback, and SIP
 * text builders. No test framework imports, so it type-checks like the rest of the folder.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import type { Logger } from '../log/logger.js';
import { createRequest, type SipRequest } from '../sip/index.js';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger that keeps every line in memory. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A queue of received items that tests can await one at a time. */
export class Inbox<T> {
  readonly items: T[] = [];
  #waiters: Array<(item: T) => void> = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  next(what = 'an item', timeoutMs = 3000): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== take);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const take = (value: T): void => {
        clearTimeout(timer);
        resolve(value);
      };
      this.#waiters.push(take);
    });
  }
}

/** A raw UDP peer. */
export class UdpPeer {
  readonly inbox = new Inbox<{ data: Buffer; address: string; port: number }>();
  readonly socket: UdpSocket;

  private constructor(socket: UdpSocket) {
    this.socket = socket;
    socket.on('message', (data, info) => this.inbox.push({ data, address: info.address, port: info.port }));
  }

  static async bind(host = '127.0.0.1', port = 0): Promise<UdpPeer> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    return new UdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(data: string | Buffer, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(data, port, host, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A raw TCP client that records what it receives and when it is closed. */
export class TcpPeer {
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;
  readonly socket: Socket;
  /** Kept from connect time: the socket forgets it once closed. */
  readonly localPort: number;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.localPort = socket.localPort ?? 0;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<TcpPeer> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => resolve());
    });
    return new TcpPeer(socket);
  }

  static wrap(socket: Socket): TcpPeer {
    return new TcpPeer(socket);
  }

  get text(): string {
    return this.received.toString('utf8');
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  async waitForText(needle: string, what = needle): Promise<string> {
    return waitFor(() => this.text.includes(needle) && this.text, what);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface RequestInit {
  method?: string;
  uri?: string;
  via: string;
  callId?: string;
  cseq?: number;
  body?: string;
  /** Override the Content-Length header text; the real length otherwise. */
  contentLength?: string;
  extra?: string[];
}

/** A request as wire text. */
export function requestText(init: RequestInit): string {
  const method = init.method ?? 'OPTIONS';
  const body = init.body ?? '';
  return [
    `${method} ${init.uri ?? 'sip:service@127.0.0.1'} SIP/2.0`,
    `Via: ${init.via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:service@example.com>',
    `Call-ID: ${init.callId ?? 'call-1@example.com'}`,
    `CSeq: ${init.cseq ?? 1} ${method}`,
    ...(init.extra ?? []),
    `Content-Length: ${init.contentLength ?? Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** An outgoing OPTIONS as the transaction layer would hand it to the transport. */
export function buildRequest(via: string, callId: string, body = ''): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: 'sip:peer@127.0.0.1',
    headers: [
      { name: 'Via', value: via },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: '<sip:switchboard@example.com>;tag=s1' },
      { name: 'To', value: '<sip:peer@example.com>' },
      { name: 'Call-ID', value: callId },
      { name: 'CSeq', value: '1 OPTIONS' },
    ],
    body,
  });
}
