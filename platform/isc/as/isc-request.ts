/**
 * Recognising a request that an S-CSCF sends us over ISC (TS 24.229 §5.4.3.2 step 4 /
 * §5.4.3.3: "insert the AS URI ... followed by its own URI carrying the original dialog
 * identifier"; isc.md §5.5): the top Route names us — whatever user part and parameters the
 * provisioned ServerName carries — and the next Route is a trusted S-CSCF, whose URI (with its
 * ODI, in the user part or parameters: opaque to us) must come back untouched (§5.7.4).
 *
 * The trust check on the source address is the caller's (it needs the flow); this module only
 * reads Route values and keeps the ISC facts of a request for later readers.
 */
import type { NameAddr, SipRequest, SipUri } from '../../sip/index.js';
import type { IscSession } from './isc-session.js';
import type { TrustedScscfs } from './trusted-scscf.js';

export type IscRouteCheck =
  | { kind: 'isc'; own: SipUri; scscf: SipUri }
  /** Our Route is on top but the next one is missing or not a trusted S-CSCF. */
  | { kind: 'untrusted'; own: SipUri; reason: string }
  | { kind: 'not-for-us' };

/**
 * @param routes the request's Route values, top first
 * @param isOwn whether a URI names this server (listener address, served domain or `asUri`)
 */
export function checkIscRoutes(routes: readonly NameAddr[], isOwn: (uri: SipUri) => boolean, trusted: TrustedScscfs): IscRouteCheck {
  const top = routes[0]?.uri;
  if (top?.kind !== 'sip' || !isOwn(top)) return { kind: 'not-for-us' };
  const next = routes[1]?.uri;
  if (next === undefined) return { kind: 'untrusted', own: top, reason: 'no S-CSCF Route after ours' };
  if (next.kind !== 'sip') return { kind: 'untrusted', own: top, reason: 'the Route after ours is not a SIP URI' };
  if (isOwn(next)) return { kind: 'untrusted', own: top, reason: 'the Route after ours names us again' };
  if (!trusted.namesScscf(next)) return { kind: 'untrusted', own: top, reason: `the next Route ${next.host}${next.port ? `:${next.port}` : ''} is not a trusted S-CSCF` };
  return { kind: 'isc', own: top, scscf: next };
}

/** What the ISC stage learnt about a request it took (for engines or logs that want it). */
export interface IscFacts extends IscSession {
  /** The S-CSCF Route we send the request back through, as received. */
  scscfRoute: string;
}

const facts = new WeakMap<SipRequest, IscFacts>();

/** The ISC facts of a request the ISC stage took, or undefined. */
export function iscFactsOf(request: SipRequest): IscFacts | undefined {
  return facts.get(request);
}

export function setIscFacts(request: SipRequest, value: IscFacts): void {
  facts.set(request, value);
}
