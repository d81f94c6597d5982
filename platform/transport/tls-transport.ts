/**
 * TLS sockets for the stream transport (RFC 3261 §18.3, §26.2; RFC 5922 for certificates).
 * The listener's certificate and key serve inbound connections; outbound connections verify
 * the peer against `ca` (or the system store) and the destination's server name.
 */
import { isIP, type Server, type Socket } from 'node:net';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import type { Logger } from '../log/logger.js';
import { formatHostPort } from './address.js';
import { StreamTransport, type StreamSockets, type StreamTransportOptions } from './stream-transport.js';
import { readPem, type TlsListenConfig } from './transport-config.js';
import type { SocketAddress } from './types.js';

/** A handshake that has not finished by then is dropped, so half-open peers cannot pile up. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsSockets implements StreamSockets {
  readonly protocol = 'tls' as const;
  readonly readyEvent = 'secureConnect' as const;
  readonly #cert: string | Buffer;
  readonly #key: string | Buffer;
  readonly #ca: Array<string | Buffer> | undefined;
  readonly #rejectUnauthorized: boolean;
  readonly #logger: Logger;

  constructor(config: TlsListenConfig, logger: Logger) {
    this.#cert = readPem(config.cert);
    this.#key = readPem(config.key);
    const ca = config.ca === undefined ? undefined : Array.isArray(config.ca) ? config.ca : [config.ca];
    this.#ca = ca?.map(readPem);
    this.#rejectUnauthorized = config.rejectUnauthorized ?? true;
    this.#logger = logger;
  }

  createServer(onSocket: (socket: Socket) => void): Server {
    const server = createServer({ cert: this.#cert, key: this.#key, handshakeTimeout: HANDSHAKE_TIMEOUT_MS }, onSocket);
    server.on('tlsClientError', (error: Error, socket) => {
      const peer = socket.remoteAddress ? formatHostPort(socket.remoteAddress, socket.remotePort ?? 0) : 'unknown peer';
      this.#logger.warn({ peer, protocol: 'tls', err: error }, `TLS handshake with ${peer} failed: ${error.message}`);
    });
    return server;
  }

  connect(remote: SocketAddress, serverName?: string): Socket {
    const options: ConnectionOptions = {
      host: remote.address,
      port: remote.port,
      rejectUnauthorized: this.#rejectUnauthorized,
      ...(this.#ca ? { ca: this.#ca } : {}),
    };
    // RFC 6066 §3: SNI carries host names only; with no name the certificate is checked against the IP.
    if (serverName && isIP(serverName) === 0) options.servername = serverName;
    return connect(options);
  }
}

export function createTlsTransport(config: TlsListenConfig, options: StreamTransportOptions): StreamTransport {
  return new StreamTransport(new TlsSockets(config, options.logger), options);
}
