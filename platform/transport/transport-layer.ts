/**
 * The transport layer (RFC 3261 §18, RFC 3581): owns the UDP sockets, TCP/TLS listeners and the
 * connection pool; turns bytes into messages for its one subscriber and sends requests and
 * responses by the §18 rules. Nothing a peer sends may throw out of here.
 */
import { lookup } from 'node:dns/promises';
import type { Logger } from '../log/logger.js';
import { cloneVia, parseMessage, type SipMessage } from '../sip/index.js';
import type { Via } from '../sip/types.js';
import {
  addressFamily,
  bindReaches,
  formatSocketAddress,
  isLoopback,
  isWildcard,
  localAddressFor,
  normalizeAddress,
  sameAddress,
} from './address.js';
import { ConnectionPool } from './connection-pool.js';
import { defaultPort, routeResponse } from './response-route.js';
import type { StreamConnection } from './stream-connection.js';
import type { StreamTransport } from './stream-transport.js';
import { createTcpTransport } from './tcp-transport.js';
import { createTlsTransport } from './tls-transport.js';
import {
  resolveTransportConfig,
  type ListenConfig,
  type ResolvedTransportConfig,
  type TransportConfig,
} from './transport-config.js';
import {
  TransportError,
  type Destination,
  type Flow,
  type InboundHandler,
  type MessageSender,
  type SocketAddress,
  type TransportProtocol,
} from './types.js';
import { UdpTransport } from './udp-transport.js';
import { stampReceived } from './via-received.js';

/** A bound listener: what was configured and the address it actually got (port 0 → real port). */
export interface Listener {
  readonly protocol: TransportProtocol;
  /** The configured bind host. */
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly advertisedHost?: string;
}

/** The sent-by part of a Via (RFC 3261 §20.42) for a listener. */
export interface SentBy {
  host: string;
  hostIsIPv6: boolean;
  port: number;
}

interface Bound {
  config: ListenConfig;
  transport: UdpTransport | StreamTransport;
}

/** How many distinct sent-by values are remembered for the §18.1.2 response check. */
const SENT_BY_MEMORY = 256;
/** Peers whose listener choice is remembered (cleared when full). */
const PICK_MEMORY = 4096;

export class TransportLayer implements MessageSender {
  readonly #config: ResolvedTransportConfig;
  readonly #logger: Logger;
  readonly #pool: ConnectionPool<StreamConnection>;
  #bound: Bound[] = [];
  #handler: InboundHandler | undefined;
  /** Sent-by values this layer put in requests; a response with another one is discarded (§18.1.2). */
  readonly #sentBy = new Set<string>();
  /** The sent-by remembered last (always in `#sentBy`: it is the newest entry). */
  readonly #lastSentBy = new SentByMemo();
  /** A sent-by last found in `#sentBy` by a response (cleared when an entry is evicted). */
  readonly #knownSentBy = new SentByMemo();
  /** #pick answers by protocol and peer address: the listeners are fixed between start and
   *  stop, and the same few peers are asked about for every message. */
  readonly #picked = new Map<string, Bound | undefined>();

  constructor(config: TransportConfig) {
    this.#config = resolveTransportConfig(config);
    this.#logger = this.#config.logger;
    this.#pool = new ConnectionPool(this.#config.maxConnections);
  }

