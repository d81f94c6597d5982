/**
 * Building the copy of a request for one target (RFC 3261 §16.6 steps 1–8): copy, Request-URI,
 * Max-Forwards, Record-Route, Path → Route, strict-router adaptation, next hop, Via.
 */
import { createParams, type SipRequest, type Via } from '../sip/index.js';
import type { Destination, Flow, TransportProtocol } from '../transport/types.js';
import type { LocalAddress, ProxyIdentity } from './local-identity.js';
import { destinationOfUri, NextHopError, resolveDestination, type HostResolver } from './next-hop.js';
import { addRecordRoute } from './record-route.js';
import { adaptToStrictRouter, nextHopUri, prependRoutes } from './route-processing.js';
import type { ProxyTarget } from './target.js';

export interface PreparedCopy {
  request: SipRequest;
  destination: Destination;
}

export interface PrepareContext {
  identity: ProxyIdentity;
  resolver: HostResolver;
  /** The flow the original request arrived on (for the inbound Record-Route value). */
  inbound: Flow;
  recordRoute: boolean;
  /** The branch for our Via. */
  branch: string;
}

/** §16.6 step 3: "If the copy contains a Max-Forwards header field, the proxy MUST decrement its
 *  value by one (1). If the copy does not contain a Max-Forwards header field, the proxy MUST add
 *  one with a field value, which SHOULD be 70." */
export function decrementMaxForwards(request: SipRequest): void {
  const value = request.maxForwards;
  request.setHeader('Max-Forwards', String(value === undefined ? 70 : Math.max(0, value - 1)));
}

/**
 * One forwarded copy of `original` for `target`. Throws NextHopError (with the status the branch
 * fails with) when there is no next hop or no local transport to reach it.
 */
export async function prepareCopy(original: SipRequest, target: ProxyTarget, context: PrepareContext): Promise<PreparedCopy> {
  // Step 1: "The proxy starts with a copy of the received request."
  let request = original.clone();
  // Step 2: "The Request-URI in the copy's start line MUST be replaced with the URI for this target."
  request.uri = target.uri;
  decrementMaxForwards(request);
  if (target.edit) request = target.edit(request);
  // Step 6: Path of the binding becomes Route (RFC 3327 §5.3), then a strict next hop is adapted to.
  const path = target.path ?? [];
  prependRoutes(request, path);
  adaptToStrictRouter(request);
  // Step 7: next hop — an explicit destination (NAT'ed contact) unless a Path must be followed.
  let destination: Destination;
  if (target.destination && path.length === 0) {
    destination = target.destination;
  } else {
    const hop = nextHopUri(request);
    if (!hop) throw new NextHopError('the next hop is not a SIP or SIPS URI', 416);
    destination = destinationOfUri(hop);
  }
  destination = await resolveDestination(destination, context.resolver);
  const outbound = localAddress(context.identity, destination.protocol, destination.address);
  // Step 4: Record-Route, doubled when the two sides differ.
  if (context.recordRoute) {
    const inbound = localAddress(context.identity, context.inbound.protocol, context.inbound.remote.address);
    addRecordRoute(request, { address: inbound, protocol: context.inbound.protocol }, { address: outbound, protocol: destination.protocol });
  }
  // Step 8: our Via, with a branch carrying the loop hash, and rport (RFC 3581 §3) so that the
  // next hop answers to the address and port we really sent from.
  request.pushVia(createVia(outbound, destination.protocol, context.branch));
  return { request, destination };
}

export function createVia(address: LocalAddress, protocol: TransportProtocol, branch: string): Via {
  return {
    protocol: 'SIP/2.0',
    transport: protocol.toUpperCase(),
    host: address.host,
    hostIsIPv6: address.hostIsIPv6,
    port: address.port,
    params: createParams([
      ['branch', branch],
      ['rport', null],
    ]),
  };
}

export function localAddress(identity: ProxyIdentity, protocol: TransportProtocol, towards: string): LocalAddress {
  const address = identity.addressFor(protocol, towards);
  if (!address) throw new NextHopError(`no ${protocol} listener to send from`, 503);
  return address;
}
