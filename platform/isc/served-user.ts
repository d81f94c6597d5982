/**
 * Which ServiceProfile applies to a request: the one listing the served user's public identity
 * (isc.md §3.1). The served user is found as an S-CSCF finds it (24.229 §5.4.3.2/§5.4.3.3,
 * RFC 5502): P-Served-User when present; else originating → P-Asserted-Identity (each value),
 * then From; terminating → the Request-URI. Identities compare as URIs: SIP/SIPS by user, host
 * (case-insensitive) and port, without parameters; tel by the digits of the number.
 */
import { decodeUser, parseNameAddr, parseUri, type SipRequest, type Uri } from '../sip/index.js';
import { type ImsSubscription, SessionCase, type ServiceProfile } from './ifc-model.js';

export interface ServedUserMatch {
  profile: ServiceProfile;
  /** 0-based index among the subscription's service profiles. */
  index: number;
  /** The identity that matched, or undefined when the only profile was taken without a match. */
  identity?: string;
  /** Where the served user came from: `P-Served-User`, `P-Asserted-Identity`, `From`, `Request-URI`, `--served-user`. */
  source?: string;
  barred: boolean;
}

export type ServedUserResult = { ok: true; match: ServedUserMatch } | { ok: false; error: string };

export function findServiceProfile(
  subscription: ImsSubscription,
  request: SipRequest,
  sessionCase: SessionCase,
  servedUser?: string,
): ServedUserResult {
  const candidates = servedUser !== undefined ? [{ uri: servedUser, source: '--served-user' }] : candidatesOf(request, sessionCase);
  for (const candidate of candidates) {
    const key = identityKey(candidate.uri);
    if (key === undefined) continue;
    for (const [index, profile] of subscription.serviceProfiles.entries()) {
      const identity = profile.publicIdentities.find((pi) => identityKey(pi.identity) === key);
      if (identity) return { ok: true, match: { profile, index, identity: identity.identity, source: candidate.source, barred: identity.barred } };
    }
  }
  const only = subscription.serviceProfiles.length === 1 ? subscription.serviceProfiles[0] : undefined;
  if (only && servedUser === undefined) return { ok: true, match: { profile: only, index: 0, barred: false } };
  const tried = candidates.map((c) => `${c.uri} (${c.source})`).join(', ') || 'none found in the request';
  const known = subscription.serviceProfiles.flatMap((p) => p.publicIdentities.map((pi) => pi.identity)).join(', ');
  return { ok: false, error: `no ServiceProfile lists the served user: tried ${tried}; the profile's identities are ${known}; name one with --served-user` };
}

function candidatesOf(request: SipRequest, sessionCase: SessionCase): Array<{ uri: string; source: string }> {
  const out: Array<{ uri: string; source: string }> = [];
  const add = (value: string | undefined, source: string): void => {
    const uri = value === undefined ? undefined : addressOf(value);
    if (uri !== undefined) out.push({ uri, source });
  };
  add(request.getHeader('p-served-user'), 'P-Served-User');
  const terminating = sessionCase === SessionCase.TERMINATING_REGISTERED || sessionCase === SessionCase.TERMINATING_UNREGISTERED;
  if (terminating) {
    out.push({ uri: requestUriString(request.uri), source: 'Request-URI' });
  } else {
    for (const value of request.getHeaders('p-asserted-identity')) add(value, 'P-Asserted-Identity');
    add(request.getHeader('from'), 'From');
  }
  return out;
}

function addressOf(value: string): string | undefined {
  try {
    return requestUriString(parseNameAddr(value).uri);
  } catch {
    return undefined;
  }
}

function requestUriString(uri: Uri): string {
  switch (uri.kind) {
    case 'sip':
      return `${uri.scheme}:${uri.user === undefined ? '' : `${uri.user}@`}${uri.hostIsIPv6 ? `[${uri.host}]` : uri.host}${uri.port === undefined ? '' : `:${uri.port}`}`;
    case 'tel':
      return `tel:${uri.number}`;
    case 'absolute':
      return `${uri.scheme}:${uri.opaque}`;
  }
}

/** A comparison key for a public identity, or undefined when it is not a URI. */
export function identityKey(text: string): string | undefined {
  let uri: Uri;
  try {
    uri = parseUri(text.trim());
  } catch {
    return undefined;
  }
  switch (uri.kind) {
    case 'sip':
      return `sip:${decodeUser(uri) ?? ''}@${uri.host.toLowerCase()}:${uri.port ?? ''}`;
    case 'tel':
      // RFC 3966 §5.1.1: visual separators carry no meaning.
      return `tel:${uri.number.replace(/[-.()]/g, '')}`;
    case 'absolute':
      return `${uri.scheme.toLowerCase()}:${uri.opaque}`;
  }
}
