/**
 * One TCP or TLS connection: frames the byte stream into messages (RFC 3261 §18.3), answers
 * keep-alive pings (RFC 5626 §3.5.1), closes itself on a framing error (RFC 4475 §3.1.2.3,
 * §3.3.9: the stream cannot be resynchronised) and after `idleTimeoutMs` without traffic.
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { StreamFramer } from '../sip/index.js';
import { formatSocketAddress, normalizeAddress } from './address.js';
import type { PooledConnection } from './connection-pool.js';
import { TransportError, type Flow, type SocketAddress } from './types.js';

export type StreamProtocol = 'tcp' | 'tls';

export interface StreamConnectionOptions {
  protocol: StreamProtocol;
  /** A connected socket (for TLS: after the handshake). */
  socket: Socket;
  maxMessageSize: number;
  idleTimeoutMs: number;
  logger: Logger;
  /** Called with every framed message, in order. */
  onMessage(data: Buffer, flow: Flow): void;
  /** Called once when the connection is gone, whoever closed it. */
  onClose(connection: StreamConnection): void;
}

export function streamFlow(protocol: StreamProtocol, local: SocketAddress, remote: SocketAddress): Flow {
  return { protocol, local, remote, id: `${protocol}:${formatSocketAddress(local)}>${formatSocketAddress(remote)}` };
}

/** Local and remote address of a connected socket, or undefined once it has closed. */
export function socketAddresses(socket: Socket): { local: SocketAddress; remote: SocketAddress } | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (!localAddress || localPort === undefined || !remoteAddress || remotePort === undefined) return undefined;
  return {
    local: { address: normalizeAddress(localAddress), port: localPort },
    remote: { address: normalizeAddress(remoteAddress), port: remotePort },
  };
}

export class StreamConnection implements PooledConnection {
  readonly flow: Flow;
  readonly #socket: Socket;
  readonly #framer: StreamFramer;
  readonly #options: StreamConnectionOptions;
  readonly #peer: string;
  #open = true;

  constructor(options: StreamConnectionOptions, addresses: { local: SocketAddress; remote: SocketAddress }) {
    this.#options = options;
    this.#socket = options.socket;
    this.flow = streamFlow(options.protocol, addresses.local, addresses.remote);
    this.#peer = formatSocketAddress(addresses.remote);
    this.#framer = new StreamFramer({ maxMessageSize: options.maxMessageSize });
    this.#socket.setNoDelay(true);
    this.#socket.setTimeout(options.idleTimeoutMs);
    this.#socket.on('data', (chunk: Buffer) => {
      try {
        this.#receive(chunk);
      } catch (error) {
        // A bug below must cost this connection, never the process.
        options.logger.error({ peer: this.#peer, protocol: options.protocol, err: error }, `error reading from ${this.#peer}; closing`);
        this.close('internal error');
      }
    });
    this.#socket.on('timeout', () => {
      options.logger.info(
        { peer: this.#peer, protocol: options.protocol, idleTimeoutMs: options.idleTimeoutMs },
        `closing ${options.protocol} connection to ${this.#peer}: idle for ${options.idleTimeoutMs} ms`,
      );
      this.close('idle');
    });
    this.#socket.on('error', (error: Error) => {
      options.logger.debug({ peer: this.#peer, protocol: options.protocol, err: error }, `${options.protocol} connection error`);
    });
    this.#socket.once('close', () => {
      this.#open = false;
      options.onClose(this);
    });
  }

  get isOpen(): boolean {
    return this.#open && !this.#socket.destroyed;
  }

  /** Write one serialized message; rejects with TransportError if the connection fails. */
  send(data: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(this.#error('connection is closed'));
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (error) => (error ? reject(this.#error(error.message, error)) : resolve()));
    });
  }

  close(reason: string): void {
    if (!this.#socket.destroyed) {
      this.#options.logger.debug({ peer: this.#peer, protocol: this.#options.protocol, reason }, 'closing connection');
      this.#socket.destroy();
    }
    this.#open = false;
  }

  #receive(chunk: Buffer): void {
    const { logger, protocol, maxMessageSize } = this.#options;
    // Octets of the message being framed, for the size named in a limit log line.
    let received = this.#framer.bufferedLength + chunk.length;
    for (const item of this.#framer.push(chunk)) {
      if (item.type === 'message') {
        received -= item.data.length;
        this.#deliver(item.data);
      } else if (item.type === 'keepalive') {
        // RFC 5626 §3.5.1: a double-CRLF "ping" is answered with a single-CRLF "pong".
        if (item.pong && this.isOpen) this.#socket.write('\r\n');
      } else {
        // RFC 4475 §3.1.2.3 / §3.3.9: after a framing error the stream cannot be resynchronised.
        const { code, reason } = item.error;
        const text =
          code === 'message-too-large'
            ? `message from ${this.#peer} exceeds the ${maxMessageSize}-octet limit (${received} octets received: ${reason}); closing the ${protocol} connection`
            : `framing error from ${this.#peer}: ${reason} (${code}); closing the ${protocol} connection`;
        logger.warn({ peer: this.#peer, protocol, code, size: received, limit: maxMessageSize }, text);
        this.close(code);
        return;
      }
    }
  }

  #deliver(data: Buffer): void {
    try {
      this.#options.onMessage(data, this.flow);
    } catch (error) {
      this.#options.logger.error(
        { peer: this.#peer, protocol: this.#options.protocol, err: error },
        `error handling a message from ${this.#peer}`,
      );
    }
  }

  #error(message: string, cause?: unknown): TransportError {
    const { remote } = this.flow;
    return new TransportError(
      `${this.#options.protocol} send to ${this.#peer} failed: ${message}`,
      { protocol: this.#options.protocol, address: remote.address, port: remote.port },
      cause,
    );
  }
}
