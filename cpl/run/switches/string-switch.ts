/** string-switch (RFC 3880 §4.2): header values, NFKC + caseless `is` or `contains`. */
import type { StringSwitchNode } from '../../compile/compiled-script.js';
import { foldCase } from '../../text/fold-case.js';
import type { CallContext } from '../call-context.js';
import { absent, type SwitchResult } from './switch-result.js';

export function evaluateStringSwitch(node: StringSwitchNode, ctx: CallContext, trace: boolean): SwitchResult {
  const raw = ctx.stringField(node.field);
  if (raw === null) return absent(node.notPresent, node.otherwise, trace ? `${node.field}: not present in the call` : '');
  const folded = foldCase(raw);
  for (const c of node.cases) {
    if (c.op === 'is' ? folded === c.folded : folded.includes(c.folded)) {
      return { branch: c, detail: trace ? `${node.field}: "${raw}" ${c.op === 'is' ? 'is' : 'contains'} "${c.value}"` : '' };
    }
  }
  return { branch: node.otherwise, detail: trace ? `${node.field}: "${raw}" matched no <string>` : '' };
}
