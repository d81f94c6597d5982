/**
 * Where a forwarded request goes (RFC 3261 §16.6 step 7, a small part of RFC 3263): the
 * transport from the URI (`transport` parameter, `sips` → TLS, else UDP), the host from `maddr`
 * or the host part, the port as written or the scheme's default. IP literals are used as they
 * are and `localhost` is loopback; other names go through the system resolver (A/AAAA only,
 * no NAPTR/SRV).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri } from '../sip/index.js';
import type { Destination, TransportProtocol } from '../transport/types.js';
import { defaultSipPort } from './local-identity.js';

export type HostResolver = (host: string) => Promise<string>;

export class NextHopError extends Error {
  override readonly name = 'NextHopError';
  constructor(
    message: string,
    /** The status the branch fails with. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** The destination a SIP URI names, before name resolution (`address` may be a host name). */
export function destinationOfUri(uri: SipUri): Destination {
  const transportParam = uri.params.get('transport');
  const transport = typeof transportParam === 'string' ? transportParam.toLowerCase() : undefined;
  let protocol: TransportProtocol;
  if (uri.scheme === 'sips' || transport === 'tls') protocol = 'tls';
  else if (transport === undefined || transport === 'udp') protocol = 'udp';
  else if (transport === 'tcp') protocol = 'tcp';
  else throw new NextHopError(`transport ${transport} is not supported`, 503);
  const maddr = uri.params.get('maddr');
  const host = typeof maddr === 'string' && maddr.length > 0 ? maddr : uri.host;
  const destination: Destination = { protocol, address: host, port: uri.port ?? defaultSipPort(protocol === 'tls') };
  if (protocol === 'tls' && isIP(stripBrackets(host)) === 0) destination.serverName = host;
  return destination;
}

/** The system resolver with IP literals and `localhost` short-cut. */
export const resolveHost: HostResolver = async (host) => {
  const bare = stripBrackets(host);
  if (isIP(bare) !== 0) return bare;
  if (bare.toLowerCase() === 'localhost') return '127.0.0.1';
  try {
    return (await lookup(bare)).address;
  } catch (error) {
    throw new NextHopError(`cannot resolve ${bare}: ${(error as Error).message}`, 503);
  }
};

/** The destination with its host resolved to an IP literal. */
export async function resolveDestination(destination: Destination, resolver: HostResolver = resolveHost): Promise<Destination> {
  const address = await resolver(destination.address);
  return address === destination.address ? destination : { ...destination, address };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
