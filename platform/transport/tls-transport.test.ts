import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, SipResponse, type SipRequest } from '../sip/index.js';
import { buildRequest, Inbox } from './test-helpers.js';
import { TransportLayer } from './transport-layer.js';
import type { TlsListenConfig } from './transport-config.js';
import { TransportError, type InboundMessage } from './types.js';

let dir: string;
let cert: Buffer;
let keyPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-tls-'));
  keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    '/usr/bin/openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  cert = readFileSync(certPath);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startLayer(tls: Partial<TlsListenConfig> = {}): Promise<{ layer: TransportLayer; inbox: Inbox<InboundMessage>; port: number }> {
  // The key by path, the certificate inline: both forms of PemSource.
  const layer = new TransportLayer({ listen: [{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { cert, key: keyPath, ca: cert, ...tls } }], logger: silentLogger });
  const inbox = new Inbox<InboundMessage>();
  layer.onMessage((inbound) => inbox.push(inbound));
  await layer.start();
  cleanups.push(() => layer.stop());
  return { layer, inbox, port: layer.listeners[0]?.port ?? 0 };
}

describe('TLS transport (RFC 3261 §18, §26.2)', () => {
  it('round-trips a request and its response between two layers, verifying the certificate by name', async () => {
    const server = await startLayer();
    const client = await startLayer();
    const request = buildRequest('SIP/2.0/TLS 0.0.0.0;branch=z9hG4bK-tls1', 'tls1@example.com');
    const flow = await client.layer.sendRequest(request, { protocol: 'tls', address: '127.0.0.1', port: server.port, serverName: 'localhost' });
    expect(flow.protocol).toBe('tls');
    const inbound = await server.inbox.next('the request over TLS');
    expect(inbound.flow.protocol).toBe('tls');
    expect(inbound.message.getHeader('Via')).toBe(`SIP/2.0/TLS 127.0.0.1:${client.port};branch=z9hG4bK-tls1`);
    expect(client.layer.isReliable(inbound.flow.protocol)).toBe(true);

    await server.layer.sendResponse(createResponse(inbound.message as SipRequest, 200), inbound.flow);
    const response = await client.inbox.next('the response over TLS');
    expect(response.message instanceof SipResponse && response.message.status).toBe(200);
    expect(response.flow.id).toBe(flow.id);
  });

  it('rejects with TransportError when the certificate does not match the server name', async () => {
    const server = await startLayer();
    const client = await startLayer();
    const request = buildRequest('SIP/2.0/TLS 0.0.0.0;branch=z9hG4bK-tls2', 'tls2@example.com');
    const sending = client.layer.sendRequest(request, { protocol: 'tls', address: '127.0.0.1', port: server.port, serverName: 'sip.example.com' });
    await expect(sending).rejects.toBeInstanceOf(TransportError);
    await expect(sending).rejects.toThrow(/sip\.example\.com/);
  });

  it('rejects with TransportError when the certificate is not trusted', async () => {
    const server = await startLayer();
    const client = await startLayer({ ca: [] });
    const request = buildRequest('SIP/2.0/TLS 0.0.0.0;branch=z9hG4bK-tls3', 'tls3@example.com');
    await expect(
      client.layer.sendRequest(request, { protocol: 'tls', address: '127.0.0.1', port: server.port, serverName: 'localhost' }),
    ).rejects.toThrow(/self[- ]signed/);
    expect(server.inbox.items).toEqual([]);
  });
});
