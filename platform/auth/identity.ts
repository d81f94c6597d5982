/**
 * Whether an authenticated user may act for an address-of-record (RFC 3261 §10.3 step 3: the
 * registrar checks the authenticated user may modify the bindings of the To AOR; §22 leaves the
 * same check on From to the proxy). The default rule: the user part equals the digest username
 * and the host equals the realm, i.e. the user's own AOR. Wider rules (aliases, third-party
 * registration) belong to the caller's policy.
 */
import { parseComparableSipUri } from '../store/contact-uri.js';

export type IdentityCheck = { ok: true } | { ok: false; message: string };

/**
 * @param authUser the username the digest credentials proved
 * @param realm    the realm they were verified in (the user's domain)
 * @param aor      the From/To URI (`sip:alice@example.com;user=phone`) or `alice@example.com`
 */
export function checkIdentity(authUser: string, realm: string, aor: string): IdentityCheck {
  const target = splitAor(aor.trim());
  if (!target) return { ok: false, message: `"${aor}" is not a SIP address-of-record` };
  if (target.user !== authUser) {
    return { ok: false, message: `authenticated user "${authUser}" may not act for ${target.user}@${target.host}` };
  }
  if (target.host !== realm.toLowerCase()) {
    return { ok: false, message: `user "${authUser}" of realm ${realm} may not act for an AOR in ${target.host}` };
  }
  return { ok: true };
}

function splitAor(text: string): { user: string; host: string } | undefined {
  const bracketed = text.startsWith('<') && text.endsWith('>') ? text.slice(1, -1) : text;
  const uriText = /^sips?:/iu.test(bracketed) ? bracketed : `sip:${bracketed}`;
  const uri = parseComparableSipUri(uriText);
  if (!uri || uri.user === undefined) return undefined;
  const user = unescapeUser(uri.user);
  return user === undefined ? undefined : { user, host: uri.host };
}

/** The user part with every %HH resolved (RFC 3261 §19.1.2: the digest username is unescaped). */
function unescapeUser(user: string): string | undefined {
  try {
    return decodeURIComponent(user);
  } catch {
    return undefined;
  }
}
