/**
 * The body of the UDP socket thread (see udp-socket-thread.ts). It owns the socket: binds it,
 * queues every datagram received for the server thread, and sends what the server thread
 * queued. Sent to the worker as source text, so it must stay self-contained: everything it
 * uses comes in as parameters.
 */
import type * as Dgram from 'node:dgram';
import type * as WorkerThreads from 'node:worker_threads';
import type { DatagramRing } from './datagram-ring.js';

/** What the server thread passes as workerData. */
export interface SocketThreadData {
  host: string;
  port: number;
  type: 'udp4' | 'udp6';
  receiveBufferBytes: number;
  inbound: SharedArrayBuffer;
  outbound: SharedArrayBuffer;
}

/** What the socket thread reports to the server thread. */
export type SocketThreadReport =
  | { kind: 'listening'; address: string; port: number }
  | { kind: 'bind-failed'; message: string; code?: string }
  | { kind: 'receive-buffer'; message: string }
  | { kind: 'socket-error'; message: string }
  | { kind: 'send-failed'; message: string };

export function socketThreadMain(Ring: typeof DatagramRing, dgram: typeof Dgram, threads: typeof WorkerThreads): void {
  const parent = threads.parentPort;
  const data = threads.workerData as SocketThreadData;
  if (!parent) return;
  const report = (message: SocketThreadReport): void => parent.postMessage(message);
  const inbound = new Ring(data.inbound);
  const outbound = new Ring(data.outbound);
  const socket = dgram.createSocket({
    type: data.type,
    // Only IP literals are ever sent to (the transport layer resolves names first).
    lookup: (hostname, _options, callback) => callback(null, hostname, data.type === 'udp6' ? 6 : 4),
  });
  const sent = (error: Error | null): void => {
    if (error) report({ kind: 'send-failed', message: error.message });
  };
  const send = (payload: Buffer, address: string, port: number): void => socket.send(payload, port, address, sent);
  socket.on('message', (payload, info) => {
    // A full ring drops the datagram, as a full kernel buffer would; the sender retransmits.
    if (inbound.write(payload, info.address, info.port)) inbound.wake();
  });
  socket.once('error', (error: NodeJS.ErrnoException) => {
    const failure: SocketThreadReport = { kind: 'bind-failed', message: error.message };
    if (error.code !== undefined) failure.code = error.code;
    report(failure);
  });
  socket.bind({ address: data.host, port: data.port }, () => {
    socket.removeAllListeners('error');
    socket.on('error', (error) => report({ kind: 'socket-error', message: error.message }));
    // 'listening' first: the server thread takes the first report as the outcome of the bind.
    const local = socket.address();
    report({ kind: 'listening', address: local.address, port: local.port });
    try {
      socket.setRecvBufferSize(data.receiveBufferBytes);
    } catch (error) {
      report({ kind: 'receive-buffer', message: String(error) });
    }
    void (async () => {
      for (;;) {
        outbound.read(send);
        await outbound.waitForData();
      }
    })();
  });
}
