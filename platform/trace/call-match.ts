/**
 * The cheap checks a tracer makes on a request whose Call-ID it does not know yet: is it a
 * call's initial request, and whose address-of-record do its From, To and Request-URI name.
 */
import type { SipMessage, SipRequest, Uri } from '../sip/index.js';
import { tagOf } from '../sip/index.js';

/**
 * A request that starts something (§12.1: no To tag). ACK and CANCEL never start a call: they
 * belong to an INVITE whose Call-ID is traced already, or not at all.
 */
export function isInitialRequest(message: SipMessage): message is SipRequest {
  if (message.kind !== 'request') return false;
  const { method } = message as SipRequest;
  if (method === 'ACK' || method === 'CANCEL') return false;
  try {
    return tagOf(message.to) === undefined;
  } catch {
    return false;
  }
}

/** User rules by user part, then lower-cased domain: a request whose users name no rule costs
 *  three Map misses and allocates nothing. */
export type AorIndex = ReadonlyMap<string, ReadonlySet<string>>;

export function indexAors(aors: Iterable<string>): AorIndex {
  const index = new Map<string, Set<string>>();
  for (const aor of aors) {
    const at = aor.lastIndexOf('@');
    const user = aor.slice(0, at);
    let domains = index.get(user);
    if (domains === undefined) index.set(user, (domains = new Set()));
    domains.add(aor.slice(at + 1).toLowerCase());
  }
  return index;
}

/** The first AOR of `index` named by From, To or the Request-URI, else undefined: `user@domain`
 *  (domain lower-cased, as platform/store/aor.ts keys users). */
export function matchingAor(request: SipRequest, index: AorIndex): string | undefined {
  let found: string | undefined;
  try {
    found = matchUri(request.from.uri, index) ?? matchUri(request.to.uri, index);
  } catch {
    // A From or To that does not parse names nobody (the request is answered 400).
  }
  return found ?? matchUri(request.uri, index);
}

function matchUri(uri: Uri, index: AorIndex): string | undefined {
  if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
  const domains = index.get(uri.user);
  if (domains === undefined) return undefined;
  const host = uri.host.toLowerCase();
  return domains.has(host) ? `${uri.user}@${host}` : undefined;
}
