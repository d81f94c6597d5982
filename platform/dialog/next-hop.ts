/**
 * Where a request a UA sends goes first (RFC 3261 §8.1.2, §12.2.1.1): the first Route when
 * there is one (loose routing), else the Request-URI; for a strict-routing dialog the
 * Request-URI already holds the first route. RFC 3263 is out of scope here: the host must be an
 * IP literal or `localhost`; a host name is a `NextHopError` the caller reports (as a 503, the
 * way §8.1.3.1 treats transport failures).
 */
import { isIPv4, isIPv6, type SipRequest, type Uri } from '../sip/index.js';
import type { Destination, TransportProtocol } from '../transport/types.js';

export class NextHopError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NextHopError';
  }
}

/** The destination of the request's first hop. */
export function nextHopOf(request: SipRequest): Destination {
  const route = request.routes[0];
  return destinationOf(route ? route.uri : request.uri);
}

/** A SIP URI as a transport destination: `transport` param, sips → TLS, `maddr` honoured,
 *  default port 5060 (5061 for TLS) (§19.1.1, RFC 3263 §4 without DNS). */
export function destinationOf(uri: Uri): Destination {
  if (uri.kind !== 'sip') throw new NextHopError(`cannot send to a ${uri.scheme}: URI`);
  const param = uri.params.get('transport');
  const named = typeof param === 'string' ? param.toLowerCase() : undefined;
  let protocol: TransportProtocol;
  if (uri.scheme === 'sips' || named === 'tls') protocol = 'tls';
  else if (named === 'tcp') protocol = 'tcp';
  else if (named === undefined || named === 'udp') protocol = 'udp';
  else throw new NextHopError(`unsupported transport ${named}`);
  const maddr = uri.params.get('maddr');
  const host = typeof maddr === 'string' && maddr !== '' ? maddr : uri.host;
  const address = resolveLiteral(host);
  return { protocol, address, port: uri.port ?? (protocol === 'tls' ? 5061 : 5060) };
}

function resolveLiteral(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(bare) || isIPv6(bare, false)) return bare;
  if (bare.toLowerCase() === 'localhost') return '127.0.0.1';
  throw new NextHopError(`cannot resolve ${host}: only IP literals and localhost are supported (no RFC 3263)`);
}
