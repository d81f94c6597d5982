import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, parseMessage, SipResponse, type SipMessage, type SipRequest } from '../sip/index.js';
import { buildRequest, Inbox, recordingLogger, requestText, UdpPeer, waitFor, type LogLine } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportConfig } from './transport-config.js';
import { TransportError, type InboundMessage } from './types.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startLayer(config: Partial<TransportConfig> = {}): Promise<{ layer: TransportLayer; inbox: Inbox<InboundMessage> }> {
  const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], logger: silentLogger, ...config });
  const inbox = new Inbox<InboundMessage>();
  layer.onMessage((inbound) => inbox.push(inbound));
  await layer.start();
  cleanups.push(() => layer.stop());
  return { layer, inbox };
}

async function peer(host = '127.0.0.1'): Promise<UdpPeer> {
  const udp = await UdpPeer.bind(host);
  cleanups.push(() => udp.close());
  return udp;
}

function portOf(layer: TransportLayer, protocol: 'udp' | 'tcp' | 'tls', host?: string): number {
  const listener = layer.listeners.find((entry) => entry.protocol === protocol && (host === undefined || entry.address === host));
  if (!listener) throw new Error(`no ${protocol} listener`);
  return listener.port;
}

function parsed(data: Buffer): SipRequest | SipResponse {
  const { message } = parseMessage(data);
  if (!message) throw new Error(`peer received something unparseable: ${data.toString()}`);
  return message;
}

function statusOf(message: SipMessage): number | undefined {
  return message instanceof SipResponse ? message.status : undefined;
}

function warnings(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level >= 40);
}

