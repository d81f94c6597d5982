/**
 * Upload, read and removal of users' scripts, shared by the HTTP API, the CLI and REGISTER
 * uploads. Uploads are atomic: a script is validated and compiled first and stored only when
 * it is valid, so a rejected upload leaves the previous script active (cpl.md §12).
 */
import { compileCpl, validateCpl, type CplCompileOptions, type CplDiagnostic, type CplScriptCache } from '../index.js';
import type { CplScriptStore, CplStoredScript } from './ports.js';

export type CplUploadResult =
  | { readonly ok: true; readonly record: CplStoredScript; readonly created: boolean; readonly warnings: readonly CplDiagnostic[] }
  | { readonly ok: false; readonly errors: readonly CplDiagnostic[]; readonly warnings: readonly CplDiagnostic[] };

export interface CplScriptManagerOptions {
  /** The same policy the engine compiles with (live engine and uploads must agree). */
  readonly compile?: CplCompileOptions;
  /** The engine's cache in this process: refreshed at once on upload and removal. Other
   *  processes (the CLI) are covered by the engine's per-call hash check. */
  readonly cache?: CplScriptCache;
}

export class CplScriptManager {
  constructor(
    private readonly store: CplScriptStore,
    private readonly options: CplScriptManagerOptions = {},
  ) {}

  validate(xml: string): { ok: boolean; errors: readonly CplDiagnostic[]; warnings: readonly CplDiagnostic[] } {
    return validateCpl(xml, this.options.compile);
  }

  async upload(aor: string, xml: string): Promise<CplUploadResult> {
    const result = compileCpl(xml, this.options.compile);
    if (!result.ok) return { ok: false, errors: result.errors, warnings: result.warnings };
    const { record, created } = await this.store.put(aor, xml, result.script.hash);
    const cache = this.options.cache;
    if (cache !== undefined) {
      cache.invalidate(record.aor);
      cache.put(record.aor, result.script);
    }
    return { ok: true, record, created, warnings: result.warnings };
  }

  get(aor: string): Promise<CplStoredScript | undefined> {
    return this.store.get(aor);
  }

  async remove(aor: string): Promise<boolean> {
    const removed = await this.store.remove(aor);
    this.options.cache?.invalidate(aor);
    return removed;
  }
}

/** `Line 3, column 5 [rule]: message` lines for people (CLI, REGISTER error bodies). */
export function formatProblems(problems: readonly CplDiagnostic[], label = 'error'): string {
  return problems.map((p) => `${label}: ${p.line > 0 ? `${p.line}:${p.column}: ` : ''}[${p.rule}] ${p.message.replace(/^Line \d+: /u, '')}\n`).join('');
}
