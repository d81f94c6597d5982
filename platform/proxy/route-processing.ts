/**
 * Route information of a proxied request: preprocessing on receipt (RFC 3261 §16.4) and
 * postprocessing of a forwarded copy (§16.6 step 6, RFC 3327 §5.3 Path).
 */
import { formatNameAddr, formatUri, type NameAddr, type SipRequest, type SipUri } from '../sip/index.js';
import { isLocalUri, type ProxyIdentity } from './local-identity.js';

export interface RoutePreprocessResult {
  /** The Request-URI was a Record-Route value of ours: a strict router sent it (§16.4). */
  strictRouteFixed: boolean;
  /** How many of our own Route values were removed from the top. */
  removedRoutes: number;
}

/**
 * §16.4:
 * - "If the Request-URI contains a value this proxy previously placed into a Record-Route header
 *   field ..., the proxy MUST replace the Request-URI in the request with the last value from the
 *   Route header field, and remove that value from the Route header field." Our Record-Route
 *   URIs have no user part, so a Request-URI naming us without one, arriving with Route values,
 *   is taken for such a value.
 * - "If the first value in the Route header field indicates this proxy, the proxy MUST remove
 *   that value from the request." Repeated, because with double Record-Route (§16.6 step 4,
 *   RFC 5658) the next value is ours too.
 * Throws SipParseException when a Route value does not parse.
 */
export function preprocessRoutes(request: SipRequest, identity: ProxyIdentity): RoutePreprocessResult {
  let routes = request.routes;
  let strictRouteFixed = false;
  const uri = request.uri;
  if (routes.length > 0 && uri.kind === 'sip' && uri.user === undefined && isLocalUri(identity, uri)) {
    const last = routes[routes.length - 1] as NameAddr;
    request.uri = last.uri;
    routes = routes.slice(0, -1);
    strictRouteFixed = true;
  }
  let removedRoutes = 0;
  while (routes.length > 0) {
    const top = (routes[0] as NameAddr).uri;
    if (top.kind !== 'sip' || !isLocalUri(identity, top)) break;
    routes = routes.slice(1);
    removedRoutes++;
  }
  if (strictRouteFixed || removedRoutes > 0) writeRoutes(request, routes.map(formatNameAddr));
  return { strictRouteFixed, removedRoutes };
}

/** RFC 3327 §5.3 / §16.6 step 6: the Path of the target's binding goes in front of the Route
 *  values the request already has, in the order it was registered. */
export function prependRoutes(request: SipRequest, values: readonly string[]): void {
  if (values.length === 0) return;
  writeRoutes(request, [...values, ...request.getHeaders('Route')]);
}

/**
 * §16.6 step 6: "If the copy contains a Route header field, the proxy MUST inspect the URI in its
 * first value. If that URI does not contain an lr parameter, the proxy MUST modify the copy":
 * the Request-URI becomes the last Route value and the first Route value becomes the
 * Request-URI (the next hop is a strict router, §16.12.1.2). Returns whether it did so.
 */
export function adaptToStrictRouter(request: SipRequest): boolean {
  const routes = request.routes;
  const first = routes[0];
  if (!first || first.uri.kind !== 'sip' || first.uri.params.has('lr')) return false;
  const values = request.getHeaders('Route').slice(1);
  values.push(`<${formatUri(request.uri)}>`);
  request.uri = first.uri;
  writeRoutes(request, values);
  return true;
}

/** The URI the request goes to next (§16.6 step 7): the first Route if any, else the
 *  Request-URI. Undefined when that URI is not a SIP/SIPS URI. */
export function nextHopUri(request: SipRequest): SipUri | undefined {
  const first = request.routes[0];
  const uri = first ? first.uri : request.uri;
  return uri.kind === 'sip' ? uri : undefined;
}

/** Replace every Route field by `values` (one field, at the position of the first). */
export function writeRoutes(request: SipRequest, values: readonly string[]): void {
  if (values.length === 0) {
    request.removeHeader('Route');
    return;
  }
  request.setHeader('Route', values.join(', '));
}
