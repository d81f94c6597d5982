/**
 * The chain of service engines for one initial request (issue 5 §4, like an S-CSCF's iFC
 * chain, 24.229 §5.4.3.2): a service that proxies to ONE target passes the request, as it would
 * be sent there, on to the rest of the chain; the rest decides, and the upstream service stays
 * on the path (composeProxy: it hears the outcome as its own). Any other decision — a reply, a
 * redirect, a b2bua, a proxy to several targets — ends the chain. When the rest continues, the
 * upstream decision is what is carried out.
 *
 * Shared by the services stage (standalone: caller's then callee's services, positions 0…2n−1)
 * and the ISC stage (one served user and session case from the S-CSCF, positions 0…n−1); they
 * differ only in which engine sits at a position and what it is told (ServiceChain.at).
 */
import type { Decision, ServiceTarget } from '../services/decision.js';
import { composeProxy } from '../services/decision-chain.js';
import { applyMessageEdits } from '../services/message-edits.js';
import type { ServiceCall, ServiceEngine } from '../services/service-engine.js';
import { parseUri, type SipRequest, type Uri } from '../sip/index.js';

export interface ServiceChain {
  /** How many positions the chain has. */
  readonly length: number;
  /** The engine at `position` and its call for `request` (the request as it reached that
   *  position); undefined where the position has no service for this request. */
  at(position: number, request: SipRequest): { engine: ServiceEngine; call: ServiceCall } | undefined;
  /** The Request-URI a single-target proxy sends to (default: the target as given). */
  sentUri?(received: Uri, target: Uri): Uri;
}

export interface ChainDecision {
  decision: Decision;
  /** The engines that decided, upstream first (for logs: joined with '→'). */
  engines: string[];
}

/** What the chain from `position` on decides for `request`. */
export async function decideChain(chain: ServiceChain, request: SipRequest, position = 0): Promise<ChainDecision> {
  for (let p = position; p < chain.length; p++) {
    const step = chain.at(p, request);
    if (step === undefined) continue;
    const { engine, call } = step;
    if (engine.directions && !engine.directions.includes(call.direction)) continue;
    const decision = await engine.decide(call);
    if (decision.kind === 'continue') continue;
    const onward = decision.kind === 'proxy' && decision.targets.length === 1 ? proxiedRequest(request, decision.targets[0]!, chain.sentUri) : undefined;
    if (decision.kind !== 'proxy' || onward === undefined) return { decision, engines: [engine.name] };
    const downstream = await decideChain(chain, onward, p + 1);
    if (downstream.decision.kind === 'continue') return { decision, engines: [engine.name] };
    return { decision: await composeProxy(decision, downstream.decision), engines: [engine.name, ...downstream.engines] };
  }
  return { decision: { kind: 'continue' }, engines: [] };
}

/** The request as a service's single-target proxy would send it: its edits applied and the
 *  target as Request-URI. Undefined when the target is not a URI (the proxy skips it too). */
export function proxiedRequest(request: SipRequest, target: ServiceTarget, sentUri?: (received: Uri, target: Uri) => Uri): SipRequest | undefined {
  let uri;
  try {
    uri = parseUri(target.uri);
  } catch {
    return undefined;
  }
  const copy = target.edits ? applyMessageEdits(request, target.edits) : request.clone();
  copy.uri = sentUri ? sentUri(request.uri, uri) : uri;
  return copy;
}
