/**
 * One UDP socket (RFC 3261 §18): each datagram is one message. Oversized datagrams and CRLF
 * keep-alives are dropped here; everything else goes up as bytes with its flow.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import type { Logger } from '../log/logger.js';
import { addressFamily, formatHostPort, formatSocketAddress, isIP, normalizeAddress } from './address.js';
import { TransportError, type Destination, type Flow, type SocketAddress } from './types.js';
import { UdpSocketThread } from './udp-socket-thread.js';

export interface UdpTransportOptions {
  host: string;
  port: number;
  maxMessageSize: number;
  logger: Logger;
  /** Own the socket in a worker thread (udp-socket-thread.ts); default false. */
  socketThread?: boolean;
  onMessage(data: Buffer, flow: Flow): void;
}

export function udpFlow(local: SocketAddress, remote: SocketAddress): Flow {
  return { protocol: 'udp', local, remote, id: `udp:${formatSocketAddress(local)}>${formatSocketAddress(remote)}` };
}

/**
 * Receive buffer asked of the kernel (Linux caps it at net.core.rmem_max). The default
 * (~208 KiB) overflows during bursts at a few thousand messages/s, and every datagram dropped
 * there comes back as a retransmission (§17.1.1.2) — more load exactly when there is too much.
 */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** dgram resolves every destination through dns.lookup, even an IP literal (a regular
 *  expression and a process.nextTick per datagram). The transport layer only ever sends to
 *  addresses it has resolved already, so answer those at once. */
function literalLookup(hostname: string, options: LookupOneOptions, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  // Node 20 passes the socket's family as a bare number, whatever the typings say.
  const given: unknown = options;
  dnsLookup(hostname, typeof given === 'number' ? { family: given } : options, callback);
}

const FLOW_CACHE_LIMIT = 10_000;
const RECENT_FLOWS = 4;

function udpDestination(remote: SocketAddress): Destination {
  return { protocol: 'udp', address: remote.address, port: remote.port };
}

/** Datagrams holding only CR/LF are keep-alives (RFC 5626 §3.5.1 style), not messages. */
function isKeepAlive(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 0x0d && data[i] !== 0x0a) return false;
  return true;
}

export class UdpTransport {
  readonly protocol = 'udp' as const;
  readonly #options: UdpTransportOptions;
  /** 6 when bound to an IPv6 address; `::` is dual-stack and reaches IPv4 peers too. */
  readonly family: 4 | 6;
  #socket: Socket | undefined;
  #thread: UdpSocketThread | undefined;
  #local: SocketAddress | undefined;
  /**
   * One Flow per peer, shared by every datagram to or from it: a Flow (three objects and an id
   * string) per datagram was a measurable share of a proxied call's allocations, and finished
   * transactions keep theirs for 32 s. Flows are immutable; the map is emptied when it grows
   * past FLOW_CACHE_LIMIT peers.
   */
  readonly #flows = new Map<string, Flow>();
  /** The flows used last (a ring of RECENT_FLOWS), checked before `#flows`. */
  readonly #recent: Flow[] = [];
  #recentNext = 0;

  constructor(options: UdpTransportOptions) {
    this.#options = options;
    this.family = addressFamily(options.host) === 6 || normalizeAddress(options.host) === '::' ? 6 : 4;
  }

