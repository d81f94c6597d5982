/**
 * A UDP socket owned by a worker thread (`sip.udpSocketThread`). On a loopback or busy host a
 * sendmsg(2) costs ~20 µs of the sending thread's time, most of it the kernel delivering the
 * datagram and waking the receiver; a proxied call sends seven. The socket thread takes those
 * system calls off the server thread: datagrams cross in two shared-memory rings
 * (datagram-ring.ts), and each side wakes the other only when it sleeps — once per batch.
 *
 * Same socket for both directions, so responses still leave from the port requests arrived
 * on (RFC 3581 §4). A send error the kernel reports after the hand-off is logged (the
 * transaction's own timers cover the loss, as for any datagram lost on the way).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger.js';
import { DatagramRing, defineDatagramRing } from './datagram-ring.js';
import { socketThreadMain, type SocketThreadData, type SocketThreadReport } from './udp-socket-thread-main.js';
import type { SocketAddress } from './types.js';

/** Each way; a datagram is at most 64 KiB, so this holds at least 64 of the largest. */
const RING_BYTES = 4 * 1024 * 1024;

const SOURCE = [
  "'use strict';",
  `const DatagramRing = (${defineDatagramRing.toString()})();`,
  `(${socketThreadMain.toString()})(DatagramRing, require('node:dgram'), require('node:worker_threads'));`,
].join('\n');

export interface UdpSocketThreadOptions {
  host: string;
  port: number;
  type: 'udp4' | 'udp6';
  receiveBufferBytes: number;
  logger: Logger;
  onDatagram(data: Buffer, address: string, port: number): void;
}

export class UdpSocketThread {
  readonly local: SocketAddress;
  readonly #worker: Worker;
  readonly #inbound: DatagramRing;
  readonly #outbound: DatagramRing;
  readonly #logger: Logger;
  readonly #onDatagram: UdpSocketThreadOptions['onDatagram'];
  #running = true;
  #wakeQueued = false;
  #dropsReported = 0;
  #dropsReportedAt = 0;
  readonly #wakeSender = (): void => {
    this.#wakeQueued = false;
    this.#outbound.wake();
  };

  private constructor(worker: Worker, local: SocketAddress, inbound: SharedArrayBuffer, outbound: SharedArrayBuffer, options: UdpSocketThreadOptions) {
    this.#worker = worker;
    this.local = local;
    this.#inbound = new DatagramRing(inbound);
    this.#outbound = new DatagramRing(outbound);
    this.#logger = options.logger;
    this.#onDatagram = options.onDatagram;
    worker.on('message', (report: SocketThreadReport) => this.#onReport(report));
    // An uncaught error in the thread ends it; without a listener it would also end this process.
    worker.on('error', (error) => this.#logger.error({ protocol: 'udp', err: error }, 'udp socket thread failed'));
    worker.on('exit', (code) => {
      if (this.#running) this.#logger.error({ protocol: 'udp', code }, 'udp socket thread exited; this udp listener is down');
      this.#running = false;
    });
    void this.#receive();
  }

  /** Binds the socket in a new thread; rejects as dgram's bind would (the error's `code` kept). */
  static async start(options: UdpSocketThreadOptions): Promise<UdpSocketThread> {
    const inbound = DatagramRing.create(RING_BYTES);
    const outbound = DatagramRing.create(RING_BYTES);
    const data: SocketThreadData = { host: options.host, port: options.port, type: options.type, receiveBufferBytes: options.receiveBufferBytes, inbound, outbound };
    const worker = new Worker(SOURCE, { eval: true, workerData: data });
    const first = await new Promise<SocketThreadReport>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (first.kind !== 'listening') {
      await worker.terminate();
      const message = first.kind === 'bind-failed' ? first.message : `udp socket thread: ${first.kind}`;
      throw Object.assign(new Error(message), first.kind === 'bind-failed' && first.code ? { code: first.code } : {});
    }
    return new UdpSocketThread(worker, { address: first.address, port: first.port }, inbound, outbound, options);
  }

  /** Queues one datagram; false when the socket thread is gone or its queue is full. */
  send(data: Uint8Array, address: string, port: number): boolean {
    if (!this.#running || !this.#outbound.write(data, address, port)) return false;
    // One wake for everything sent in this turn (a burst of responses, or a received batch).
    if (!this.#wakeQueued) {
      this.#wakeQueued = true;
      queueMicrotask(this.#wakeSender);
    }
    return true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#inbound.interrupt();
    await this.#worker.terminate();
  }

  async #receive(): Promise<void> {
    const deliver = this.#onDatagram;
    while (this.#running) {
      try {
        this.#inbound.read(deliver);
      } catch (error) {
        // The receiver logs its own failures; this only keeps the loop alive past a bug.
        this.#logger.error({ protocol: 'udp', err: error }, 'error handling a udp datagram');
      }
      this.#reportDrops();
      await this.#inbound.waitForData();
    }
  }

  /** Overload shows as datagrams the socket thread could not queue; said at most once a second. */
  #reportDrops(): void {
    const dropped = this.#inbound.dropped;
    if (dropped === this.#dropsReported) return;
    const now = Date.now();
    if (now - this.#dropsReportedAt < 1000) return;
    this.#logger.warn(
      { protocol: 'udp', dropped: dropped - this.#dropsReported },
      `udp: ${dropped - this.#dropsReported} datagrams dropped since the last report: the server thread fell behind the socket`,
    );
    this.#dropsReported = dropped;
    this.#dropsReportedAt = now;
  }

  #onReport(report: SocketThreadReport): void {
    if (report.kind === 'receive-buffer') this.#logger.debug({ protocol: 'udp', err: report.message }, 'udp receive buffer size not changed');
    else if (report.kind === 'send-failed' || report.kind === 'socket-error') this.#logger.warn({ protocol: 'udp' }, `udp: ${report.message}`);
  }
}
