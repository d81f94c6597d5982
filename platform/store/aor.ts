/**
 * Address-of-record keys. Users and bindings are keyed by `user@domain`: the user part as
 * written (RFC 3261 §19.1.4: userinfo compares case-sensitively) and the domain lower-cased
 * (host names compare case-insensitively). The scheme is not part of the key: sip: and sips:
 * name the same user here.
 */
import { StoreError } from './errors.js';

// Characters that would make `username:realm:password` (HA1) or `user@domain` ambiguous, or
// that cannot appear in a header field value.
const BAD_USERNAME = /[\s:@"\\\u0000-\u001f\u007f]/u;
const BAD_DOMAIN = /[\s:@/;?"\\\u0000-\u001f\u007f]/u;

/** `alice@example.com` from a username and a domain; throws StoreError('invalid-user') when
 *  either cannot be part of an AOR. */
export function formatAor(username: string, domain: string): string {
  checkUsername(username);
  checkDomain(domain);
  return `${username}@${domain.toLowerCase()}`;
}

/** Split and normalise `user@Domain` (the domain is lower-cased). Undefined when not an AOR. */
export function parseAor(aor: string): { username: string; domain: string } | undefined {
  const at = aor.lastIndexOf('@');
  if (at <= 0 || at === aor.length - 1) return undefined;
  const username = aor.slice(0, at);
  const domain = aor.slice(at + 1);
  if (BAD_USERNAME.test(username) || BAD_DOMAIN.test(domain)) return undefined;
  return { username, domain: domain.toLowerCase() };
}

/** The canonical form of an AOR string (domain lower-cased); throws when it is not one. */
export function normalizeAor(aor: string): string {
  const parts = parseAor(aor);
  if (!parts) throw new StoreError('invalid-user', `"${aor}" is not an address-of-record of the form user@domain`);
  return `${parts.username}@${parts.domain}`;
}

function checkUsername(username: string): void {
  if (username.length === 0 || username.length > 256 || BAD_USERNAME.test(username)) {
    throw new StoreError(
      'invalid-user',
      `invalid username "${username}": 1–256 characters without spaces, control characters, ':', '@', '"' or '\\'`,
    );
  }
}

function checkDomain(domain: string): void {
  if (domain.length === 0 || domain.length > 253 || BAD_DOMAIN.test(domain)) {
    throw new StoreError('invalid-user', `invalid domain "${domain}": a host name or IP address`);
  }
}
