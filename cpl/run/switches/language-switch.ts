/** language-switch (RFC 3880 §4.3, matching rules in text/language-range.ts). */
import type { LanguageSwitchNode } from '../../compile/compiled-script.js';
import { parseLanguageRanges, rangeMatchesTag } from '../../text/language-range.js';
import type { CallContext } from '../call-context.js';
import { absent, type SwitchResult } from './switch-result.js';

/**
 * §4.3: not-present when Accept-Language is absent; a header that is present but empty gives no
 * ranges, so `otherwise` is taken (cpl.md open point 17).
 */
export function evaluateLanguageSwitch(node: LanguageSwitchNode, ctx: CallContext, trace: boolean): SwitchResult {
  const values = ctx.header('accept-language');
  if (values === null) return absent(node.notPresent, node.otherwise, trace ? 'Accept-Language: not present in the call' : '');
  const ranges = parseLanguageRanges(values);
  for (const c of node.cases) {
    const hit = ranges.find((r) => rangeMatchesTag(r, c.tag, node.matching));
    if (hit !== undefined) return { branch: c, detail: trace ? `caller's language range ${hit} matches ${c.tag}` : '' };
  }
  return { branch: node.otherwise, detail: trace ? `caller's languages ${ranges.length > 0 ? ranges.join(', ') : '(none)'} match no <language>` : '' };
}
