/**
 * What validation reports: a position, a stable rule code (see rules.ts) and a sentence an end
 * user understands, starting with "Line N:" when the problem has a place in the script.
 */
import type { CplRule } from './rules.js';

export interface CplDiagnostic {
  /** 1-based line, or 0 when the problem concerns the whole script. */
  readonly line: number;
  /** 1-based column, or 0 when unknown. */
  readonly column: number;
  readonly rule: CplRule;
  readonly message: string;
}

export function diagnostic(rule: CplRule, line: number, column: number, text: string): CplDiagnostic {
  return { line, column, rule, message: line > 0 ? `Line ${line}: ${text}` : text };
}
