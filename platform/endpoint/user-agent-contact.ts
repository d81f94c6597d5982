/**
 * Our Contact for requests and 2xx the UA core sends (RFC 3261 §8.1.1.8, §12.1.1): the address
 * the transport writes as Via sent-by for the same protocol and peer (advertised host, or the
 * interface toward the peer for wildcard binds), so in-dialog requests come back to a listener.
 */
import { createParams, formatNameAddr, parseUri } from '../sip/index.js';
import type { Destination, TransportProtocol } from '../transport/types.js';

/** The part of TransportLayer the Contact needs (structural: `viaSentBy` is public there). */
export interface SentBySource {
  viaSentBy(protocol: TransportProtocol, towards?: string): { host: string; hostIsIPv6: boolean; port: number } | undefined;
}

/** Builds the Contact value for requests toward `destination`. */
export type ContactFactory = (destination: Destination) => string;

export function contactFromTransport(transport: SentBySource, user = 'switchboard'): ContactFactory {
  return (destination) => {
    const sentBy = transport.viaSentBy(destination.protocol, destination.address) ?? transport.viaSentBy('udp', destination.address);
    if (!sentBy) throw new Error(`no listener for ${destination.protocol}: cannot build a Contact`);
    const host = sentBy.hostIsIPv6 ? `[${sentBy.host}]` : sentBy.host;
    const scheme = destination.protocol === 'tls' ? 'sips' : 'sip';
    const transportParam = destination.protocol === 'tcp' ? ';transport=tcp' : '';
    return formatNameAddr({ uri: parseUri(`${scheme}:${user}@${host}:${sentBy.port}${transportParam}`), params: createParams() });
  };
}