  /** Bound addresses, in config order (empty before start). */
  get listeners(): readonly Listener[] {
    return this.#bound.map(({ config, transport }) => ({
      protocol: config.protocol,
      host: config.host,
      address: transport.local.address,
      port: transport.local.port,
      ...(config.advertisedHost ? { advertisedHost: config.advertisedHost } : {}),
    }));
  }

  /** Open connections (TCP and TLS, inbound and outbound). */
  get connectionCount(): number {
    return this.#pool.size;
  }

  /** The one subscriber (the transaction layer). A second subscription is a wiring bug. */
  onMessage(handler: InboundHandler): void {
    if (this.#handler) throw new Error('TransportLayer.onMessage: a subscriber is already registered');
    this.#handler = handler;
  }

  async start(): Promise<void> {
    if (this.#bound.length > 0) throw new Error('TransportLayer is already started');
    const bound = this.#config.listen.map((config) => ({ config, transport: this.#createTransport(config) }));
    const results = await Promise.allSettled(bound.map(({ transport }) => transport.start()));
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) {
      await Promise.all(bound.map(({ transport }) => transport.stop()));
      const entry = this.#config.listen[failed];
      const reason = (results[failed] as PromiseRejectedResult).reason as Error;
      throw new Error(`cannot listen on ${entry?.protocol} ${entry?.host}:${entry?.port}: ${reason.message}`, { cause: reason });
    }
    this.#bound = bound;
    this.#picked.clear();
  }

  async stop(): Promise<void> {
    const bound = this.#bound;
    this.#bound = [];
    this.#picked.clear();
    this.#pool.closeAll('transport stopping');
    await Promise.all(bound.map(({ transport }) => transport.stop()));
  }

  isReliable(protocol: TransportProtocol): boolean {
    return protocol !== 'udp';
  }

  /**
   * The sent-by to write in a Via for `protocol`: the advertised host, else the bound address,
   * else (wildcard bind) an interface address of the family that reaches `towards`.
   */
  viaSentBy(protocol: TransportProtocol, towards?: string): SentBy | undefined {
    const bound = this.#pick(protocol, towards);
    if (!bound) return undefined;
    const { config, transport } = bound;
    let host = config.advertisedHost ?? transport.local.address;
    if (!config.advertisedHost && isWildcard(host)) host = localAddressFor(familyOf(bound, towards), towards);
    return { host, hostIsIPv6: addressFamily(host) === 6, port: transport.local.port };
  }

  /**
   * Send a request (§18.1.1). A datagram to an IP literal — every hop of a proxied call — goes
   * out synchronously and returns udp.send's own promise: no async wrapper and no awaits, which
   * were promise allocations and microtask turns on each of a call's seven datagrams.
   */
  sendRequest(request: SipMessage, destination: Destination): Promise<Flow> {
    const address = destination.protocol === 'udp' ? literalAddress(destination.address) : undefined;
    if (address === undefined) return this.#sendRequestResolving(request, destination);
    try {
      return this.#sendRequestOverUdp(request, { address, port: destination.port }, destination);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #sendRequestResolving(request: SipMessage, destination: Destination): Promise<Flow> {
    const address = literalAddress(destination.address) ?? (await this.#resolve(destination.address, destination.protocol));
    const remote = { address, port: destination.port };
    if (destination.protocol === 'udp') return this.#sendRequestOverUdp(request, remote, destination);
    this.#prepareVia(request, destination.protocol, address);
    const serverName = destination.serverName ?? nameOf(destination.address);
    return this.#sendStream(destination.protocol, remote, request.toBuffer(), serverName);
  }

  /** Send a response (§18.2.2); datagrams to an IP literal synchronously, as for requests. */
  sendResponse(response: SipMessage, flow?: Flow): Promise<Flow> {
    let data: Buffer;
    try {
      data = response.toBuffer();
      if (flow === undefined || flow.protocol === 'udp') {
        const sent = this.#sendResponseOverUdp(response, data, flow);
        if (sent !== undefined) return sent;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#sendResponseAsync(response, data, flow);
  }

  /** The datagram cases that need no lookup; undefined when the response needs more. */
  #sendResponseOverUdp(response: SipMessage, data: Buffer, flow: Flow | undefined): Promise<Flow> | undefined {
    if (flow?.protocol === 'udp' && !hasUsableTopVia(response)) {
      // A 400 for a request whose Via does not parse (RFC 4475 badinv01) has no §18.2.2 route;
      // the packet's source is the only address that can still learn what was wrong.
      const udp = this.#udpAt(flow.local, flow.remote.address) ?? this.#udpFor(flow.remote.address);
      return udp.send(data, flow.remote);
    }
    const route = routeResponse(topViaOf(response, 'response'));
    if (route.protocol !== 'udp') return undefined;
    const address = literalAddress(route.host);
    if (address === undefined) return undefined;
    // RFC 3581 §4: send from the socket the request arrived on, so NAT bindings match.
    const udp = (flow?.protocol === 'udp' ? this.#udpAt(flow.local, address) : undefined) ?? this.#udpFor(address);
    return udp.send(data, { address, port: route.port });
  }

  async #sendResponseAsync(response: SipMessage, data: Buffer, flow: Flow | undefined): Promise<Flow> {
    // §18.2.2: over a reliable transport, the connection the request arrived on, if still open.
    if (flow && flow.protocol !== 'udp') {
      const connection = this.#pool.getById(flow.id);
      if (connection) {
        try {
          await connection.send(data);
          return connection.flow;
        } catch (error) {
          this.#logger.debug({ peer: formatSocketAddress(flow.remote), err: error }, 'response connection failed; reopening');
        }
      }
    }
    // (A UDP flow with an unusable top Via was answered by #sendResponseOverUdp.)
    const route = routeResponse(topViaOf(response, 'response'));
    if (route.protocol === 'udp') {
      const address = literalAddress(route.host) ?? (await this.#resolve(route.host, 'udp'));
      // RFC 3581 §4: send from the socket the request arrived on, so NAT bindings match.
      const udp = (flow?.protocol === 'udp' ? this.#udpAt(flow.local, address) : undefined) ?? this.#udpFor(address);
      return udp.send(data, { address, port: route.port });
    }
    const reuse = route.existing && this.#pool.get(route.protocol, route.existing);
    if (reuse) {
      await reuse.send(data);
      return reuse.flow;
    }
    const address = await this.#resolve(route.host, route.protocol);
    return this.#sendStream(route.protocol, { address, port: route.port }, data, nameOf(route.host));
  }

  /** Throws (TransportError) instead of rejecting; the callers turn that into a rejection. */
  #sendRequestOverUdp(request: SipMessage, remote: SocketAddress, destination: Destination): Promise<Flow> {
    const udp = this.#udpFor(remote.address);
    this.#prepareVia(request, 'udp', remote.address);
    const data = request.toBuffer();
    // §18.1.1: a request over the MTU rule goes over a congestion-controlled transport.
    if (data.length > this.#config.mtuThreshold && this.#pick('tcp', remote.address)) {
      return this.#sendLargeRequest(request, remote, destination, udp, data.length);
    }
    return this.#sendDatagram(udp, data, remote, destination);
  }

  async #sendLargeRequest(request: SipMessage, remote: SocketAddress, destination: Destination, udp: UdpTransport, size: number): Promise<Flow> {
    const udpVia = cloneVia(topViaOf(request, 'request'));
    this.#prepareVia(request, 'tcp', remote.address, true);
    try {
      return await this.#sendStream('tcp', remote, request.toBuffer());
    } catch (error) {
      // §18.1.1: a refused or reset TCP attempt SHOULD be retried over UDP.
      if (!isRefusedOrReset(error)) throw error;
      this.#logger.info(
        { peer: formatSocketAddress(remote), size },
        `tcp to ${formatSocketAddress(remote)} refused; sending the ${size}-octet request over udp`,
      );
      request.setTopVia(udpVia);
      return this.#sendDatagram(udp, request.toBuffer(), remote, destination);
    }
  }

  #sendDatagram(udp: UdpTransport, data: Buffer, remote: SocketAddress, destination: Destination): Promise<Flow> {
    if (data.length > this.#config.maxMessageSize) {
      throw new TransportError(`request of ${data.length} octets exceeds the ${this.#config.maxMessageSize}-octet limit`, destination);
    }
    return udp.send(data, remote);
  }

  async #sendStream(protocol: 'tcp' | 'tls', remote: SocketAddress, data: Buffer, serverName?: string): Promise<Flow> {
    const bound = this.#pick(protocol, remote.address);
    if (!bound || bound.transport.protocol === 'udp') {
      throw new TransportError(`no ${protocol} listener: cannot send to ${formatSocketAddress(remote)}`, {
        protocol,
        ...remote,
      });
    }
    const connection = await bound.transport.connect(remote, serverName);
    await connection.send(data);
    return connection.flow;
  }

  /**
   * §18.1.1: the transport fills in sent-by. The top Via gets the transport token of the
   * protocol actually used, and our sent-by when its host is empty or a wildcard. After a
   * UDP→TCP switch, a sent-by naming our UDP listener moves to the TCP listener's port.
   */
  #prepareVia(request: SipMessage, protocol: TransportProtocol, towards: string, switched = false): void {
    const top = topViaOf(request, 'request');
    const sentBy = this.viaSentBy(protocol, towards);
    if (!sentBy) throw new TransportError(`no ${protocol} listener to send from`);
    const via = cloneVia(top);
    via.transport = protocol.toUpperCase();
    if (isWildcard(top.host)) {
      via.host = sentBy.host;
      via.hostIsIPv6 = sentBy.hostIsIPv6;
      via.port = sentBy.port;
    } else if (switched) {
      const udp = this.viaSentBy('udp', towards);
      if (udp && via.port === udp.port && sameAddress(via.host, udp.host)) via.port = sentBy.port;
    }
    if (via.transport !== top.transport || via.host !== top.host || via.port !== top.port) request.setTopVia(via);
    this.#rememberSentBy(via);
  }

  #rememberSentBy(via: Via): void {
    // Every request we send asks this, nearly always with the sent-by of the one before.
    if (this.#lastSentBy.matches(via)) return;
    const key = sentByKey(via);
    this.#lastSentBy.set(via);
    if (this.#sentBy.has(key)) return;
    this.#sentBy.add(key);
    if (this.#sentBy.size > SENT_BY_MEMORY) {
      const oldest = this.#sentBy.values().next().value;
      if (oldest !== undefined) this.#sentBy.delete(oldest);
      // The key just added is the newest (not evicted); the one known present may be gone.
      this.#knownSentBy.clear();
    }
  }

  /** Bytes of one whole message from any transport → the subscriber. */
  #receive(data: Buffer, flow: Flow): void {
    // The peer's text is only built when something is logged: this runs for every message.
    const { message, errors } = parseMessage(data);
    if (!message) {
      const peer = formatSocketAddress(flow.remote);
      const why = errors.map((error) => error.reason).join('; ') || 'not a SIP message';
      this.#logger.warn(
        { peer, protocol: flow.protocol, size: data.length, codes: errors.map((error) => error.code) },
        `dropping ${data.length} octets from ${peer} over ${flow.protocol}: ${why}`,
      );
      return;
    }
    if (message.kind === 'request') {
      stampReceived(message, flow.remote);
    } else if (!this.#isOurSentBy(message)) {
      // §18.1.2: a response whose top Via we did not write is silently discarded.
      if (this.#logger.isLevelEnabled('debug')) {
        const peer = formatSocketAddress(flow.remote);
        this.#logger.debug({ peer, protocol: flow.protocol }, `discarding a response from ${peer}: top Via sent-by is not ours`);
      }
      return;
    }
    const handler = this.#handler;
    if (!handler) {
      const peer = formatSocketAddress(flow.remote);
      this.#logger.warn({ peer, protocol: flow.protocol }, `no subscriber: dropping a message from ${peer}`);
      return;
    }
    try {
      const result: unknown = handler({ message, flow, errors });
      if (result instanceof Promise) result.catch((error: unknown) => this.#subscriberFailed(flow, error));
    } catch (error) {
      this.#subscriberFailed(flow, error);
    }
  }

  #subscriberFailed(flow: Flow, error: unknown): void {
    const peer = formatSocketAddress(flow.remote);
    this.#logger.error({ peer, protocol: flow.protocol, err: error }, `subscriber failed on a message from ${peer}`);
  }

  #isOurSentBy(response: SipMessage): boolean {
    try {
      const top = response.topVia;
      if (top === undefined) return false;
      if (this.#knownSentBy.matches(top)) return true;
      const ours = this.#sentBy.has(sentByKey(top));
      if (ours) this.#knownSentBy.set(top);
      return ours;
    } catch {
      return false;
    }
  }

  #createTransport(config: ListenConfig): UdpTransport | StreamTransport {
    const { maxMessageSize, idleTimeoutMs, connectTimeoutMs, udpSocketThread } = this.#config;
    const logger = this.#logger;
    const onMessage = (data: Buffer, flow: Flow): void => this.#receive(data, flow);
    if (config.protocol === 'udp') {
      return new UdpTransport({ host: config.host, port: config.port, maxMessageSize, logger, socketThread: udpSocketThread, onMessage });
    }
    const options = { host: config.host, port: config.port, maxMessageSize, idleTimeoutMs, connectTimeoutMs, logger, pool: this.#pool, onMessage };
    if (config.protocol === 'tcp') return createTcpTransport(options);
    if (!config.tls) throw new Error(`tls listener on ${config.host}:${config.port} has no certificate`);
    return createTlsTransport(config.tls, options);
  }

  /**
   * The listener of `protocol` best placed to reach `towards`: one of the right address family,
   * bound to loopback for a loopback peer and elsewhere for others; else the first of the protocol.
   */
  #pick(protocol: TransportProtocol, towards?: string): Bound | undefined {
    const key = towards === undefined ? protocol : `${protocol} ${towards}`;
    const known = this.#picked.get(key);
    if (known !== undefined || this.#picked.has(key)) return known;
    const picked = this.#choose(protocol, towards);
    if (this.#picked.size >= PICK_MEMORY) this.#picked.clear();
    this.#picked.set(key, picked);
    return picked;
  }

  #choose(protocol: TransportProtocol, towards?: string): Bound | undefined {
    const candidates = this.#bound.filter((bound) => bound.config.protocol === protocol);
    const family = towards === undefined ? 0 : addressFamily(towards);
    if (family === 0) return candidates[0];
    const reaching = candidates.filter((bound) => bindReaches(bound.config.host, family));
    const local = isLoopback(towards ?? '');
    const preferred = reaching.find((bound) => isLoopback(bound.transport.local.address) === local);
    const fallback = protocol === 'udp' ? undefined : candidates[0];
    return preferred ?? reaching[0] ?? fallback;
  }

  #udpFor(address: string): UdpTransport {
    const transport = this.#pick('udp', address)?.transport;
    if (transport instanceof UdpTransport) return transport;
    throw new TransportError(`no udp listener can reach ${address}`, { protocol: 'udp', address, port: 0 });
  }

  #udpAt(local: SocketAddress, address: string): UdpTransport | undefined {
    for (const { transport } of this.#bound) {
      if (transport instanceof UdpTransport && transport.local.port === local.port && sameAddress(transport.local.address, local.address) && transport.canReach(address)) {
        return transport;
      }
    }
    return undefined;
  }

  /**
   * An IP literal for `host`. Names go through the system resolver (A/AAAA; the caller has
   * done RFC 3263), taking the first address a listener of `protocol` can reach.
   */
  async #resolve(host: string, protocol: TransportProtocol): Promise<string> {
    if (addressFamily(host) !== 0) return normalizeAddress(host);
    let addresses: Array<{ address: string }>;
    try {
      addresses = await lookup(host, { all: true });
    } catch (error) {
      throw new TransportError(`cannot resolve ${host}: ${(error as Error).message}`, { protocol, address: host, port: 0 }, error);
    }
    const reachable = addresses.find(({ address }) => protocol !== 'udp' || this.#pick('udp', address));
    const chosen = reachable ?? addresses[0];
    if (!chosen) throw new TransportError(`cannot resolve ${host}: no addresses`, { protocol, address: host, port: 0 });
    return normalizeAddress(chosen.address);
  }
}

