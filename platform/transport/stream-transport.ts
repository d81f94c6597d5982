/**
 * What TCP and TLS share (RFC 3261 §18.3): a listening server whose accepted sockets become
 * pooled StreamConnections, and outbound connections through the same pool. The protocol
 * specific part (plain or TLS sockets) comes from a StreamSockets implementation.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { formatHostPort, normalizeAddress } from './address.js';
import type { ConnectionPool } from './connection-pool.js';
import { socketAddresses, StreamConnection, type StreamProtocol } from './stream-connection.js';
import { TransportError, type Flow, type SocketAddress } from './types.js';

/** How one stream protocol makes servers and outbound sockets. */
export interface StreamSockets {
  readonly protocol: StreamProtocol;
  /** A server calling `onSocket` with each accepted, ready socket (for TLS: after the handshake). */
  createServer(onSocket: (socket: Socket) => void): Server;
  /** Start connecting; the socket emits `readyEvent` once usable. */
  connect(remote: SocketAddress, serverName?: string): Socket;
  readonly readyEvent: 'connect' | 'secureConnect';
}

export interface StreamTransportOptions {
  host: string;
  port: number;
  maxMessageSize: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  pool: ConnectionPool<StreamConnection>;
  onMessage(data: Buffer, flow: Flow): void;
}

export class StreamTransport {
  readonly #sockets: StreamSockets;
  readonly #options: StreamTransportOptions;
  #server: Server | undefined;
  #local: SocketAddress | undefined;
  #stopped = false;

  constructor(sockets: StreamSockets, options: StreamTransportOptions) {
    this.#sockets = sockets;
    this.#options = options;
  }

  get protocol(): StreamProtocol {
    return this.#sockets.protocol;
  }

  /** The bound address (after start). */
  get local(): SocketAddress {
    if (!this.#local) throw new Error(`${this.protocol} transport on ${this.#options.host} is not started`);
    return this.#local;
  }

  start(): Promise<void> {
    const { host, port, logger } = this.#options;
    const server = this.#sockets.createServer((socket) => this.#accept(socket));
    this.#server = server;
    this.#stopped = false;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => reject(error);
      server.once('error', fail);
      server.listen({ host, port }, () => {
        server.off('error', fail);
        server.on('error', (error: Error) => logger.error({ err: error, protocol: this.protocol }, `${this.protocol} server error`));
        const address = server.address();
        if (!address || typeof address === 'string') return reject(new Error(`${this.protocol} server has no address`));
        this.#local = { address: normalizeAddress(address.address), port: address.port };
        logger.info({ protocol: this.protocol, local: formatHostPort(address.address, address.port) }, `listening on ${this.protocol}`);
        resolve();
      });
    });
  }

  /** Stop accepting. Open connections are closed by the pool's owner. */
  stop(): Promise<void> {
    this.#stopped = true;
    const server = this.#server;
    this.#server = undefined;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  /** The pooled connection to `remote`, opening one if none is open. */
  connect(remote: SocketAddress, serverName?: string): Promise<StreamConnection> {
    return this.#options.pool.acquire(this.protocol, remote, () => this.#open(remote, serverName));
  }

  #accept(socket: Socket): void {
    const { pool, logger } = this.#options;
    socket.on('error', () => undefined); // reported by the connection; a refused socket may still emit
    const addresses = socketAddresses(socket);
    if (!addresses || this.#stopped) {
      socket.destroy();
      return;
    }
    const peer = formatHostPort(addresses.remote.address, addresses.remote.port);
    if (pool.isFull) {
      logger.warn(
        { peer, protocol: this.protocol, limit: pool.maxConnections },
        `refusing ${this.protocol} connection from ${peer}: connection limit of ${pool.maxConnections} reached`,
      );
      socket.destroy();
      return;
    }
    pool.add(this.#wrap(socket, addresses));
    logger.debug({ peer, protocol: this.protocol }, 'accepted connection');
  }

  #open(remote: SocketAddress, serverName?: string): Promise<StreamConnection> {
    const { connectTimeoutMs } = this.#options;
    const target = formatHostPort(remote.address, remote.port);
    const destination = { protocol: this.protocol, address: remote.address, port: remote.port };
    return new Promise((resolve, reject) => {
      let socket: Socket;
      try {
        socket = this.#sockets.connect(remote, serverName);
      } catch (error) {
        reject(new TransportError(`cannot connect over ${this.protocol} to ${target}: ${(error as Error).message}`, destination, error));
        return;
      }
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError(`${this.protocol} connect to ${target} timed out after ${connectTimeoutMs} ms`, destination));
      }, connectTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TransportError(`${this.protocol} connect to ${target} failed: ${error.message}`, destination, error));
      };
      socket.once('error', fail);
      socket.once(this.#sockets.readyEvent, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        // A connect that completes after stop() must not leave a socket open.
        if (this.#stopped) return fail(new Error('transport stopped'));
        const addresses = socketAddresses(socket);
        if (!addresses) return fail(new Error('socket closed while connecting'));
        resolve(this.#wrap(socket, addresses));
      });
    });
  }

  #wrap(socket: Socket, addresses: { local: SocketAddress; remote: SocketAddress }): StreamConnection {
    const { pool, maxMessageSize, idleTimeoutMs, logger, onMessage } = this.#options;
    return new StreamConnection(
      {
        protocol: this.protocol,
        socket,
        maxMessageSize,
        idleTimeoutMs,
        logger,
        onMessage,
        onClose: (connection) => pool.remove(connection),
      },
      addresses,
    );
  }
}
