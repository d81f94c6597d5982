/** priority-switch (RFC 3880 §4.5). */
import { PRIORITY_RANK, type PrioritySwitchNode } from '../../compile/compiled-script.js';
import type { CallContext } from '../call-context.js';
import type { SwitchResult } from './switch-result.js';


/**
 * §4.5: emergency > urgent > normal > non-urgent. No Priority header means "normal"; an unknown
 * value counts as normal for less/greater and "is compared literally for 'equal'" (here
 * case-insensitively, cpl.md open point 8). `not-present` is never true.
 */
export function evaluatePrioritySwitch(node: PrioritySwitchNode, ctx: CallContext, trace: boolean): SwitchResult {
  const header = ctx.header('priority');
  const literal = header === null || header.length === 0 ? 'normal' : (header[0] ?? '').trim().toLowerCase();
  const rank = PRIORITY_RANK[literal] ?? 1;
  for (const c of node.cases) {
    const hit = c.op === 'equal' ? literal === c.value : c.op === 'greater' ? rank > c.rank : rank < c.rank;
    if (hit) return { branch: c, detail: trace ? `priority ${literal}${header === null ? ' (no Priority header)' : ''} is ${c.op === 'equal' ? 'equal to' : `${c.op} than`} ${c.value}` : '' };
  }
  return { branch: node.otherwise, detail: trace ? `priority ${literal}${header === null ? ' (no Priority header)' : ''} matched no <priority>` : '' };
}
