import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, parseMessage, type SipRequest } from '../sip/index.js';
import { DatagramRing } from './datagram-ring.js';
import { Inbox, recordingLogger, requestText, UdpPeer, waitFor } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';
import type { InboundMessage } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

describe('DatagramRing (the queue between the UDP socket thread and the server thread)', () => {
  it('hands back every datagram in order, with its address and port, across many wrap-arounds', () => {
    const ring = new DatagramRing(DatagramRing.create(1024));
    const written: Array<{ data: Buffer; address: string; port: number }> = [];
    const read: typeof written = [];
    let full = 0;
    let seed = 7;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 2000; i++) {
      const data = Buffer.alloc(random(300), i % 251);
      const address = i % 3 === 0 ? '2001:db8::1' : `10.0.${i % 256}.${random(256)}`;
      const port = 1 + random(65535);
      const visit = (d: Buffer, a: string, p: number): void => void read.push({ data: d, address: a, port: p });
      // Read now and then, so that the writer wraps at every possible offset; when the ring is
      // full, the reader catches up and the same datagram goes in.
      if (random(3) === 0) ring.read(visit);
      if (!ring.write(data, address, port)) {
        full += 1;
        ring.read(visit);
        expect(ring.write(data, address, port)).toBe(true);
      }
      written.push({ data, address, port });
    }
    ring.read((d, a, p) => read.push({ data: d, address: a, port: p }));
    expect(read).toEqual(written);
    expect(full).toBeGreaterThan(0);
    expect(ring.dropped).toBe(full);
  });

  it('refuses a datagram that does not fit, counts it, and takes more once the reader caught up', () => {
    const ring = new DatagramRing(DatagramRing.create(1024));
    const data = Buffer.alloc(200, 1);
    let accepted = 0;
    while (ring.write(data, '127.0.0.1', 5060)) accepted += 1;
    expect(accepted).toBe(4); // 4 × (8 + 9 + 200 → 220 aligned) = 880 of 1024
    expect(ring.dropped).toBe(1);
    expect(ring.write(Buffer.alloc(2000), '127.0.0.1', 5060)).toBe(false);
    expect(ring.read(() => undefined)).toBe(4);
    expect(ring.write(data, '127.0.0.1', 5060)).toBe(true);
    expect(ring.dropped).toBe(2);
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => DatagramRing.create(3000)).toThrow(/power of two/);
  });
});

describe('UDP with the socket in its own thread (sip.udpSocketThread)', () => {
  async function startLayer(port = 0): Promise<{ layer: TransportLayer; inbox: Inbox<InboundMessage>; port: number }> {
    const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port }], udpSocketThread: true, logger: silentLogger });
    const inbox = new Inbox<InboundMessage>();
    layer.onMessage((inbound) => inbox.push(inbound));
    await layer.start();
    cleanups.push(() => layer.stop());
    return { layer, inbox, port: layer.listeners[0]?.port ?? 0 };
  }

  async function peer(): Promise<UdpPeer> {
    const udp = await UdpPeer.bind();
    cleanups.push(() => udp.close());
    return udp;
  }

  it('receives a request with its flow and answers from the port it arrived on (RFC 3581 §4)', async () => {
    const { layer, inbox, port } = await startLayer();
    const client = await peer();
    await client.send(requestText({ via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-thread1;rport` }), port);
    const inbound = await inbox.next('the request');
    expect(inbound.flow).toMatchObject({ protocol: 'udp', local: { address: '127.0.0.1', port }, remote: { address: '127.0.0.1', port: client.port } });
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    const answer = await client.inbox.next('the 200');
    expect(answer.port).toBe(port);
    expect(parseMessage(answer.data).message).toMatchObject({ status: 200 });
  });

  it('keeps the order of bursts both ways: 1,000 requests in, 1,000 responses out, 50 at a time', async () => {
    const { layer, inbox, port } = await startLayer();
    const client = await peer();
    const count = 1000;
    const burst = 50; // well inside a default 208 KiB socket buffer, so the kernel drops none
    for (let i = 0; i < count; i += burst) {
      const sends = [];
      for (let j = i; j < i + burst; j++) {
        sends.push(client.send(requestText({ via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-burst${j}`, callId: `burst-${j}` }), port));
      }
      await Promise.all(sends);
      await waitFor(() => inbox.items.length === i + burst, `requests up to ${i + burst}`, 10_000);
    }
    const expected = Array.from({ length: count }, (_, i) => `burst-${i}`);
    expect(inbox.items.map((inbound) => (inbound.message as SipRequest).callId)).toEqual(expected);
    for (let i = 0; i < count; i += burst) {
      for (const inbound of inbox.items.slice(i, i + burst)) void layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
      await waitFor(() => client.inbox.items.length === i + burst, `responses up to ${i + burst}`, 10_000);
    }
    expect(client.inbox.items.map((item) => parseMessage(item.data).message?.callId)).toEqual(expected);
  });

  it('says so when the server thread falls behind and the queue from the socket thread overflows', async () => {
    const { logger, lines } = recordingLogger();
    const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], udpSocketThread: true, logger });
    let received = 0;
    layer.onMessage(() => {
      received += 1;
      // The server thread is held up on the first message while 12 MB arrive for a 4-MiB queue.
      if (received === 1) for (const until = Date.now() + 1500; Date.now() < until; );
    });
    await layer.start();
    cleanups.push(() => layer.stop());
    const port = layer.listeners[0]!.port;
    // The sender is another process: this thread is the one held up. Bursts of 20 × 60 KB with
    // pauses, so the socket thread empties the kernel's buffer into its queue between bursts.
    const sender = `
      const socket = require('node:dgram').createSocket('udp4');
      const request = (n, body) => ['OPTIONS sip:service@127.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-slow' + n,
        'Max-Forwards: 70', 'From: <sip:a@example.com>;tag=a', 'To: <sip:service@example.com>', 'Call-ID: slow-' + n,
        'CSeq: 1 OPTIONS', 'Content-Length: ' + body.length, '', body].join('\\r\\n');
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      (async () => {
        socket.send(request(0, ''), ${port}, '127.0.0.1');
        await sleep(300);
        for (let burst = 0; burst < 10; burst++) {
          for (let i = 1; i <= 20; i++) socket.send(request(burst * 20 + i, 'x'.repeat(60000)), ${port}, '127.0.0.1');
          await sleep(30);
        }
        socket.close();
      })();`;
    const child = spawn(process.execPath, ['-e', sender], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    const warning = await waitFor(() => lines.find((line) => line.level === 40 && /datagrams dropped since the last report/.test(line.msg)), 'the drop warning', 5000);
    expect(warning.dropped).toBeGreaterThan(0);
    await waitFor(() => received > 60, 'what fitted in the queue', 5000); // ~69 × 60 KB fit in 4 MiB
  });

  it('fails to start on a port in use, naming the error, and frees its port when stopped', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    const busy = taken.address().port;
    const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: busy }], udpSocketThread: true, logger: silentLogger });
    await expect(layer.start()).rejects.toThrow(/cannot listen on udp 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    await new Promise<void>((resolve) => taken.close(resolve));

    const { layer: started, port } = await startLayer();
    await started.stop();
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(resolve));
  });
});