  get local(): SocketAddress {
    if (!this.#local) throw new Error(`udp transport on ${this.#options.host} is not started`);
    return this.#local;
  }

  /** Whether this socket can send to `address` (an IP literal). */
  canReach(address: string): boolean {
    const family = addressFamily(address);
    if (family === this.family) return true;
    return family === 4 && normalizeAddress(this.#options.host) === '::';
  }

  async start(): Promise<void> {
    if (this.#options.socketThread) return this.#startThread();
    return this.#startSocket();
  }

  async #startThread(): Promise<void> {
    const { host, port, logger } = this.#options;
    const thread = await UdpSocketThread.start({
      host,
      port,
      type: this.family === 6 ? 'udp6' : 'udp4',
      receiveBufferBytes: RECEIVE_BUFFER_BYTES,
      logger,
      onDatagram: (data, address, from) => this.#receive(data, normalizeAddress(address), from),
    });
    this.#thread = thread;
    this.#local = { address: normalizeAddress(thread.local.address), port: thread.local.port };
    logger.info({ protocol: 'udp', local: formatHostPort(thread.local.address, thread.local.port), thread: true }, 'listening on udp');
  }

  #startSocket(): Promise<void> {
    const { host, port, logger } = this.#options;
    const socket = createSocket({
      type: this.family === 6 ? 'udp6' : 'udp4',
      lookup: literalLookup,
    });
    this.#socket = socket;
    socket.on('message', (data: Buffer, info) => this.#receive(data, normalizeAddress(info.address), info.port));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port }, () => {
        socket.off('error', reject);
        try {
          socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
        } catch (error) {
          logger.debug({ err: error, protocol: 'udp' }, 'udp receive buffer size not changed');
        }
        // After binding, socket errors (e.g. ICMP-reported) must never crash the process.
        socket.on('error', (error: Error) => logger.warn({ err: error, protocol: 'udp' }, `udp socket error: ${error.message}`));
        const address = socket.address();
        this.#local = { address: normalizeAddress(address.address), port: address.port };
        logger.info({ protocol: 'udp', local: formatHostPort(address.address, address.port) }, 'listening on udp');
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    const socket = this.#socket;
    const thread = this.#thread;
    this.#socket = undefined;
    this.#thread = undefined;
    this.#flows.clear();
    this.#recent.length = 0;
    if (thread) return thread.stop();
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }

  /** Send one datagram from this socket (RFC 3581 §4: responses leave from where the request arrived). */
  send(data: Buffer, remote: SocketAddress): Promise<Flow> {
    const socket = this.#socket;
    const thread = this.#thread;
    if (!socket && !thread) return Promise.reject(new TransportError('udp transport is stopped', udpDestination(remote)));
    const flow = this.#flowOf(normalizeAddress(remote.address), remote.port);
    // A dual-stack socket reaches IPv4 peers through IPv4-mapped addresses.
    const target = this.family === 6 && addressFamily(remote.address) === 4 ? `::ffff:${normalizeAddress(remote.address)}` : remote.address;
    if (thread) {
      if (thread.send(data, target, remote.port)) return Promise.resolve(flow);
      return Promise.reject(new TransportError(`udp send to ${formatSocketAddress(remote)} failed: the socket thread's queue is full or stopped`, udpDestination(remote)));
    }
    if (!socket) return Promise.reject(new TransportError('udp transport is stopped', udpDestination(remote)));
    return new Promise((resolve, reject) => {
      socket.send(data, remote.port, target, (error) => {
        if (error) {
          reject(new TransportError(`udp send to ${formatSocketAddress(remote)} failed: ${error.message}`, udpDestination(remote), error));
        } else {
          resolve(flow);
        }
      });
    });
  }

  #flowOf(address: string, port: number): Flow {
    // A proxied call talks to two peers over and over: the last few flows answer most lookups
    // without building a key string and hashing it (twice per datagram: in and out).
    const recent = this.#recent;
    for (let i = 0; i < recent.length; i++) {
      const flow = recent[i]!;
      if (flow.remote.port === port && flow.remote.address === address) return flow;
    }
    const key = `${address} ${port}`;
    let flow = this.#flows.get(key);
    if (flow === undefined) {
      if (this.#flows.size >= FLOW_CACHE_LIMIT) this.#flows.clear();
      flow = udpFlow(this.local, { address, port });
      this.#flows.set(key, flow);
    }
    if (recent.length < RECENT_FLOWS) recent.push(flow);
    else {
      recent[this.#recentNext] = flow;
      this.#recentNext = (this.#recentNext + 1) % RECENT_FLOWS;
    }
    return flow;
  }

  #receive(data: Buffer, address: string, port: number): void {
    const { logger, maxMessageSize, onMessage } = this.#options;
    try {
      if (data.length > maxMessageSize) {
        const peer = formatSocketAddress({ address, port });
        logger.warn(
          { peer, protocol: 'udp', size: data.length, limit: maxMessageSize },
          `dropping a udp datagram of ${data.length} octets from ${peer}: over the ${maxMessageSize}-octet limit`,
        );
        return;
      }
      if (isKeepAlive(data)) return;
      onMessage(data, this.#flowOf(address, port));
    } catch (error) {
      const peer = formatSocketAddress({ address, port });
      logger.error({ peer, protocol: 'udp', err: error }, `error handling a udp datagram from ${peer}`);
    }
  }
}
