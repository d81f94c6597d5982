/**
 * Plain TCP sockets for the stream transport (RFC 3261 §18.3).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { StreamTransport, type StreamSockets, type StreamTransportOptions } from './stream-transport.js';
import type { SocketAddress } from './types.js';

export const tcpSockets: StreamSockets = {
  protocol: 'tcp',
  readyEvent: 'connect',
  createServer(onSocket: (socket: Socket) => void): Server {
    return createServer(onSocket);
  },
  connect(remote: SocketAddress): Socket {
    return connect({ host: remote.address, port: remote.port });
  },
};

export function createTcpTransport(options: StreamTransportOptions): StreamTransport {
  return new StreamTransport(tcpSockets, options);
}
