/**
 * The AS side of third-party registration (24.229 §5.7.1.1) over real UDP: a raw socket plays
 * the S-CSCF. Its third-party REGISTER gets 200 with the same Expires (no challenge), and later
 * ISC requests whose P-Served-User carries no regstate see the state it reported.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { iscFactsOf } from '../isc/as/index.js';
import type { ServiceEngine } from '../services/service-engine.js';
import { parseMessage, SipResponse } from '../sip/index.js';

describe('ISC stage: third-party REGISTER from a trusted S-CSCF', () => {
  let server: ProxyServer;
  let socket: Socket;
  let port: number;
  const seen: Array<boolean | undefined> = [];
  const responses: SipResponse[] = [];
  let n = 0;

  const engine: ServiceEngine = {
    name: 'recorder',
    decide: (call) => {
      seen.push(iscFactsOf(call.request)?.registered);
      return { kind: 'continue' };
    },
  };

  beforeAll(async () => {
    port = await freePort();
    server = await startProxyServer({ domains: ['as.test'], engines: [engine], isc: { trustedScscf: [`127.0.0.1:${port}`] } });
    socket = createSocket('udp4');
    socket.on('message', (data) => {
      const { message } = parseMessage(data);
      if (message instanceof SipResponse) responses.push(message);
    });
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await server.stop();
  });

  async function send(lines: string[], body = ''): Promise<SipResponse> {
    const before = responses.length;
    const text = [...lines, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-3p-${++n}`, `Call-ID: 3p-${n}`, 'Max-Forwards: 70', `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    socket.send(text, server.port, '127.0.0.1');
    for (let i = 0; i < 100; i++) {
      const final = responses.slice(before).find((r) => r.status >= 200);
      if (final) return final;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no final response');
  }

  const thirdParty = (expires: number): string[] => [
    `REGISTER sip:127.0.0.1:${server.port} SIP/2.0`,
    `From: <sip:127.0.0.1:${port}>;tag=s${n}`,
    'To: <sip:alice@ims.test>',
    'CSeq: 1 REGISTER',
    `Contact: <sip:127.0.0.1:${port}>`,
    `Expires: ${expires}`,
  ];
  const iscInvite = (): string[] => [
    'INVITE sip:alice@ims.test SIP/2.0',
    `Route: <sip:127.0.0.1:${server.port};lr>, <sip:odi_x@127.0.0.1:${port};lr>`,
    'From: <sip:bob@ims.test>;tag=b',
    'To: <sip:alice@ims.test>',
    'CSeq: 1 INVITE',
    'P-Served-User: <sip:alice@ims.test>;sescase=term',
    'Contact: <sip:bob@127.0.0.1:5999>',
  ];

  it('answers 200 with the Expires it carried; a later ISC request sees the user registered', async () => {
    const ok = await send(thirdParty(1200), '<?xml version="1.0"?><ims-3gpp version="1"><service-info>x</service-info></ims-3gpp>');
    expect(ok.status).toBe(200);
    expect(ok.getHeader('Expires')).toBe('1200');
    expect(ok.hasHeader('WWW-Authenticate')).toBe(false);
    seen.length = 0;
    void send(iscInvite()).catch(() => undefined);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([true]);
  });

  it('Expires 0: 200 with Expires 0, and the user is unregistered for ISC requests', async () => {
    const ok = await send(thirdParty(0));
    expect(ok.status).toBe(200);
    expect(ok.getHeader('Expires')).toBe('0');
    seen.length = 0;
    void send(iscInvite()).catch(() => undefined);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([false]);
  });

  it('a REGISTER naming the user in From is no third-party REGISTER: the registrar side answers it', async () => {
    const response = await send([`REGISTER sip:127.0.0.1:${server.port} SIP/2.0`, 'From: <sip:alice@ims.test>;tag=u', 'To: <sip:alice@ims.test>', 'CSeq: 1 REGISTER', 'Contact: <sip:alice@127.0.0.1:5999>', 'Expires: 60']);
    expect(response.status).not.toBe(200);
  });
});
