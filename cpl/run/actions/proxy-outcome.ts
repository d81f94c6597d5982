/**
 * Which proxy output a result selects (RFC 3880 §6.1.1, SIP mapping):
 * 2xx → success (the script ends, the call proceeds); 486 or 600 → busy; 3xx → redirection
 * (only with recurse="no": with "yes" the redirection output "is never taken", so the default
 * output applies); any other 4xx/5xx/6xx (408 and 603 included) → failure; no final response
 * before the timeout → noanswer; nothing could be tried → failure.
 */
import type { Branch, ProxyNode } from '../../compile/compiled-script.js';
import { reasonPhrase } from '../../text/sip-reason.js';
import type { CplProxyOutcome } from '../host.js';

export type ProxyCondition = 'success' | 'busy' | 'noanswer' | 'redirection' | 'failure';

export function classifyProxyOutcome(outcome: CplProxyOutcome): ProxyCondition {
  if (outcome.kind === 'noanswer') return 'noanswer';
  if (outcome.kind === 'unreachable') return 'failure';
  const s = outcome.status;
  if (s >= 200 && s < 300) return 'success';
  if (s === 486 || s === 600) return 'busy';
  if (s >= 300 && s < 400) return 'redirection';
  return 'failure';
}

/**
 * The output to follow: the condition's own output if the script has it, else `default`
 * (§6.1: "If one of the conditions above is true, but the corresponding output was not
 * specified, the 'default' output ... is followed instead"), else null (§10 default behaviour).
 */
export function proxyOutput(node: ProxyNode, condition: Exclude<ProxyCondition, 'success'>): { branch: Branch | null; name: string } {
  const own = condition === 'redirection' && node.recurse ? null : node[condition];
  if (own !== null) return { branch: own, name: condition };
  return { branch: node.default, name: node.default !== null ? 'default' : condition };
}

export function describeOutcome(outcome: CplProxyOutcome): string {
  if (outcome.kind === 'noanswer') return 'no answer before the timeout';
  if (outcome.kind === 'unreachable') return `could not be tried${outcome.reason !== undefined ? ` (${outcome.reason})` : ''}`;
  return `${outcome.status} ${outcome.reason ?? reasonPhrase(outcome.status)}`;
}
