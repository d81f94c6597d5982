/**
 * Service composition (issue 5 §4, JSR 289 §15 / the S-CSCF's iFC chain, 24.229 §5.4.3.2): when
 * a service (an app, a CPL script, a SIP-CGI script) proxies a request to one target, the
 * request goes on to the next service of the chain (which sees that target as its Request-URI),
 * then to normal routing. Upstream services stay on the path as proxies: the answer of the
 * downstream part reaches them as their proxy outcome, and what they decide then (another
 * proxy, a reply, or letting the response through) wins.
 *
 * Expressed with the one-transaction Decision interface: the downstream decision is what the
 * core executes; the upstream `onOutcome` is wrapped around it. Used between apps inside the
 * app engine and between engines in the services stage.
 */
import type { BranchOutcome, Decision, MessageEdits, ProxyDecision, ServiceTarget } from './decision.js';
import type { B2buaDecision } from './user-agent.js';

const CONTINUE: Decision = { kind: 'continue' };

/**
 * The decision for an upstream app's single-target proxy `upstream` followed by `downstream`,
 * the decision of the rest of the chain for the proxied request.
 */
export async function composeProxy(upstream: ProxyDecision, downstream: Decision): Promise<Decision> {
  switch (downstream.kind) {
    case 'continue':
      return upstream;
    case 'proxy':
      return {
        kind: 'proxy',
        targets: downstream.targets.map((target) => withEdits(target, upstream.targets[0]?.edits)),
        options: {
          ...upstream.options,
          ...downstream.options,
          // Either app staying on the path keeps the proxy on it (RFC 3261 §16.6 step 4).
          ...(upstream.options?.recordRoute || downstream.options?.recordRoute ? { recordRoute: true } : {}),
        },
        ...(downstream.onResponse !== undefined ? { onResponse: downstream.onResponse } : upstream.onResponse !== undefined ? { onResponse: upstream.onResponse } : {}),
        // The caller hears the provisional responses of every service on the path, upstream first.
        ...(upstream.provisional !== undefined || downstream.provisional !== undefined
          ? { provisional: [...(upstream.provisional ?? []), ...(downstream.provisional ?? [])] }
          : {}),
        ...(upstream.onCancel !== undefined || downstream.onCancel !== undefined
          ? {
              onCancel: () => {
                downstream.onCancel?.();
                upstream.onCancel?.();
              },
            }
          : {}),
        onOutcome: async (outcome) => {
          const next = downstream.onOutcome === undefined ? CONTINUE : await downstream.onOutcome(outcome);
          if (outcome.kind === 'success') {
            await upstream.onOutcome?.(outcome);
            return CONTINUE;
          }
          if (next.kind === 'continue') return upward(upstream, outcome, CONTINUE);
          if (next.kind === 'proxy') return composeProxy(upstream, next);
          return answerThrough(upstream, next);
        },
      };
    default:
      return answerThrough(upstream, downstream);
  }
}

/**
 * The downstream part answered (reject, respond, redirect): that answer is the upstream app's
 * proxy outcome. If the upstream app lets it through, it goes to the caller as decided.
 */
export async function answerThrough(upstream: ProxyDecision, answer: Exclude<Decision, ProxyDecision | { kind: 'continue' }>): Promise<Decision> {
  if (answer.kind === 'b2bua') return bridgeThrough(upstream, answer);
  return upward(upstream, outcomeOf(answer), answer);
}

/**
 * A downstream B2BUA ends the chain: it is the endpoint of the upstream app's proxy leg. Its
 * result is the upstream app's proxy outcome — both legs up is a success; leg B's failure, once
 * the downstream app let it through, goes up like a downstream answer; a CANCEL from the caller
 * ends the upstream attempt too (487, whatever the upstream app then decides is moot).
 */
function bridgeThrough(upstream: ProxyDecision, bridge: B2buaDecision): B2buaDecision {
  return {
    ...bridge,
    onLegs: (legs, control) => {
      bridge.onLegs?.(legs, control);
      void Promise.resolve(upstream.onOutcome?.({ kind: 'success', status: 200 })).catch(() => undefined);
    },
    onOutcome: async (outcome) => {
      const next = bridge.onOutcome === undefined ? CONTINUE : await bridge.onOutcome(outcome);
      if (next.kind === 'continue') return upward(upstream, outcome, CONTINUE);
      if (next.kind === 'proxy') return composeProxy(upstream, next);
      return answerThrough(upstream, next);
    },
    onEnd: (end) => {
      bridge.onEnd?.(end);
      if (end.by === 'cancel') {
        void Promise.resolve(upstream.onOutcome?.({ kind: 'failure', status: 487, reason: 'Request Terminated' })).catch(() => undefined);
      }
    },
  };
}

async function upward(upstream: ProxyDecision, outcome: BranchOutcome, passThrough: Decision): Promise<Decision> {
  if (upstream.onOutcome === undefined) return passThrough;
  const decided = await upstream.onOutcome(outcome);
  return outcome.kind === 'success' || decided.kind === 'continue' ? passThrough : decided;
}

/** The BranchOutcome an answer amounts to, in CPL's proxy-output terms (RFC 3880 §6.1). */
export function outcomeOf(answer: Exclude<Decision, ProxyDecision | B2buaDecision | { kind: 'continue' }>): BranchOutcome {
  if (answer.kind === 'redirect') {
    return { kind: 'redirection', status: answer.permanent ? 301 : 302, reason: answer.permanent ? 'Moved Permanently' : 'Moved Temporarily', contacts: answer.contacts };
  }
  const status = answer.status;
  const reason = answer.reason ?? '';
  if (status < 300) return { kind: 'success', status };
  if (status === 486 || status === 600) return { kind: 'busy', status, reason };
  if (status === 408 || status === 480) return { kind: 'noanswer', status, reason, timedOut: false };
  if (status < 400) return { kind: 'redirection', status, reason, contacts: [] };
  return { kind: 'failure', status, reason };
}

function withEdits(target: ServiceTarget, upstream: MessageEdits | undefined): ServiceTarget {
  if (upstream === undefined) return target;
  const own = target.edits;
  if (own === undefined) return { ...target, edits: upstream };
  // The downstream app saw the upstream app's request: its changes apply on top.
  const headers = [...(upstream.headers ?? []).filter((h) => !(own.headers ?? []).some((o) => o.name.toLowerCase() === h.name.toLowerCase())), ...(own.headers ?? [])];
  const remove = [...new Set([...(upstream.remove ?? []), ...(own.remove ?? [])])];
  const body = own.body !== undefined ? own.body : upstream.body;
  return {
    ...target,
    edits: { ...(headers.length > 0 ? { headers } : {}), ...(remove.length > 0 ? { remove } : {}), ...(body === undefined ? {} : { body }) },
  };
}
