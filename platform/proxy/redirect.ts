/**
 * Redirect mode (RFC 3261 §8.3, §16.5: "a redirect server ... returns the target set in a 3xx
 * response"): instead of forking, answer with the contacts and let the caller try them.
 */
import { createResponse, formatUri, generateTag, type HeaderField, type SipRequest, type SipResponse } from '../sip/index.js';
import { normalizeQ, type ProxyTarget } from './target.js';

/** Contact values for a 3xx: `<uri>;q=0.5` (q written when below 1), highest q first. */
export function redirectContacts(targets: readonly ProxyTarget[]): HeaderField[] {
  return [...targets]
    .map((target, index) => ({ target, index, q: normalizeQ(target.q) }))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ target, q }) => ({ name: 'Contact', value: `<${formatUri(target.uri)}>${q < 1 ? `;q=${q}` : ''}` }));
}

/** 302 Moved Temporarily (or 301 Moved Permanently) listing the targets. */
export function createRedirectResponse(request: SipRequest, targets: readonly ProxyTarget[], status: 301 | 302 = 302): SipResponse {
  const reason = status === 301 ? 'Moved Permanently' : 'Moved Temporarily';
  return createResponse(request, status, reason, { toTag: generateTag(), headers: redirectContacts(targets) });
}
