/**
 * Where a response goes when it cannot simply reuse the connection its request came on
 * (RFC 3261 §18.2.2, RFC 3581 §4). Pure: reads the top Via, returns host, port and protocol.
 */
import type { Via } from '../sip/types.js';
import { TransportError, type TransportProtocol } from './types.js';

export interface ResponseRoute {
  protocol: TransportProtocol;
  /** An IP literal or a host name still to be resolved. */
  host: string;
  port: number;
  /** For reliable transports: the connection the request probably came on (`received`:`rport`),
   *  worth trying before opening a new one. */
  existing?: { address: string; port: number };
}

/** RFC 3261 §19.1.2: 5060 for UDP and TCP, 5061 for TLS. */
export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' ? 5061 : 5060;
}

export function viaProtocol(via: Via): TransportProtocol {
  const transport = via.transport.toLowerCase();
  if (transport === 'udp' || transport === 'tcp' || transport === 'tls') return transport;
  throw new TransportError(`cannot send a response over ${via.transport}: only UDP, TCP and TLS are supported`);
}

function numericParam(via: Via, name: string): number | undefined {
  const value = via.params.get(name);
  if (!value || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port > 0 && port <= 65535 ? port : undefined;
}

export function routeResponse(via: Via): ResponseRoute {
  const protocol = viaProtocol(via);
  const received = via.params.get('received') || undefined;
  const rport = numericParam(via, 'rport');
  const sentByPort = via.port ?? defaultPort(protocol);
  if (protocol !== 'udp') {
    // §18.2.2: reliable transport, connection gone: "the IP address in the received parameter,
    // if present, using the port in the sent-by value".
    const route: ResponseRoute = { protocol, host: received ?? via.host, port: sentByPort };
    if (received && rport !== undefined) route.existing = { address: received, port: rport };
    return route;
  }
  const maddr = via.params.get('maddr');
  // §18.2.2: maddr wins over received; the port comes from sent-by (default 5060).
  if (maddr) return { protocol, host: maddr, port: sentByPort };
  // RFC 3581 §4: received + rport value; §18.2.2: received + sent-by port.
  if (received) return { protocol, host: received, port: rport ?? sentByPort };
  return { protocol, host: via.host, port: rport ?? sentByPort };
}
