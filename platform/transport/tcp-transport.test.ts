import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, type SipRequest } from '../sip/index.js';
import { buildRequest, delay, Inbox, recordingLogger, requestText, TcpPeer, waitFor, type LogLine } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportConfig } from './transport-config.js';
import type { InboundMessage } from './types.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startLayer(config: Partial<TransportConfig> = {}): Promise<{ layer: TransportLayer; inbox: Inbox<InboundMessage>; port: number }> {
  const layer = new TransportLayer({ listen: [{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], logger: silentLogger, ...config });
  const inbox = new Inbox<InboundMessage>();
  layer.onMessage((inbound) => inbox.push(inbound));
  await layer.start();
  cleanups.push(() => layer.stop());
  const port = layer.listeners.find((listener) => listener.protocol === 'tcp')?.port ?? 0;
  return { layer, inbox, port };
}

async function client(port: number): Promise<TcpPeer> {
  const peer = await TcpPeer.connect(port);
  cleanups.push(() => peer.destroy());
  return peer;
}

function request(branch: string, extra: Partial<Parameters<typeof requestText>[0]> = {}): string {
  return requestText({ via: `SIP/2.0/TCP 192.0.2.7:5070;branch=${branch};rport`, callId: `${branch}@example.com`, ...extra });
}

function warnings(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 40);
}

