/** Helpers for the proxy's unit tests: a fixed identity and messages parsed from text. */
import { parseMessage, SipRequest, SipResponse } from '../sip/index.js';
import type { TransportProtocol } from '../transport/types.js';
import { ListenerIdentity, type ListenerInfo, type LocalAddress } from './local-identity.js';

export const PROXY_HOST = '192.0.2.1';
export const PROXY_PORT = 5060;

/** This proxy: UDP and TCP on 192.0.2.1:5060, TLS on 5061, also known as proxy.example.com. */
export function testIdentity(aliases: string[] = ['proxy.example.com']): ListenerIdentity {
  const listeners: ListenerInfo[] = [
    { protocol: 'udp', address: PROXY_HOST, port: PROXY_PORT },
    { protocol: 'tcp', address: PROXY_HOST, port: PROXY_PORT },
    { protocol: 'tls', address: PROXY_HOST, port: 5061 },
  ];
  return new ListenerIdentity(
    {
      listeners,
      viaSentBy: (protocol: TransportProtocol): LocalAddress | undefined => {
        const listener = listeners.find((entry) => entry.protocol === protocol);
        return listener ? { host: listener.address, hostIsIPv6: false, port: listener.port } : undefined;
      },
    },
    aliases,
  );
}

export function request(lines: string[], body = ''): SipRequest {
  const { message, errors } = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  if (!(message instanceof SipRequest) || errors.length > 0) throw new Error(`bad test request: ${JSON.stringify(errors)}`);
  return message;
}

export function response(lines: string[]): SipResponse {
  const { message, errors } = parseMessage(Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`));
  if (!(message instanceof SipResponse) || errors.length > 0) throw new Error(`bad test response: ${JSON.stringify(errors)}`);
  return message;
}

/** An INVITE from alice's phone to bob, as a proxy receives it. */
export function invite(extra: string[] = [], uri = 'sip:bob@example.com', via = 'SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1'): SipRequest {
  return request([
    `INVITE ${uri} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: call-1@198.51.100.7',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@198.51.100.7:5070>',
    ...extra,
  ]);
}