describe('TransportLayer over UDP: receiving (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('binds port 0 and reports the real bound address in `listeners`', async () => {
    const { layer } = await startLayer();
    expect(layer.listeners).toEqual([{ protocol: 'udp', host: '127.0.0.1', address: '127.0.0.1', port: expect.any(Number) }]);
    expect(portOf(layer, 'udp')).toBeGreaterThan(0);
  });

  it('adds received and fills an empty rport with the source address and port', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    await client.send(requestText({ via: 'SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-rport1;rport' }), portOf(layer, 'udp'));
    const inbound = await inbox.next('the request');
    const via = inbound.message.topVia;
    expect(via?.params.get('received')).toBe('127.0.0.1');
    expect(via?.params.get('rport')).toBe(String(client.port));
    expect(inbound.message.getHeader('Via')).toBe(`SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-rport1;rport=${client.port};received=127.0.0.1`);
    expect(inbound.flow).toMatchObject({ protocol: 'udp', remote: { address: '127.0.0.1', port: client.port } });
    expect(inbound.flow.id).toBe(`udp:127.0.0.1:${portOf(layer, 'udp')}>127.0.0.1:${client.port}`);
    expect(inbound.errors).toEqual([]);
  });

  it('adds received when sent-by differs from the source, and nothing when it matches without rport', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    await client.send(requestText({ via: 'SIP/2.0/UDP client.example.com:5070;branch=z9hG4bK-name' }), portOf(layer, 'udp'));
    const named = await inbox.next('the request from a named host');
    expect(named.message.topVia?.params.get('received')).toBe('127.0.0.1');
    expect(named.message.topVia?.params.has('rport')).toBe(false);

    await client.send(requestText({ via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-same`, callId: 'same@x' }), portOf(layer, 'udp'));
    const same = await inbox.next('the request from a matching host');
    expect(same.message.topVia?.params.has('received')).toBe(false);
    expect(same.message.getHeader('Via')).toBe(`SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-same`);
  });

  it('delivers a request with parse errors together with the errors, so a 400 can name them', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const text = requestText({ via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-nocallid' }).replace('Call-ID: call-1@example.com\r\n', '');
    await client.send(text, portOf(layer, 'udp'));
    const inbound = await inbox.next('the faulty request');
    expect(inbound.errors.map((error) => error.code)).toContain('missing-call-id');
    expect(inbound.message.topVia?.params.get('received')).toBe('127.0.0.1');
  });

  it('drops a datagram that is no SIP message with a log line naming the peer, ignores CRLF keep-alives, and keeps serving', async () => {
    const { logger, lines } = recordingLogger();
    const { layer, inbox } = await startLayer({ logger });
    const client = await peer();
    await client.send('\r\n\r\n', portOf(layer, 'udp'));
    await client.send(Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), portOf(layer, 'udp'));
    await client.send('hello there\r\n\r\n', portOf(layer, 'udp'));
    await waitFor(() => warnings(lines).length >= 2 || undefined, 'two drop log lines');
    await client.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-after' }), portOf(layer, 'udp'));
    const inbound = await inbox.next('the request after the garbage');
    expect(inbound.message.kind).toBe('request');
    expect(inbox.items).toEqual([]);
    const drops = warnings(lines);
    expect(drops).toHaveLength(2);
    for (const line of drops) expect(line.msg).toContain(`127.0.0.1:${client.port}`);
  });

  it('drops a datagram over maxMessageSize with a log line naming size, limit and peer', async () => {
    const { logger, lines } = recordingLogger();
    const { layer, inbox } = await startLayer({ logger, maxMessageSize: 1500 });
    const client = await peer();
    const big = requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-big', body: 'x'.repeat(2000) });
    await client.send(big, portOf(layer, 'udp'));
    const line = await waitFor(() => warnings(lines)[0], 'the oversize log line');
    const size = Buffer.byteLength(big);
    expect(line).toMatchObject({ size, limit: 1500, peer: `127.0.0.1:${client.port}` });
    expect(line.msg).toContain(`${size} octets`);
    expect(line.msg).toContain('1500-octet limit');
    expect(line.msg).toContain(`127.0.0.1:${client.port}`);
    await client.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-small' }), portOf(layer, 'udp'));
    expect((await inbox.next('the small request')).message.topVia?.params.get('branch')).toBe('z9hG4bK-small');
  });

  it('survives a subscriber that throws or rejects, logging the peer', async () => {
    const { logger, lines } = recordingLogger();
    const layer = new TransportLayer({ listen: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }], logger });
    let calls = 0;
    layer.onMessage(() => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return Promise.reject(new Error('async boom')) as unknown as void;
    });
    await layer.start();
    cleanups.push(() => layer.stop());
    const client = await peer();
    await client.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-t1' }), portOf(layer, 'udp'));
    await client.send(requestText({ via: 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-t2' }), portOf(layer, 'udp'));
    const errors = await waitFor(() => {
      const found = lines.filter((line) => line.level >= 50);
      return found.length >= 2 && found;
    }, 'two error log lines');
    expect(calls).toBe(2);
    for (const line of errors) expect(line.peer).toBe(`127.0.0.1:${client.port}`);
  });

  it('accepts exactly one subscriber', async () => {
    const { layer } = await startLayer();
    expect(() => layer.onMessage(() => undefined)).toThrow(/already registered/);
  });
});

describe('TransportLayer over UDP: sending responses (§18.2.2, RFC 3581 §4)', () => {
  async function receiveRequest(via: string, layer: TransportLayer, inbox: Inbox<InboundMessage>, client: UdpPeer): Promise<InboundMessage> {
    await client.send(requestText({ via }), portOf(layer, 'udp'));
    return inbox.next('the request');
  }

  it('sends to received:rport, not to the sent-by the client wrote', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const inbound = await receiveRequest('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-r1;rport', layer, inbox, client);
    const flow = await layer.sendResponse(createResponse(inbound.message as SipRequest, 200));
    const got = await client.inbox.next('the response');
    const response = parsed(got.data);
    expect(statusOf(response)).toBe(200);
    expect(response.topVia?.params.get('rport')).toBe(String(client.port));
    // RFC 3581 §4: from the address and port the request was received on.
    expect(got.port).toBe(portOf(layer, 'udp'));
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: client.port });
  });

  it('sends to received and the sent-by port when there is no rport', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const inbound = await receiveRequest(`SIP/2.0/UDP 192.0.2.1:${client.port};branch=z9hG4bK-r2`, layer, inbox, client);
    expect(inbound.message.topVia?.params.get('received')).toBe('127.0.0.1');
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 486), inbound.flow);
    const response = parsed((await client.inbox.next('the response')).data);
    expect(statusOf(response)).toBe(486);
  });

  it('sends to maddr when present, with the sent-by port', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const inbound = await receiveRequest(
      `SIP/2.0/UDP unreachable.invalid:${client.port};branch=z9hG4bK-m1;maddr=127.0.0.1`,
      layer,
      inbox,
      client,
    );
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200));
    expect(parsed((await client.inbox.next('the response')).data).kind).toBe('response');
  });

  it('sends to sent-by when nothing was stamped', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const inbound = await receiveRequest(`SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK-s1`, layer, inbox, client);
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 180));
    const response = parsed((await client.inbox.next('the response')).data);
    expect(statusOf(response)).toBe(180);
  });

  it('rejects with TransportError for a Via transport it does not serve, or no Via', async () => {
    const { layer, inbox } = await startLayer();
    const client = await peer();
    const inbound = await receiveRequest('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-x1', layer, inbox, client);
    const response = createResponse(inbound.message as SipRequest, 200);
    response.setHeader('Via', 'SIP/2.0/SCTP 127.0.0.1;branch=z9hG4bK-x1');
    await expect(layer.sendResponse(response)).rejects.toBeInstanceOf(TransportError);
    response.removeHeader('Via');
    await expect(layer.sendResponse(response)).rejects.toThrow(/no Via/);
  });
});

describe('TransportLayer over UDP: sending requests (§18.1.1, §18.1.2)', () => {
  const options = (via: string): SipRequest => buildRequest(via, 'out-1@example.com');

  it('fills a 0.0.0.0 sent-by with the listener address and port', async () => {
    const { layer } = await startLayer();
    const server = await peer();
    const request = options('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-out1');
    const flow = await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    const got = parsed((await server.inbox.next('the request')).data);
    expect(got.getHeader('Via')).toBe(`SIP/2.0/UDP 127.0.0.1:${portOf(layer, 'udp')};branch=z9hG4bK-out1`);
    expect(request.getHeader('Via')).toBe(got.getHeader('Via'));
    expect(flow).toMatchObject({ protocol: 'udp', remote: { address: '127.0.0.1', port: server.port } });
  });

  it('keeps a sent-by the upper layer wrote, and viaSentBy gives the listener', async () => {
    const { layer } = await startLayer();
    expect(layer.viaSentBy('udp')).toEqual({ host: '127.0.0.1', hostIsIPv6: false, port: portOf(layer, 'udp') });
    expect(layer.viaSentBy('tcp')).toBeUndefined();
    const server = await peer();
    await layer.sendRequest(options('SIP/2.0/UDP proxy.example.com:5080;branch=z9hG4bK-out2'), { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(parsed((await server.inbox.next('the request')).data).getHeader('Via')).toBe('SIP/2.0/UDP proxy.example.com:5080;branch=z9hG4bK-out2');
  });

  it('delivers responses whose top Via it wrote and discards others (§18.1.2)', async () => {
    const { logger, lines } = recordingLogger();
    const { layer, inbox } = await startLayer({ logger });
    const server = await peer();
    const request = options('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-out3');
    await layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    const received = parsed((await server.inbox.next('the request')).data) as SipRequest;
    const foreign = createResponse(received, 200);
    foreign.setHeader('Via', 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK-out3');
    await server.send(foreign.toBuffer(), portOf(layer, 'udp'));
    await waitFor(() => lines.some((line) => String(line.msg).includes('not ours')), 'the discard log line');
    await server.send(createResponse(received, 200).toBuffer(), portOf(layer, 'udp'));
    const inbound = await inbox.next('our response');
    expect(statusOf(inbound.message)).toBe(200);
    expect(inbox.items).toEqual([]);
    // After ours matched (and is remembered), a foreign sent-by is still discarded, ours still taken.
    const discards = (): number => lines.filter((line) => String(line.msg).includes('not ours')).length;
    const before = discards();
    await server.send(foreign.toBuffer(), portOf(layer, 'udp'));
    await waitFor(() => discards() > before, 'the second discard log line');
    const ours = createResponse(received, 180);
    await server.send(ours.toBuffer(), portOf(layer, 'udp'));
    expect(statusOf((await inbox.next('our 180')).message)).toBe(180);
    expect(inbox.items).toEqual([]);
  });

  it('resolves a host name destination, and rejects one that does not resolve', async () => {
    const { layer } = await startLayer();
    const server = await peer();
    const flow = await layer.sendRequest(options('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-name1'), { protocol: 'udp', address: 'localhost', port: server.port });
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: server.port });
    expect(parsed((await server.inbox.next('the request')).data).kind).toBe('request');
    await expect(
      layer.sendRequest(options('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-name2'), { protocol: 'udp', address: 'no-such-host.invalid', port: 5060 }),
    ).rejects.toThrow(/cannot resolve no-such-host\.invalid/);
  });

  it('rejects with TransportError when there is no listener for the protocol', async () => {
    const { layer } = await startLayer();
    const request = options('SIP/2.0/TCP 0.0.0.0;branch=z9hG4bK-out4');
    await expect(layer.sendRequest(request, { protocol: 'tcp', address: '127.0.0.1', port: 9 })).rejects.toBeInstanceOf(TransportError);
  });
});

describe('TransportLayer over UDP on IPv6 (RFC 5118)', () => {
  it('round-trips a request and its response on [::1]', async () => {
    const { layer, inbox } = await startLayer({ listen: [{ protocol: 'udp', host: '::1', port: 0 }] });
    expect(layer.listeners[0]?.address).toBe('::1');
    const client = await peer('::1');
    await client.send(requestText({ via: `SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK-v6;rport`, uri: 'sip:service@[::1]' }), portOf(layer, 'udp'), '::1');
    const inbound = await inbox.next('the IPv6 request');
    expect(inbound.message.topVia?.params.get('received')).toBe('::1');
    expect(inbound.message.topVia?.params.get('rport')).toBe(String(client.port));
    expect(inbound.flow.id).toBe(`udp:[::1]:${portOf(layer, 'udp')}>[::1]:${client.port}`);
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    const got = await client.inbox.next('the IPv6 response');
    const response = parsed(got.data);
    expect(statusOf(response)).toBe(200);
    expect(got.address).toBe('::1');
    expect(layer.viaSentBy('udp')).toEqual({ host: '::1', hostIsIPv6: true, port: portOf(layer, 'udp') });
  });

  it('keeps IPv4 and IPv6 listeners apart: each peer is answered from its own family', async () => {
    const { layer, inbox } = await startLayer({
      listen: [
        { protocol: 'udp', host: '127.0.0.1', port: 0 },
        { protocol: 'udp', host: '::1', port: 0 },
      ],
    });
    const v6 = await peer('::1');
    await v6.send(requestText({ via: 'SIP/2.0/UDP [::1]:1;branch=z9hG4bK-fam;rport' }), portOf(layer, 'udp', '::1'), '::1');
    const inbound = await inbox.next('the request');
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200));
    const got = await v6.inbox.next('the response');
    expect(got.port).toBe(portOf(layer, 'udp', '::1'));
  });
});

describe('TransportLayer on wildcard addresses', () => {
  it('writes the advertised host, or a loopback address towards a loopback peer, in Via', async () => {
    const { layer } = await startLayer({ listen: [{ protocol: 'udp', host: '0.0.0.0', port: 0, advertisedHost: 'sip.example.com' }] });
    expect(layer.viaSentBy('udp')).toEqual({ host: 'sip.example.com', hostIsIPv6: false, port: portOf(layer, 'udp') });
    const plain = await startLayer({ listen: [{ protocol: 'udp', host: '0.0.0.0', port: 0 }] });
    const server = await peer();
    const request = buildRequest('SIP/2.0/UDP 0.0.0.0;branch=z9hG4bK-wild', 'wild@example.com');
    await plain.layer.sendRequest(request, { protocol: 'udp', address: '127.0.0.1', port: server.port });
    expect(request.getHeader('Via')).toBe(`SIP/2.0/UDP 127.0.0.1:${portOf(plain.layer, 'udp')};branch=z9hG4bK-wild`);
  });

  it('serves IPv4 peers on a dual-stack [::] socket with plain IPv4 addresses', async () => {
    const { layer, inbox } = await startLayer({ listen: [{ protocol: 'udp', host: '::', port: 0 }] });
    const client = await peer('127.0.0.1');
    await client.send(requestText({ via: 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-dual;rport' }), portOf(layer, 'udp'));
    const inbound = await inbox.next('the request');
    expect(inbound.flow.remote).toEqual({ address: '127.0.0.1', port: client.port });
    expect(inbound.message.topVia?.params.get('received')).toBe('127.0.0.1');
    await layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    expect(statusOf(parsed((await client.inbox.next('the response')).data))).toBe(200);
  });
});

describe('TransportLayer lifecycle', () => {
  it('fails start with the listener named when a port is taken, and releases what it bound', async () => {
    const { layer } = await startLayer();
    const taken = portOf(layer, 'udp');
    const second = new TransportLayer({
      listen: [
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
        { protocol: 'udp', host: '127.0.0.1', port: taken },
      ],
      logger: silentLogger,
    });
    await expect(second.start()).rejects.toThrow(`cannot listen on udp 127.0.0.1:${taken}`);
    expect(second.listeners).toEqual([]);
  });

  it('refuses a config without listeners or with a TLS listener lacking a certificate', () => {
    expect(() => new TransportLayer({ listen: [], logger: silentLogger })).toThrow(/at least one/);
    expect(() => new TransportLayer({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: 0 }], logger: silentLogger })).toThrow(/tls.cert/);
  });
});
