/**
 * A stand-in for the proxy core when simulating: each target's behaviour comes from the
 * outcome table, and the branches are combined the way an RFC 3261 proxy would:
 * - parallel: a 2xx or 6xx ends the forking; otherwise the best final response (§16.7), or
 *   "no answer" if no target answered before the timeout;
 * - sequential: targets in priority order until one succeeds (2xx) or a 6xx ends the search;
 *   the timeout applies per target (cpl.md open point 13);
 * - recurse: contacts of a 3xx are tried as further targets (at most `maxRedirects` levels, never
 *   a URI twice); a 3xx whose contacts were all followed is dropped (RFC 3261 §16.7 step 4).
 */
import { bestResponse } from '../run/best-response.js';
import type { CplLookupAction, CplLookupOutcome, CplProxyAction, CplProxyOutcome, CplResponse } from '../run/host.js';
import { parseUri } from '../uri/parse-uri.js';
import { urisEqual } from '../uri/uri-equal.js';
import { formatOutcome, parseLookupOutcome, parseTargetOutcome, type TargetOutcome } from './outcome-spec.js';

export interface Attempt {
  readonly uri: string;
  readonly result: string;
  /** Set when the target was reached by following a redirection. */
  readonly redirectedFrom?: string;
}

export interface SimulatedProxy {
  readonly outcome: CplProxyOutcome;
  readonly attempts: readonly Attempt[];
  /** Seconds the attempt took in the simulation (timeouts that ran out). */
  readonly elapsedSeconds: number;
}

export interface OutcomeTable {
  /** Target URI (or "*") → outcome text. */
  readonly outcomes: Readonly<Record<string, string>>;
  /** For targets not in the table. Default "noanswer". */
  readonly unlisted: string;
  readonly maxRedirects: number;
  /** Seconds a proxy without timeout rings in the simulation. */
  readonly serverMaxRingSeconds: number;
}

export function outcomeFor(uri: string, table: OutcomeTable): TargetOutcome {
  const parsed = parseUri(uri);
  let spec = table.outcomes[uri];
  if (spec === undefined && parsed !== null) {
    for (const [key, value] of Object.entries(table.outcomes)) {
      const k = parseUri(key);
      if (k !== null && urisEqual(k, parsed)) {
        spec = value;
        break;
      }
    }
  }
  spec ??= table.outcomes['*'] ?? table.unlisted;
  const outcome = parseTargetOutcome(spec);
  if (outcome === null) throw new Error(`simulateCpl: outcome "${spec}" for ${uri} is not understood (use e.g. 200, 486, noanswer, 302:sip:c@d)`);
  return outcome;
}

export function simulateProxy(action: CplProxyAction, table: OutcomeTable): SimulatedProxy {
  const timeout = action.timeoutSeconds ?? table.serverMaxRingSeconds;
  const attempts: Attempt[] = [];
  const responses: CplResponse[] = [];
  const tried: string[] = [];
  const queue: Array<{ uri: string; depth: number; from?: string }> = action.locations.map((l) => ({ uri: l.uri, depth: 0 }));
  let elapsed = 0;
  let anyNoAnswer = false;
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined) break;
    if (tried.some((t) => sameUri(t, next.uri))) continue;
    tried.push(next.uri);
    const o = outcomeFor(next.uri, table);
    attempts.push({ uri: next.uri, result: formatOutcome(o), ...(next.from !== undefined ? { redirectedFrom: next.from } : {}) });
    if (o.kind === 'noanswer') {
      anyNoAnswer = true;
      if (action.ordering === 'sequential') elapsed += timeout;
      continue;
    }
    if (o.kind === 'unreachable') continue;
    if (o.status >= 200 && o.status < 300) return { outcome: o, attempts, elapsedSeconds: elapsed };
    if (o.status >= 600) return { outcome: o, attempts, elapsedSeconds: elapsed };
    if (o.status >= 300 && o.status < 400 && action.recurse && (o.contacts?.length ?? 0) > 0 && next.depth < table.maxRedirects) {
      const contacts = [...(o.contacts ?? [])].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
      const followed = contacts.filter((c) => parseUri(c.uri) !== null);
      const entries = followed.map((c) => ({ uri: c.uri, depth: next.depth + 1, from: next.uri }));
      if (action.ordering === 'sequential') queue.unshift(...entries);
      else queue.push(...entries);
      if (followed.length === contacts.length) continue; // fully recursed: the 3xx is dropped
    }
    responses.push({ status: o.status, reason: o.reason ?? '', ...(o.contacts !== undefined ? { contacts: o.contacts } : {}) });
  }
  if (action.ordering !== 'sequential' && anyNoAnswer) elapsed = timeout;
  if (responses.length === 0) {
    return { outcome: anyNoAnswer ? { kind: 'noanswer' } : { kind: 'unreachable', reason: 'no target could be reached' }, attempts, elapsedSeconds: elapsed };
  }
  const best = bestResponse(responses);
  return { outcome: { kind: 'response', status: best.status, reason: best.reason, ...(best.contacts !== undefined ? { contacts: best.contacts } : {}) }, attempts, elapsedSeconds: elapsed };
}

export function simulateLookup(action: CplLookupAction, table: OutcomeTable, registrations: string | undefined): { outcome: CplLookupOutcome; result: string } {
  const spec = table.outcomes[action.source] ?? (action.source === 'registration' ? registrations : undefined) ?? 'notfound';
  const outcome = parseLookupOutcome(spec);
  if (outcome === null) throw new Error(`simulateCpl: lookup result "${spec}" for ${action.source} is not understood (use notfound, failure or a list of addresses)`);
  const result = outcome.kind === 'found' ? `found ${outcome.locations.map((l) => l.uri).join(', ')}` : outcome.kind;
  return { outcome, result };
}

function sameUri(a: string, b: string): boolean {
  const pa = parseUri(a);
  const pb = parseUri(b);
  return pa !== null && pb !== null ? urisEqual(pa, pb) : a === b;
}