describe('TCP framing (RFC 3261 §18.3)', () => {
  it('reassembles a message split across chunks, stamping received/rport from the connection', async () => {
    const { inbox, port } = await startLayer();
    const peer = await client(port);
    const text = request('z9hG4bK-split', { body: 'v=0\r\n', extra: ['Content-Type: application/sdp'] });
    const bytes = Buffer.from(text);
    // Four pieces with pauses between them, so that they arrive as separate reads.
    await peer.write(bytes.subarray(0, 17));
    await delay(20);
    await peer.write(bytes.subarray(17, 90));
    await delay(20);
    await peer.write(bytes.subarray(90, bytes.length - 3));
    await delay(20);
    expect(inbox.items).toEqual([]);
    await peer.write(bytes.subarray(bytes.length - 3));
    const inbound = await inbox.next('the reassembled request');
    expect(inbound.message.body.toString()).toBe('v=0\r\n');
    expect(inbound.message.topVia?.params.get('received')).toBe('127.0.0.1');
    expect(inbound.message.topVia?.params.get('rport')).toBe(String(peer.localPort));
    expect(inbound.flow).toMatchObject({ protocol: 'tcp', remote: { address: '127.0.0.1', port: peer.localPort } });
  });

  it('splits two messages that arrive in one chunk, in order', async () => {
    const { inbox, port } = await startLayer();
    const peer = await client(port);
    await peer.write(request('z9hG4bK-one', { body: 'first' }) + request('z9hG4bK-two'));
    const first = await inbox.next('the first request');
    const second = await inbox.next('the second request');
    expect(first.message.topVia?.params.get('branch')).toBe('z9hG4bK-one');
    expect(first.message.body.toString()).toBe('first');
    expect(second.message.topVia?.params.get('branch')).toBe('z9hG4bK-two');
    expect(second.flow.id).toBe(first.flow.id);
  });

  it('answers a double-CRLF ping with a single-CRLF pong (RFC 5626 §3.5.1)', async () => {
    const { port } = await startLayer();
    const peer = await client(port);
    await peer.write('\r\n\r\n');
    await waitFor(() => peer.received.length > 0, 'the pong');
    await delay(50);
    expect(peer.text).toBe('\r\n');
  });

  it('closes the connection on a negative Content-Length, logs it, and keeps serving others (RFC 4475 §3.1.2.3)', async () => {
    const { logger, lines } = recordingLogger();
    const { inbox, port } = await startLayer({ logger });
    const bad = await client(port);
    await bad.write(request('z9hG4bK-ncl', { contentLength: '-999', body: 'x'.repeat(10) }));
    await bad.closed;
    const line = await waitFor(() => warnings(lines)[0], 'the framing log line');
    expect(line.peer).toBe(`127.0.0.1:${bad.localPort}`);
    expect(line.msg).toContain('closing the tcp connection');
    const good = await client(port);
    await good.write(request('z9hG4bK-after'));
    expect((await inbox.next('the next request')).message.topVia?.params.get('branch')).toBe('z9hG4bK-after');
    expect(inbox.items).toEqual([]);
  });

  it('closes the connection on conflicting Content-Length values (RFC 4475 §3.3.9 mcl01)', async () => {
    const { inbox, port } = await startLayer();
    const bad = await client(port);
    await bad.write(request('z9hG4bK-mcl', { extra: ['Content-Length: 5'], body: 'hello world' }));
    await bad.closed;
    expect(inbox.items).toEqual([]);
  });

  it('closes a connection whose message exceeds maxMessageSize, naming size, limit and peer', async () => {
    const { logger, lines } = recordingLogger();
    const { inbox, port } = await startLayer({ logger, maxMessageSize: 2000 });
    const peer = await client(port);
    await peer.write(request('z9hG4bK-huge', { body: 'y'.repeat(5000) }));
    await peer.closed;
    const line = await waitFor(() => warnings(lines)[0], 'the size log line');
    expect(line).toMatchObject({ limit: 2000, peer: `127.0.0.1:${peer.localPort}`, protocol: 'tcp' });
    expect(line.size).toEqual(expect.any(Number));
    expect(line.msg).toMatch(/^message from 127\.0\.0\.1:\d+ exceeds the 2000-octet limit \(\d+ octets received/);
    expect(inbox.items).toEqual([]);
  });
});

describe('TCP on IPv6 (RFC 5118)', () => {
  it('round-trips a request and its response on [::1]', async () => {
    const { layer, inbox, port } = await startLayer({ listen: [{ protocol: 'tcp', host: '::1', port: 0 }] });
    const peer = await TcpPeer.connect(port, '::1');
    cleanups.push(() => peer.destroy());
    await peer.write(requestText({ via: 'SIP/2.0/TCP [2001:db8::7]:5070;branch=z9hG4bK-v6tcp;rport', uri: 'sip:service@[::1]' }));
    const inbound = await inbox.next('the request');
    expect(inbound.flow.id).toBe(`tcp:[::1]:${port}>[::1]:${peer.localPort}`);
    expect(inbound.message.topVia?.params.get('received')).toBe('::1');
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    await peer.waitForText('SIP/2.0 200');
  });
});

describe('TCP connections: reuse, idle timeout, limits (§18.1.1, §18.2.2)', () => {
  it('sends the response over the connection the request came on', async () => {
    const { layer, inbox, port } = await startLayer();
    const peer = await client(port);
    await peer.write(request('z9hG4bK-reuse'));
    const inbound = await inbox.next('the request');
    const flow = await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    expect(flow.id).toBe(inbound.flow.id);
    await peer.waitForText('SIP/2.0 200', 'the response on the same connection');
    // Without the flow, received:rport still finds the open connection.
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 202));
    await peer.waitForText('SIP/2.0 202', 'the second response on the same connection');
    expect(layer.connectionCount).toBe(1);
  });

  it('opens a new connection to received and the sent-by port when the original one is gone', async () => {
    const { layer, inbox, port } = await startLayer();
    const accepted = new Inbox<TcpPeer>();
    const server = createServer((socket: Socket) => accepted.push(TcpPeer.wrap(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const serverPort = (server.address() as { port: number }).port;
    const peer = await client(port);
    await peer.write(requestText({ via: `SIP/2.0/TCP 192.0.2.7:${serverPort};branch=z9hG4bK-gone` }));
    const inbound = await inbox.next('the request');
    peer.destroy();
    await waitFor(() => layer.connectionCount === 0, 'the pool to drop the closed connection');
    const flow = await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: serverPort });
    const reopened = await accepted.next('the new connection');
    cleanups.push(() => reopened.destroy());
    await reopened.waitForText('SIP/2.0 200');
  });

  it('reuses one outbound connection for requests to the same destination, and gets responses back on it', async () => {
    const b = await startLayer();
    const a = await startLayer();
    const build = (n: number): SipRequest => buildRequest(`SIP/2.0/TCP 0.0.0.0;branch=z9hG4bK-reuse${n}`, `reuse-${n}@example.com`);
    const destination = { protocol: 'tcp' as const, address: '127.0.0.1', port: b.port };
    const first = await a.layer.sendRequest(build(1), destination);
    const second = await a.layer.sendRequest(build(2), destination);
    expect(second.id).toBe(first.id);
    const inbound1 = await b.inbox.next('request 1');
    const inbound2 = await b.inbox.next('request 2');
    expect(inbound2.flow.id).toBe(inbound1.flow.id);
    expect(inbound1.message.getHeader('Via')).toBe(`SIP/2.0/TCP 127.0.0.1:${a.port};branch=z9hG4bK-reuse1`);
    await b.layer.sendResponse(createResponse(inbound1.message as SipRequest, 200), inbound1.flow);
    const response = await a.inbox.next('the response');
    expect(response.flow.id).toBe(first.id);
    expect(a.layer.connectionCount).toBe(1);
    expect(b.layer.connectionCount).toBe(1);
  });

  it('closes a connection idle for idleTimeoutMs', async () => {
    const { logger, lines } = recordingLogger();
    const { layer, port } = await startLayer({ logger, idleTimeoutMs: 150 });
    const peer = await client(port);
    await waitFor(() => layer.connectionCount === 1, 'the accepted connection');
    const started = Date.now();
    await peer.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await waitFor(() => layer.connectionCount === 0, 'the pool to forget the idle connection');
    expect(lines.some((line) => String(line.msg).includes('idle for 150 ms'))).toBe(true);
  });

  it('refuses connections over maxConnections with a log line naming the limit and the peer', async () => {
    const { logger, lines } = recordingLogger();
    const { layer, inbox, port } = await startLayer({ logger, maxConnections: 1 });
    const first = await client(port);
    await waitFor(() => layer.connectionCount === 1, 'the first connection');
    const second = await client(port);
    await second.closed;
    const line = await waitFor(() => warnings(lines)[0], 'the refusal log line');
    expect(line).toMatchObject({ limit: 1, peer: `127.0.0.1:${second.localPort}` });
    expect(line.msg).toBe(`refusing tcp connection from 127.0.0.1:${second.localPort}: connection limit of 1 reached`);
    await first.write(request('z9hG4bK-still'));
    expect((await inbox.next('a request on the first connection')).flow.remote.port).toBe(first.localPort);
  });

  it('rejects an outbound connection over maxConnections with a TransportError', async () => {
    const b = await startLayer();
    const { layer, port } = await startLayer({ maxConnections: 1 });
    await client(port);
    await waitFor(() => layer.connectionCount === 1, 'the inbound connection');
    const outbound = buildRequest('SIP/2.0/TCP 0.0.0.0;branch=z9hG4bK-limit', 'limit@example.com');
    await expect(layer.sendRequest(outbound, { protocol: 'tcp', address: '127.0.0.1', port: b.port })).rejects.toThrow(
      /connection limit of 1 reached/,
    );
  });

  it('rejects with a TransportError when the connection is refused', async () => {
    const { layer } = await startLayer();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outbound = buildRequest('SIP/2.0/TCP 0.0.0.0;branch=z9hG4bK-refused', 'refused@example.com');
    await expect(layer.sendRequest(outbound, { protocol: 'tcp', address: '127.0.0.1', port: deadPort })).rejects.toMatchObject({
      name: 'TransportError',
      destination: { protocol: 'tcp', address: '127.0.0.1', port: deadPort },
    });
  });
});
