/**
 * RFC 4475 / RFC 5118 torture messages thrown at real sockets: the transport must deliver every
 * valid request, drop or close on the rest with a log line, and keep serving (nothing a peer
 * sends may crash the process).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inbox, recordingLogger, requestText, TcpPeer, UdpPeer, waitFor } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';
import type { InboundMessage } from './types.js';

const dir = fileURLToPath(new URL('../../../shared/conformance/sip-torture/', import.meta.url));
const classes = new Map(
  readFileSync(`${dir}EXPECTED.tsv`, 'utf8')
    .split('\n')
    .slice(1)
    .filter((row) => row.trim() !== '')
    .map((row) => row.split('\t'))
    .map(([file, , , , kind]) => [file ?? '', kind ?? ''] as const),
);
const files = [
  ...readdirSync(dir).filter((name) => name.endsWith('.dat')),
  ...readdirSync(`${dir}wire`).map((name) => `wire/${name}`),
];

const { logger, lines } = recordingLogger();
const layer = new TransportLayer({
  listen: [
    { protocol: 'udp', host: '127.0.0.1', port: 0 },
    { protocol: 'tcp', host: '127.0.0.1', port: 0 },
  ],
  logger,
});
const inbox = new Inbox<InboundMessage>();
layer.onMessage((inbound) => inbox.push(inbound));
const port = (protocol: string): number => layer.listeners.find((listener) => listener.protocol === protocol)?.port ?? 0;

beforeAll(() => layer.start());
afterAll(() => layer.stop());

function branchOf(inbound: InboundMessage): string | null | undefined {
  try {
    return inbound.message.topVia?.params.get('branch');
  } catch {
    return undefined; // a malformed Via: not the sentinel
  }
}

function isRequest(data: Buffer): boolean {
  return !data.toString('latin1').trimStart().startsWith('SIP/');
}

describe('RFC 4475 / RFC 5118 torture messages over real sockets', () => {
  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    for (const file of files) expect(classes.has(file), `${file} in EXPECTED.tsv`).toBe(true);
  });

  it('over UDP: delivers every valid request, drops the rest with a log line, keeps serving', async () => {
    const client = await UdpPeer.bind();
    try {
      for (const [index, file] of files.entries()) {
        const data = readFileSync(`${dir}${file}`);
        const logged = lines.length;
        await client.send(data, port('udp'));
        const sentinel = `z9hG4bK-udp-sentinel-${index}`;
        await client.send(requestText({ via: `SIP/2.0/UDP 127.0.0.1;branch=${sentinel}`, callId: `s${index}` }), port('udp'));
        const got: InboundMessage[] = [];
        for (;;) {
          const inbound = await inbox.next(`the sentinel after ${file}`);
          if (branchOf(inbound) === sentinel) break;
          got.push(inbound);
        }
        const logLines = lines.slice(logged);
        if (classes.get(file) === 'valid' && isRequest(data)) {
          expect(got.length, `${file} delivered`).toBe(1);
        } else {
          expect(got.length + logLines.length, `${file} delivered or logged`).toBeGreaterThan(0);
        }
      }
    } finally {
      await client.close();
    }
  });

  it('over TCP: delivers valid requests, closes on framing errors (ncl, mcl01), keeps serving', async () => {
    const outcomes = new Map<string, { delivered: number; closed: boolean }>();
    for (const file of files) {
      const peer = await TcpPeer.connect(port('tcp'));
      await peer.write(readFileSync(`${dir}${file}`));
      const fromPeer = (): InboundMessage[] => inbox.items.filter((inbound) => inbound.flow.remote.port === peer.localPort);
      let closed = false;
      void peer.closed.then(() => (closed = true));
      // Either a message arrives, or the connection is closed, or the server waits for more bytes.
      await waitFor(() => closed || fromPeer().length > 0, `an outcome for ${file}`, 150).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 20));
      outcomes.set(file, { delivered: fromPeer().length, closed });
      inbox.items.length = 0;
      peer.destroy();
    }
    expect(outcomes.get('ncl.dat')).toEqual({ delivered: 0, closed: true });
    expect(outcomes.get('mcl01.dat')).toEqual({ delivered: 0, closed: true });
    // clerr.dat declares more body than it sends: over a stream the server waits for the rest.
    expect(outcomes.get('clerr.dat')).toEqual({ delivered: 0, closed: false });
    for (const file of ['wsinv.dat', 'longreq.dat', 'wire/ipv6-good.dat', 'wire/ipv4-mapped-ipv6.dat']) {
      expect(outcomes.get(file), file).toEqual({ delivered: 1, closed: false });
    }
    const probe = await TcpPeer.connect(port('tcp'));
    await probe.write(requestText({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-tcp-after', callId: 'after' }));
    expect((await inbox.next('a request after the torture')).message.topVia?.params.get('branch')).toBe('z9hG4bK-tcp-after');
    probe.destroy();
    await waitFor(() => layer.connectionCount === 0, 'every connection to close');
  });
});
