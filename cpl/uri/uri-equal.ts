/**
 * URI equality as RFC 3880 requires it: "standard SIP URI matching" (RFC 3261 §19.1.4) for
 * address `is` without a subfield (§4.1.1) and for `remove-location` (§5.3); RFC 3966 §4 for tel.
 */
import { hostsEqual } from './host.js';
import { isSipUri, isTelUri, type ParsedUri, type SipUri, type TelUri } from './parse-uri.js';
import { normalizeTelNumber } from './tel.js';

/** Parameters that must match even if present on one side only (RFC 3261 §19.1.4). */
const ALWAYS_COMPARED = ['user', 'ttl', 'method', 'maddr'] as const;

export function urisEqual(a: ParsedUri, b: ParsedUri): boolean {
  if (isSipUri(a) && isSipUri(b)) return sipUrisEqual(a, b);
  if (isTelUri(a) && isTelUri(b)) return telUrisEqual(a, b);
  if (a.scheme !== b.scheme) return false;
  // Other schemes: the scheme is case-insensitive; compare the rest exactly.
  return a.text.slice(a.scheme.length) === b.text.slice(b.scheme.length);
}

function sipUrisEqual(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive" (after unescaping).
  if (a.user !== b.user || a.password !== b.password) return false;
  if (!hostsEqual(a.normalHost, b.normalHost)) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly
  // containing that component with its default value" (so no port == 5060 is false).
  if (a.port !== b.port) return false;
  for (const name of ALWAYS_COMPARED) {
    if (a.params.has(name) !== b.params.has(name)) return false;
  }
  for (const [name, value] of a.params) {
    if (!b.params.has(name)) continue; // present in one URI only: ignored
    if (!paramValuesEqual(value, b.params.get(name) ?? null)) return false;
  }
  // "URI header components are never ignored."
  if (a.headers.size !== b.headers.size) return false;
  for (const [name, value] of a.headers) {
    if (b.headers.get(name) !== value) return false;
  }
  return true;
}

function paramValuesEqual(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return a.toLowerCase() === b.toLowerCase();
}

/** RFC 3966 §4: numbers compared without visual separators; parameters as a set. */
function telUrisEqual(a: TelUri, b: TelUri): boolean {
  if (normalizeTelNumber(a.number) !== normalizeTelNumber(b.number)) return false;
  if (a.params.size !== b.params.size) return false;
  for (const [name, value] of a.params) {
    if (!b.params.has(name)) return false;
    if (!paramValuesEqual(value, b.params.get(name) ?? null)) return false;
  }
  return true;
}
