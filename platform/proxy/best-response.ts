/**
 * Choosing the response a stateful proxy sends upstream when no branch answered 2xx
 * (RFC 3261 §16.7 steps 6 and 7). Pure: takes the final responses collected, returns one.
 */
import type { SipResponse } from '../sip/index.js';

export interface CollectedResponse {
  /** A final response (≥ 300) with our Via already removed. */
  response: SipResponse;
  /** Made up by this proxy (a timeout, a transport error, a cancelled branch): real
   *  responses from downstream are preferred to these within a class. */
  synthetic: boolean;
}

/**
 * §16.7 step 6: "The proxy MUST choose from the 6xx class responses if any exist in the context.
 * If no 6xx class responses are present, the proxy SHOULD choose from the lowest response class
 * stored in the response context. The proxy MAY select any response within that chosen class.
 * The proxy SHOULD give preference to responses that provide information affecting resubmission
 * of this request, such as 401, 407, 415, 420, and 484 if the 4xx class is chosen."
 *
 * Within a class: those preferred statuses first (in that order), then real before synthetic
 * responses, then the lowest status code, then the earliest received.
 * Returns undefined when there is no final response: the caller answers 408 (step 6: "If there
 * are no final responses in the context, the proxy MUST send a 408").
 */
export function chooseBestResponse(collected: readonly CollectedResponse[]): CollectedResponse | undefined {
  const finals = collected.filter((entry) => entry.response.status >= 300);
  if (finals.length === 0) return undefined;
  const sixes = finals.filter((entry) => entry.response.status >= 600);
  const pool = sixes.length > 0 ? sixes : lowestClass(finals);
  let best: CollectedResponse | undefined;
  for (const entry of pool) if (!best || better(entry, best)) best = entry;
  return best;
}

/** Preferred 4xx (§16.7 step 6), most useful first. */
const RESUBMISSION_INFO = [401, 407, 415, 420, 484];

function rank(status: number): number {
  const index = RESUBMISSION_INFO.indexOf(status);
  return index < 0 ? RESUBMISSION_INFO.length : index;
}

function better(a: CollectedResponse, b: CollectedResponse): boolean {
  const ra = rank(a.response.status);
  const rb = rank(b.response.status);
  if (ra !== rb) return ra < rb;
  if (a.synthetic !== b.synthetic) return !a.synthetic;
  return a.response.status < b.response.status;
}

function lowestClass(finals: readonly CollectedResponse[]): CollectedResponse[] {
  const lowest = Math.min(...finals.map((entry) => Math.floor(entry.response.status / 100)));
  return finals.filter((entry) => Math.floor(entry.response.status / 100) === lowest);
}

/**
 * §16.7 step 7: "If the selected response is a 401 (Unauthorized) or 407 (Proxy Authentication
 * Required), the proxy MUST collect any WWW-Authenticate and Proxy-Authenticate header field
 * values from all other 401 and 407 responses received so far in this response context and add
 * them to this response without modification before forwarding." Modifies `chosen`.
 */
export function mergeChallenges(chosen: SipResponse, collected: readonly CollectedResponse[]): void {
  if (chosen.status !== 401 && chosen.status !== 407) return;
  for (const { response } of collected) {
    if (response === chosen || (response.status !== 401 && response.status !== 407)) continue;
    for (const name of ['WWW-Authenticate', 'Proxy-Authenticate']) {
      const existing = new Set(chosen.getHeaders(name));
      for (const value of response.getHeaders(name)) {
        if (existing.has(value)) continue;
        chosen.addHeader(name, value);
        existing.add(value);
      }
    }
  }
}

/**
 * The Contact values of every 3xx collected, for a chosen 3xx (the caller learns every
 * alternative, not just one branch's). Duplicates removed by exact text.
 */
export function mergeRedirectContacts(chosen: SipResponse, collected: readonly CollectedResponse[]): void {
  if (chosen.status < 300 || chosen.status >= 400) return;
  const existing = new Set(chosen.getHeaders('Contact'));
  for (const { response } of collected) {
    if (response === chosen || response.status < 300 || response.status >= 400) continue;
    for (const value of response.getHeaders('Contact')) {
      if (existing.has(value) || value === '*') continue;
      chosen.addHeader('Contact', value);
      existing.add(value);
    }
  }
}

/**
 * §16.7 step 6: a proxy receiving a 503 "SHOULD NOT forward it upstream unless it can determine
 * that any subsequent requests it might proxy will also generate a 503 ... If the only response
 * that was received is a 503, the proxy SHOULD generate a 500 response and forward that
 * upstream." A 503 from one downstream element would otherwise tell the caller that this proxy
 * is out of service. Modifies `response`.
 */
export function convertServiceUnavailable(response: SipResponse): void {
  if (response.status !== 503) return;
  response.status = 500;
  response.reason = 'Server Internal Error';
  response.removeHeader('Retry-After');
}