/** The normalized address when `host` is an IP literal (what #resolve returns for it at once). */
function literalAddress(host: string): string | undefined {
  return addressFamily(host) !== 0 ? normalizeAddress(host) : undefined;
}

function hasUsableTopVia(message: SipMessage): boolean {
  try {
    return message.topVia !== undefined;
  } catch {
    return false;
  }
}

function topViaOf(message: SipMessage, what: 'request' | 'response'): Via {
  let top: Via | undefined;
  try {
    top = message.topVia;
  } catch (error) {
    throw new TransportError(`cannot send the ${what}: its top Via is malformed`, undefined, error);
  }
  if (!top) throw new TransportError(`cannot send the ${what}: it has no Via (RFC 3261 §8.1.1.7)`);
  return top;
}

/** A host name worth checking a TLS certificate against; undefined for IP literals. */
function nameOf(host: string): string | undefined {
  return addressFamily(host) === 0 ? host : undefined;
}

/** One Via sent-by as written (transport, host, port), to skip building `sentByKey` again for
 *  the same peer: sentByKey depends on nothing else. */
class SentByMemo {
  #transport: string | undefined;
  #host: string | undefined;
  #port: number | undefined;

  matches(via: Via): boolean {
    return this.#host !== undefined && via.port === this.#port && via.host === this.#host && via.transport === this.#transport;
  }

  set(via: Via): void {
    this.#transport = via.transport;
    this.#host = via.host;
    this.#port = via.port;
  }

  clear(): void {
    this.#host = undefined;
  }
}

function sentByKey(via: Via): string {
  const transport = via.transport.toLowerCase();
  const port = via.port ?? defaultPort(transport === 'tls' ? 'tls' : 'udp');
  return `${normalizeAddress(via.host)}:${port}`;
}

function familyOf(bound: Bound, towards?: string): 4 | 6 {
  const family = towards === undefined ? 0 : addressFamily(towards);
  if (family !== 0) return family;
  return addressFamily(bound.config.host) === 6 ? 6 : 4;
}

function isRefusedOrReset(error: unknown): boolean {
  const cause = error instanceof TransportError ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET';
}
