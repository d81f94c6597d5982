/** Collects errors and warnings during validation. */
import { diagnostic, type CplDiagnostic } from '../diagnostics/diagnostic.js';
import type { CplRule } from '../diagnostics/rules.js';
import type { RawAttribute, RawElement } from '../parse/raw-tree.js';
import type { ResolvedPolicy } from './validate-options.js';

export class Report {
  readonly errors: CplDiagnostic[] = [];
  readonly warnings: CplDiagnostic[] = [];

  constructor(readonly policy: ResolvedPolicy) {}

  error(rule: CplRule, at: RawElement | RawAttribute | { line: number; column: number }, message: string): void {
    this.errors.push(diagnostic(rule, at.line, at.column, message));
  }

  warn(rule: CplRule, at: RawElement | RawAttribute | { line: number; column: number }, message: string): void {
    this.warnings.push(diagnostic(rule, at.line, at.column, message));
  }
}
