/**
 * Validation of a CPL script at upload, in stages: size/DOCTYPE/entities/limits (source scan),
 * well-formedness (libxml2), structure and namespaces, the checks the schema cannot express,
 * then the RFC 3880 XML Schema as a backstop. Never hangs: every stage is linear in the input,
 * which is bounded by the byte limit, and nothing is fetched.
 */
import type { CplDiagnostic } from '../diagnostics/diagnostic.js';
import { resolveLimits } from '../parse/limits.js';
import { parseCplXml } from '../parse/parse-xml.js';
import type { RawElement } from '../parse/raw-tree.js';
import { checkAddressOutput, checkAddressSwitch } from './check-address.js';
import { checkStructure, isCplElement } from './check-structure.js';
import { checkSubactions } from './check-subactions.js';
import { checkTimeOutput, checkTimeSwitch } from './check-time.js';
import {
  checkLanguageOutput,
  checkLocation,
  checkLog,
  checkLookup,
  checkMail,
  checkPriorityOutput,
  checkProxy,
  checkReject,
  checkRemoveLocation,
  checkStringOutput,
} from './check-values.js';
import { Report } from './report.js';
import { resolvePolicy, type CplValidateOptions } from './validate-options.js';
import { validateAgainstSchema } from './xsd-validate.js';

export interface CplValidationResult {
  readonly ok: boolean;
  readonly errors: readonly CplDiagnostic[];
  readonly warnings: readonly CplDiagnostic[];
}

export interface CplValidatedScript extends CplValidationResult {
  /** The parsed tree, present when ok. */
  readonly root: RawElement | null;
}

export function validateCpl(xml: string, options?: CplValidateOptions): CplValidationResult {
  const { ok, errors, warnings } = validateCplTree(xml, options);
  return { ok, errors, warnings };
}

export function validateCplTree(xml: string, options?: CplValidateOptions): CplValidatedScript {
  const limits = resolveLimits(options?.limits);
  const parsed = parseCplXml(xml, limits);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, warnings: [], root: null };
  const policy = resolvePolicy(options, limits.maxOutputsPerSwitch);
  const report = new Report(policy);

  const rootOk = checkStructure(parsed.root, report, (el, parent) => {
    if (!isCplElement(el)) return;
    switch (el.localName) {
      case 'address-switch':
        return checkAddressSwitch(el, report);
      case 'address':
        return parent !== null ? checkAddressOutput(el, parent, report) : undefined;
      case 'string':
        return checkStringOutput(el, report);
      case 'language':
        return checkLanguageOutput(el, report);
      case 'time-switch':
        return checkTimeSwitch(el, report);
      case 'time':
        return parent !== null ? checkTimeOutput(el, parent, report) : undefined;
      case 'priority':
        return checkPriorityOutput(el, report);
      case 'location':
        return checkLocation(el, report);
      case 'lookup':
        return checkLookup(el, report);
      case 'remove-location':
        return checkRemoveLocation(el, report);
      case 'proxy':
        return checkProxy(el, report);
      case 'reject':
        return checkReject(el, report);
      case 'mail':
        return checkMail(el, report);
      case 'log':
        return checkLog(el, report);
      default:
        return undefined;
    }
  });
  if (rootOk) checkSubactions(parsed.root, report);
  if (report.errors.length === 0) {
    for (const e of validateAgainstSchema(parsed.root, policy.supportedExtensions)) report.errors.push(e);
  }
  const errors = sortDiagnostics(report.errors);
  return { ok: errors.length === 0, errors, warnings: sortDiagnostics(report.warnings), root: errors.length === 0 ? parsed.root : null };
}

function sortDiagnostics(list: readonly CplDiagnostic[]): CplDiagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.column - b.column);
}
