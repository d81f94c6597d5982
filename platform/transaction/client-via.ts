/**
 * The Via a client transaction needs (RFC 3261 §8.1.1.7, §17.1.3): pushed on top of the request
 * with a fresh branch that starts with the magic cookie. The sent-by is written as `0.0.0.0`,
 * which the transport replaces with the address and port of the listener it sends from
 * (§18.1.1; MessageSender.sendRequest fills an empty sent-by); an upper layer that knows its
 * sent-by (a proxy's public name) passes it instead.
 */
import { createParams, generateBranch, type SipRequest } from '../sip/index.js';
import type { TransportProtocol } from '../transport/types.js';

export interface ClientViaOptions {
  /** Host (and port) to write as sent-by; default `0.0.0.0`, filled in by the transport. */
  sentBy?: { host: string; port?: number; hostIsIPv6?: boolean };
  /** Ask for the response to come back to the source port (RFC 3581 §3). Default true. */
  rport?: boolean;
}

/** Pushes a new top Via and returns its branch. */
export function pushClientVia(request: SipRequest, protocol: TransportProtocol, options: ClientViaOptions = {}): string {
  const branch = generateBranch();
  const params = createParams([['branch', branch]]);
  if (options.rport ?? true) params.set('rport', null);
  const sentBy = options.sentBy ?? { host: '0.0.0.0' };
  request.pushVia({
    protocol: 'SIP/2.0',
    transport: protocol.toUpperCase(),
    host: sentBy.host,
    hostIsIPv6: sentBy.hostIsIPv6 ?? false,
    ...(sentBy.port !== undefined ? { port: sentBy.port } : {}),
    params,
  });
  return branch;
}
