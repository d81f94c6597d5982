/**
 * Request validation by a proxy (RFC 3261 §16.3), items 3–5; items 1, 2 and 6 are the
 * transaction layer's (syntax), the endpoint's (URI scheme) and the auth stage's
 * (Proxy-Authorization).
 */
import type { HeaderField, SipRequest, Via } from '../sip/index.js';
import { isLooped } from './loop-detection.js';

export type ValidationResult = { ok: true } | { ok: false; status: number; reason: string; headers?: HeaderField[] };

export interface ValidationContext {
  /** Whether a Via was written by this proxy. */
  isOurVia(via: Via): boolean;
  /** Option tags this proxy supports in Proxy-Require. */
  proxyExtensions: readonly string[];
}

export function validateProxiedRequest(request: SipRequest, context: ValidationContext): ValidationResult {
  // Item 3: "If the request does not contain a Max-Forwards header field, this check is passed.
  // If ... the field value is zero, the element MUST NOT forward the request" → 483.
  let maxForwards: number | undefined;
  try {
    maxForwards = request.maxForwards;
  } catch {
    return { ok: false, status: 400, reason: 'Bad Max-Forwards' };
  }
  if (maxForwards === 0) return { ok: false, status: 483, reason: 'Too Many Hops' };

  // Item 4: loop detection by the branch hash (see loop-detection.ts).
  try {
    if (isLooped(request, context.isOurVia)) return { ok: false, status: 482, reason: 'Loop Detected' };
  } catch {
    return { ok: false, status: 400, reason: 'Bad Via' };
  }

  // Item 5: "If the request contains a Proxy-Require header field with one or more option-tags
  // this element does not understand, the element MUST return a 420 (Bad Extension) response.
  // The response MUST include an Unsupported header field listing those option-tags".
  const supported = new Set(context.proxyExtensions.map((tag) => tag.toLowerCase()));
  const unknown = request
    .getHeaders('Proxy-Require')
    .flatMap((value) => value.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0 && !supported.has(tag.toLowerCase()));
  if (unknown.length > 0) {
    return { ok: false, status: 420, reason: 'Bad Extension', headers: [{ name: 'Unsupported', value: unknown.join(', ') }] };
  }
  return { ok: true };
}
