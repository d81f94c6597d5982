import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.js';
import { silentLogger } from '../log/logger.js';
import { parseMessage } from '../sip/index.js';
import { buildRequest, Inbox, TcpPeer, UdpPeer } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

/** A peer listening on UDP and (optionally) TCP at the same port, as a SIP server on 5060 does. */
async function peer(withTcp: boolean): Promise<{ port: number; udp: UdpPeer; tcp: Inbox<TcpPeer> }> {
  const port = await freePort();
  const udp = await UdpPeer.bind('127.0.0.1', port);
  cleanups.push(() => udp.close());
  const tcp = new Inbox<TcpPeer>();
  if (withTcp) {
    const server: Server = createServer((socket: Socket) => {
      const accepted = TcpPeer.wrap(socket);
      cleanups.push(() => accepted.destroy());
      tcp.push(accepted);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }
  return { port, udp, tcp };
}

async function startLayer(): Promise<{ layer: TransportLayer; udpPort: number; tcpPort: number }> {
  const layer = new TransportLayer({
    listen: [
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
      { protocol: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    logger: silentLogger,
  });
  await layer.start();
  cleanups.push(() => layer.stop());
  const port = (protocol: string): number => layer.listeners.find((listener) => listener.protocol === protocol)?.port ?? 0;
  return { layer, udpPort: port('udp'), tcpPort: port('tcp') };
}

describe('RFC 3261 §18.1.1: requests over 1300 octets go over TCP', () => {
  it('sends a large UDP-bound request over TCP to the same port and rewrites the Via transport and port', async () => {
    const { layer, tcpPort } = await startLayer();
    const server = await peer(true);
    const request = buildRequest('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-big1', 'big1@example.com', 'a'.repeat(1400));
    const flow = await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(flow).toMatchObject({ protocol: 'tcp', remote: { address: '127.0.0.1', port: server.port } });
    const connection = await server.tcp.next('the TCP connection');
    await connection.waitForText('a'.repeat(1400), 'the whole request');
    const { message } = parseMessage(connection.received);
    expect(message?.getHeader('Via')).toBe(`SIP/2.0/TCP 127.0.0.1:${tcpPort};branch=z9hG4bK-big1`);
    expect(request.getHeader('Via')).toBe(`SIP/2.0/TCP 127.0.0.1:${tcpPort};branch=z9hG4bK-big1`);
    expect(server.udp.inbox.items).toEqual([]);
  });

  it('moves a sent-by naming our UDP listener to the TCP listener port', async () => {
    const { layer, udpPort, tcpPort } = await startLayer();
    const server = await peer(true);
    const request = buildRequest(`SIP/2.0/UDP 127.0.0.1:${udpPort};branch=z9hG4bK-big2`, 'big2@example.com', 'b'.repeat(1400));
    await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(request.getHeader('Via')).toBe(`SIP/2.0/TCP 127.0.0.1:${tcpPort};branch=z9hG4bK-big2`);
  });

  it('keeps a request of 1300 octets or less on UDP', async () => {
    const { layer, udpPort } = await startLayer();
    const server = await peer(true);
    const request = buildRequest('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-small', 'small@example.com', 'c'.repeat(600));
    expect(request.toBuffer().length).toBeLessThanOrEqual(1300);
    const flow = await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(flow.protocol).toBe('udp');
    const got = await server.udp.inbox.next('the UDP request');
    expect(parseMessage(got.data).message?.getHeader('Via')).toBe(`SIP/2.0/UDP 127.0.0.1:${udpPort};branch=z9hG4bK-small`);
  });

  it('falls back to UDP with the original Via when the TCP connection is refused', async () => {
    const { layer, udpPort } = await startLayer();
    const server = await peer(false);
    const request = buildRequest('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-fallback', 'fallback@example.com', 'd'.repeat(1400));
    const flow = await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(flow.protocol).toBe('udp');
    const got = await server.udp.inbox.next('the UDP request');
    expect(got.data.length).toBeGreaterThan(1300);
    expect(parseMessage(got.data).message?.getHeader('Via')).toBe(`SIP/2.0/UDP 127.0.0.1:${udpPort};branch=z9hG4bK-fallback`);
  });

  it('stays on UDP when there is no TCP listener', async () => {
    const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], logger: silentLogger });
    await layer.start();
    cleanups.push(() => layer.stop());
    const server = await peer(true);
    const request = buildRequest('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-notcp', 'notcp@example.com', 'e'.repeat(1400));
    const flow = await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(flow.protocol).toBe('udp');
    expect((await server.udp.inbox.next('the UDP request')).data.length).toBeGreaterThan(1300);
  });
});
