/**
 * "The 'best' response of all accumulated responses" (RFC 3880 §10), chosen as a proxy does
 * (RFC 3261 §16.7 step 6): any 6xx; otherwise the lowest class, preferring 401, 407, 415, 420
 * and 484 within 4xx; a 503 is sent upstream as 500. With no response at all we answer 480
 * Temporarily Unavailable (cpl.md open point 10).
 */
import { reasonPhrase } from '../text/sip-reason.js';
import type { CplResponse } from './host.js';

const PREFERRED_4XX = new Set([401, 407, 415, 420, 484]);

export function bestResponse(responses: readonly CplResponse[]): CplResponse {
  const finals = responses.filter((r) => r.status >= 300);
  if (finals.length === 0) return { status: 480, reason: reasonPhrase(480) };
  const global = finals.find((r) => r.status >= 600);
  if (global !== undefined) return global;
  const lowest = Math.min(...finals.map((r) => Math.floor(r.status / 100)));
  const inClass = finals.filter((r) => Math.floor(r.status / 100) === lowest);
  const chosen = inClass.find((r) => PREFERRED_4XX.has(r.status)) ?? inClass[0] ?? { status: 480, reason: reasonPhrase(480) };
  return chosen.status === 503 ? { status: 500, reason: reasonPhrase(500) } : chosen;
}
