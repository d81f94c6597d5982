/**
 * RFC 3880 §10: what happens when a run reaches an unspecified output (an output that is
 * absent or empty), tested in this order:
 * - a proxy was tried: "Return whatever the 'best' response is of all accumulated responses";
 * - the location set was modified (location, lookup that found something, remove-location;
 *   cpl.md open point 12): proxy or redirect to it, or a "notfound" rejection when it is empty;
 * - nothing changed but the set is not empty (outgoing calls): proxy to the set;
 * - nothing changed: behave as if there were no script.
 */
import { reasonPhrase } from '../text/sip-reason.js';
import { bestResponse } from './best-response.js';
import type { CplDecision, CplLocation, CplResponse } from './host.js';

export interface RunState {
  readonly proxied: boolean;
  readonly modified: boolean;
  readonly responses: readonly CplResponse[];
  readonly locations: readonly CplLocation[];
}

export function defaultBehaviour(state: RunState): { decision: CplDecision; explain: string } {
  const list = (): string => state.locations.map((l) => l.uri).join(', ');
  if (state.proxied) {
    const response = bestResponse(state.responses);
    return { decision: { kind: 'best-response', response }, explain: `a proxy was tried, so the best response received is returned: ${response.status} ${response.reason}` };
  }
  if (state.modified) {
    if (state.locations.length === 0) {
      return { decision: { kind: 'reject', status: 404, reason: reasonPhrase(404), byDefault: true }, explain: 'the location set was changed but is empty, so the call is rejected with 404 Not Found' };
    }
    return { decision: { kind: 'proxy-or-redirect', locations: state.locations }, explain: `the location set was changed, so the server proxies or redirects to it (${list()})` };
  }
  if (state.locations.length > 0) {
    return { decision: { kind: 'proxy-locations', locations: state.locations }, explain: `nothing was changed, so the call is proxied to the location set (${list()})` };
  }
  return { decision: { kind: 'server-default' }, explain: 'nothing was changed, so the call is handled as if there were no script' };
}
