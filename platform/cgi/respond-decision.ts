/**
 * A response the engine built (a script's Status line, or its 500/504/503) as the parts the core
 * sends: the core copies Via, From, To, Call-ID and CSeq from the request itself (RFC 3261
 * §8.2.6.2), so only the end-to-end fields and the body travel.
 */
import type { RespondDecision } from '../services/index.js';
import type { HeaderField, SipResponse } from '../sip/index.js';
import { headerKeyOf } from './header-key.js';

const COPIED_BY_CORE = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'content-type']);

/** End-to-end fields of a response the engine built. */
export function endToEnd(response: SipResponse): HeaderField[] {
  return response.headerFields.filter((field) => !COPIED_BY_CORE.has(headerKeyOf(field.name))).map((field) => ({ name: field.name, value: field.value }));
}

export function respondWith(response: SipResponse): RespondDecision {
  const contentType = response.getHeader('Content-Type');
  return {
    kind: 'respond',
    status: response.status,
    reason: response.reason,
    headers: endToEnd(response),
    ...(response.body.length > 0 ? { body: { contentType: contentType ?? 'application/octet-stream', content: response.body } } : {}),
  };
}
