/**
 * Telephone numbers for the `tel` subfield (RFC 3880 §4.1.1): "the user part with visual
 * separators stripped" for a SIP URI with user=phone, or the subscriber number of a tel URL.
 *
 * Decision (cpl.md open point 6): the visual separators are RFC 3966's `-` `.` `(` `)`; `+` is
 * NOT a separator and is kept, so `tel:+1-900-555-1212` gives `+19005551212`, which is not a
 * prefix match for `subdomain-of="1900"`. Comparison is case-insensitive (the digits A-D).
 */
import { isSipUri, isTelUri, type ParsedUri } from './parse-uri.js';

const VISUAL_SEPARATORS = /[-.()]/g;

/** Strips visual separators and upper-cases (A-D are case-insensitive digits). */
export function normalizeTelNumber(text: string): string {
  return text.replace(VISUAL_SEPARATORS, '').toUpperCase();
}

/**
 * The phone number of an address, or null when it has none. A SIP URI counts when it carries
 * `user=phone`, or when `userIsPhone` is set (RFC 3880: "or if the server is otherwise
 * configured to recognize the user part as a telephone number").
 */
export function telNumberOf(uri: ParsedUri, userIsPhone = false): string | null {
  if (isTelUri(uri)) return normalizeTelNumber(uri.number);
  if (isSipUri(uri) && uri.user !== null) {
    const phone = uri.params.get('user') === 'phone';
    if (!phone && !(userIsPhone && /^\+?[0-9A-Da-d*#().\- ]+(;.*)?$/.test(uri.user))) return null;
    const semi = uri.user.indexOf(';');
    return normalizeTelNumber(semi >= 0 ? uri.user.slice(0, semi) : uri.user);
  }
  return null;
}
