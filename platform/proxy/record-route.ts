/**
 * Record-Route (RFC 3261 §16.6 step 4): "The URI placed in the Record-Route header field value
 * MUST be a SIP or SIPS URI ... MUST contain an lr parameter". The URI names the interface and
 * transport the dialog's later requests should reach us on. When a request arrives on one
 * transport or interface and leaves on another, one URI cannot serve both sides, so two are
 * inserted (double Record-Route, RFC 5658 §4): the inbound one first, the outbound one on top,
 * so the callee's route set starts with our outbound side and the caller's with our inbound side.
 */
import type { SipRequest } from '../sip/index.js';
import type { TransportProtocol } from '../transport/types.js';
import type { LocalAddress } from './local-identity.js';

/** `<sip:192.0.2.1:5060;transport=tcp;lr>`; UDP leaves `transport` out (the default). */
export function recordRouteValue(address: LocalAddress, protocol: TransportProtocol): string {
  const host = address.hostIsIPv6 ? `[${address.host}]` : address.host;
  const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
  return `<sip:${host}:${address.port}${transport};lr>`;
}

/**
 * Adds our Record-Route value(s) to a forwarded copy. Returns the values added, top first.
 * @param inbound  our address and transport on the side the request came in
 * @param outbound our address and transport on the side it leaves
 */
export function addRecordRoute(
  request: SipRequest,
  inbound: { address: LocalAddress; protocol: TransportProtocol },
  outbound: { address: LocalAddress; protocol: TransportProtocol },
): string[] {
  const inValue = recordRouteValue(inbound.address, inbound.protocol);
  const outValue = recordRouteValue(outbound.address, outbound.protocol);
  if (inValue === outValue) {
    request.addHeader('Record-Route', inValue, 'first');
    return [inValue];
  }
  request.addHeader('Record-Route', inValue, 'first');
  request.addHeader('Record-Route', outValue, 'first');
  return [outValue, inValue];
}
