/**
 * Translations between the CPL engine's host interface (cpl/run/host.ts) and the service
 * interface the proxy core carries out (platform/services): proxy actions become proxy
 * decisions, the proxy's outcome goes back to the script, and the script's final decision
 * becomes the answer to the caller.
 */
import type { CplContact, CplDecision, CplProxyAction, CplProxyOutcome } from '../index.js';
import type { BranchOutcome, Decision, ProxyDecisionOptions, ServiceTarget } from '../../platform/services/index.js';

/** RFC 3880 §6.1 `proxy` → what the proxy core tries. */
export function proxyTargets(action: CplProxyAction): { targets: ServiceTarget[]; options: ProxyDecisionOptions } {
  // first-only: "try only the highest-priority address in the set" (the engine lists
  // the set highest priority first).
  const locations = action.ordering === 'first-only' ? action.locations.slice(0, 1) : action.locations;
  const options: ProxyDecisionOptions = {
    // sequential: one location at a time, highest priority first, each ringing `timeout`
    // (per branch, cpl.md open point 13). Equal priorities keep the script's order.
    forking: action.ordering === 'sequential' ? 'sequential' : 'parallel',
    recurse: action.recurse,
  };
  // null timeout: ring as long as server policy allows (Timer C), §6.1.
  if (action.timeoutSeconds !== null) options.timeoutMs = action.timeoutSeconds * 1000;
  return { targets: locations.map((l) => ({ uri: l.uri, q: l.priority })), options };
}

/**
 * The proxy's outcome as the script sees it. Only a real timeout (no branch answered at all) is
 * `noanswer`: RFC 3880 §6.1.1 maps a received 408 or 480 to `failure`, unlike the service
 * interface's own classification; the engine classifies the status itself.
 */
export function toCplOutcome(outcome: BranchOutcome): CplProxyOutcome {
  switch (outcome.kind) {
    case 'success':
      return { kind: 'response', status: outcome.status };
    case 'noanswer':
      return outcome.timedOut ? { kind: 'noanswer' } : { kind: 'response', status: outcome.status, reason: outcome.reason };
    case 'redirection':
      return { kind: 'response', status: outcome.status, reason: outcome.reason, contacts: outcome.contacts.map(toContact) };
    case 'busy':
    case 'failure':
      return { kind: 'response', status: outcome.status, reason: outcome.reason };
  }
}

/**
 * The script's decision as the answer to the caller. `last` is the outcome of the proxy that
 * just ended, when the decision follows one: if the §10 best response is that proxy's own, the
 * proxy core forwards the real response (headers and all) by `continue`.
 */
export function toDecision(decision: CplDecision, last?: BranchOutcome): Decision {
  switch (decision.kind) {
    case 'proceed':
    case 'server-default':
    case 'aborted':
      return { kind: 'continue' };
    case 'reject':
      return { kind: 'reject', status: decision.status, reason: decision.reason };
    case 'redirect':
      return { kind: 'redirect', contacts: decision.contacts.map(toTarget), permanent: decision.status === 301 };
    case 'proxy-locations':
    case 'proxy-or-redirect':
      // §10: "proxy or redirect to the location set, as server policy says": we proxy, so the
      // user's phones ring rather than the caller being sent elsewhere.
      return { kind: 'proxy', targets: decision.locations.map((l) => ({ uri: l.uri, q: l.priority })) };
    case 'best-response': {
      const { response } = decision;
      if (last !== undefined && last.kind !== 'success' && last.status === response.status) return { kind: 'continue' };
      if (response.status >= 300 && response.status < 400) {
        return { kind: 'redirect', contacts: (response.contacts ?? []).map(toTarget), permanent: response.status === 301 };
      }
      return { kind: 'respond', status: response.status, reason: response.reason };
    }
  }
}

function toContact(target: ServiceTarget): CplContact {
  return target.q !== undefined ? { uri: target.uri, q: target.q } : { uri: target.uri };
}

function toTarget(contact: CplContact): ServiceTarget {
  return contact.q !== undefined ? { uri: contact.uri, q: contact.q } : { uri: contact.uri };
}
