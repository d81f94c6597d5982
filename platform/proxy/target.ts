/**
 * The target set (§16.5) and how it is tried (§16.6: "the proxy can process the target set
 * in parallel, sequentially, or by q-value groups"). The proxy is handed a target set; where it
 * came from (location service, a service engine, the Request-URI) is not its concern.
 */
import { parseUri, type SipRequest, type Uri } from '../sip/index.js';
import type { Destination } from '../transport/types.js';

export interface ProxyTarget {
  /** The Request-URI of the branch (§16.6 step 2). */
  uri: Uri;
  /** Preference 0..1 (§20.10 q); absent means 1.0. */
  q?: number;
  /** Route values to put in front of the request's own (RFC 3327 §5.3: the Path the binding
   *  registered with), top first. */
  path?: readonly string[];
  /** Send here instead of resolving the next hop (e.g. the NAT address a contact registered
   *  from). Ignored when `path` is non-empty: the first Path hop handles NAT (RFC 3327). */
  destination?: Destination;
  /** Changes a service engine wants in this target's copy (RFC 3050 §5.6.1.2), made after
   *  §16.6 steps 1–3 and before Route/Record-Route/Via; returns the changed copy. */
  edit?: (copy: SipRequest) => SipRequest;
}

/**
 * - `by-q`: targets of equal q ring together, groups in decreasing q, one after the other
 *   (the RFC 3261 §16.6 q-value grouping; the default).
 * - `parallel`: every target at once.
 * - `sequential`: one target at a time in decreasing q.
 */
export type ForkingMode = 'by-q' | 'parallel' | 'sequential';

export interface ForwardOptions {
  forking?: ForkingMode;
  /**
   * How long a group may ring before it is given up as "no answer" (its branches are
   * cancelled, §16.6). Applies to every group, the last too. Without it, groups other than the
   * last wait `sequentialTimeoutMs` and the last waits for Timer C.
   */
  timeoutMs?: number;
  /** Insert Record-Route (§16.6 step 4); default from the proxy config. */
  recordRoute?: boolean;
  /** Recurse on 3xx (§16.7 step 4); default from the proxy config. */
  recurse?: boolean;
}

/** Split a target set into the groups tried one after the other. Stable within equal q. */
export function groupTargets(targets: readonly ProxyTarget[], mode: ForkingMode = 'by-q'): ProxyTarget[][] {
  if (targets.length === 0) return [];
  if (mode === 'parallel') return [[...targets]];
  const sorted = targets
    .map((target, index) => ({ target, index, q: normalizeQ(target.q) }))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  if (mode === 'sequential') return sorted.map(({ target }) => [target]);
  const groups: ProxyTarget[][] = [];
  let lastQ: number | undefined;
  for (const { target, q } of sorted) {
    if (q !== lastQ) groups.push([]);
    (groups[groups.length - 1] as ProxyTarget[]).push(target);
    lastQ = q;
  }
  return groups;
}

/** q rounded to the three decimals §20.10 allows; out-of-range or absent → 1. */
export function normalizeQ(q: number | undefined): number {
  if (q === undefined || !Number.isFinite(q) || q < 0 || q > 1) return 1;
  return Math.round(q * 1000) / 1000;
}

/** A target's identity for §16.7 step 4 (a 3xx Contact already in the target set is not tried again). */
export function targetKey(target: ProxyTarget): string {
  return formatTargetUri(target).toLowerCase();
}

function formatTargetUri(target: ProxyTarget): string {
  const uri = target.uri;
  if (uri.kind !== 'sip') return uri.kind === 'tel' ? `tel:${uri.number}` : `${uri.scheme}:${uri.opaque}`;
  return `${uri.scheme}:${uri.user ?? ''}@${uri.host}:${uri.port ?? ''}`;
}

/** For callers that hold a Contact string: the ProxyTarget for it. Throws SipParseException. */
export function targetFromUri(uri: string, q?: number): ProxyTarget {
  return { uri: parseUri(uri), ...(q !== undefined ? { q } : {}) };
}
