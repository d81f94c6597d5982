/**
 * What a switch decided (RFC 3880 §4): the first matching output, `not-present` when the value
 * is absent, else `otherwise`, else nothing (the default behaviour, §10).
 *
 * When the value is absent and there is no `not-present` output, `otherwise` IS taken (it
 * "matches if no other condition matched"; cpl.md §4 and open point 7; Kamailio differs).
 */
import type { Branch } from '../../compile/compiled-script.js';

export interface SwitchResult {
  /** The output taken, or null when none applies. */
  readonly branch: Branch | null;
  /** A human description of the value and the comparison, filled only when tracing. */
  readonly detail: string;
}

export function absent(notPresent: Branch | null, otherwise: Branch | null, detail: string): SwitchResult {
  return { branch: notPresent ?? otherwise, detail };
}
