/**
 * Protocol-specific metavariables (RFC 3050 §5.5.1.5): one `SIP_<NAME>` per header field name,
 * the name "converted to upper case, with all '-' replaced by '_'", compact forms expanded first
 * (spec notes §11 #17: the rewrite does not change semantics). Fields of one name are combined
 * "as though received as a single header field" (comma-joined; folding was already undone by
 * the parser), and Authorization / Proxy-Authorization are withheld (§5.5.1.5, §7.3).
 */
import type { HeaderField } from '../sip/index.js';
import { canonicalName } from '../sip/index.js';

/** Never exposed: they carry credentials (§7.3: the password "SHOULD NOT be passed"). */
export const WITHHELD_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization']);

/** `P-Asserted-Identity` → `SIP_P_ASSERTED_IDENTITY`, `i` → `SIP_CALL_ID`. */
export function headerVariableName(fieldName: string): string {
  return `SIP_${canonicalName(fieldName).toUpperCase().replace(/-/g, '_')}`;
}

/** Environment values cannot hold NUL; line breaks would forge lines in the script's view. */
function envSafe(value: string): string {
  return /[\0\r\n]/.test(value) ? value.replace(/\0/g, '').replace(/[\r\n]+/g, ' ') : value;
}

/**
 * The SIP_* variables of a message, in first-appearance order. A field with an empty value gives
 * a null variable ('' — present, zero length, §5.5.1); an absent header gives none (undefined).
 */
export function headerVariables(fields: readonly HeaderField[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of fields) {
    if (WITHHELD_HEADERS.has(canonicalName(field.name).toLowerCase())) continue;
    const name = headerVariableName(field.name);
    const value = envSafe(field.value);
    const before = out.get(name);
    if (before === undefined) out.set(name, value);
    else if (value !== '') out.set(name, before === '' ? value : `${before}, ${value}`);
  }
  return out;
}
