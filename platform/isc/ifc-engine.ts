/**
 * The iFC evaluation engine: one service profile's initial Filter Criteria compiled once, then
 * evaluated against requests. One engine serves the ISC role (the S-CSCF chain: `next`) and the
 * standalone application selection of the app container (`evaluate`).
 *
 * Order (TS 29.228 Annex B): ascending Priority, lower value = higher priority. Ties are a
 * provisioning error ("the same priority shall not be assigned to more than one iFC"); the
 * loaders refuse them by default, and when a profile with ties is compiled anyway they run in
 * document order (Clearwater's choice; Kamailio uses reverse document order) and a warning is
 * logged.
 * ProfilePartIndicator: REGISTERED iFCs run only for a registered served user, UNREGISTERED only
 * for an unregistered one, absent in both states. A missing TriggerPoint matches unconditionally.
 * An iFC that does not compile (bad regular expression, bad header name …) is skipped and logged
 * (isc.md §12 #14: skip the iFC rather than fail the call).
 */
import type { Logger } from '../log/logger.js';
import type { SipRequest } from '../sip/index.js';
import { CompiledTrigger, type TriggerExplanation } from './compiled-trigger.js';
import { type InitialFilterCriteria, labelOf, ProfilePartIndicator } from './ifc-model.js';
import { RequestView, type RequestUriTarget } from './request-view.js';
import { compileSpt, type EvaluationContext, type SptMatcher } from './spt-matcher.js';

export type { EvaluationContext } from './spt-matcher.js';

export interface IfcEngineOptions {
  /** What RequestURI SPTs match against; default `hostport` (see request-view.ts). */
  requestUriTarget?: RequestUriTarget;
}

export interface InvalidIfc {
  ifc: InitialFilterCriteria;
  error: string;
}

/** One iFC's outcome for one request, with the reasons in words. */
export interface IfcVerdict {
  /** Index in evaluation order (priority order). */
  position: number;
  ifc: InitialFilterCriteria;
  fired: boolean;
  /** Why it fired or not, in one line. */
  summary: string;
  /** Per-SPT explanations (empty when the trigger point was not evaluated). */
  spts: string[];
}

interface CompiledIfc {
  ifc: InitialFilterCriteria;
  trigger: CompiledTrigger | undefined;
}

export class IfcEngine {
  readonly #compiled: CompiledIfc[];
  readonly #target: RequestUriTarget;
  /** iFCs left out because they do not compile. */
  readonly invalid: readonly InvalidIfc[];

  private constructor(compiled: CompiledIfc[], invalid: InvalidIfc[], target: RequestUriTarget) {
    this.#compiled = compiled;
    this.invalid = invalid;
    this.#target = target;
  }

  static compile(criteria: readonly InitialFilterCriteria[], logger: Logger, options: IfcEngineOptions = {}): IfcEngine {
    const ordered = criteria
      .map((ifc, index) => ({ ifc, index }))
      .sort((a, b) => a.ifc.priority - b.ifc.priority || a.index - b.index)
      .map((entry) => entry.ifc);
    const compiled: CompiledIfc[] = [];
    const invalid: InvalidIfc[] = [];
    for (const ifc of ordered) {
      const result = compileIfc(ifc);
      if ('error' in result) {
        invalid.push({ ifc, error: result.error });
        logger.warn({ priority: ifc.priority, server: ifc.applicationServer.serverName, error: result.error }, 'invalid iFC skipped');
      } else {
        compiled.push(result);
      }
    }
    for (let i = 1; i < ordered.length; i++) {
      if (ordered[i]!.priority === ordered[i - 1]!.priority) {
        logger.warn({ priority: ordered[i]!.priority }, 'iFCs share a priority (TS 29.228 Annex B forbids it); evaluating them in document order');
      }
    }
    return new IfcEngine(compiled, invalid, options.requestUriTarget ?? 'hostport');
  }

  /** The iFCs that will be evaluated, in evaluation order. */
  get criteria(): InitialFilterCriteria[] {
    return this.#compiled.map((c) => c.ifc);
  }

  /** Every iFC that fires for this request, in evaluation order. */
  evaluate(request: SipRequest, ctx: EvaluationContext): InitialFilterCriteria[] {
    const view = new RequestView(request, this.#target);
    const fired: InitialFilterCriteria[] = [];
    for (const c of this.#compiled) if (fires(c, view, ctx)) fired.push(c.ifc);
    return fired;
  }

  /**
   * The first iFC at or after `from` (a position in evaluation order) that fires — the S-CSCF's
   * "next unexecuted iFC" (24.229 §5.4.3.2 step 4), evaluated against the request as it is now
   * (as returned by the previous AS). Resume with `from = position + 1`.
   */
  next(request: SipRequest, ctx: EvaluationContext, from = 0): { position: number; ifc: InitialFilterCriteria } | undefined {
    const view = new RequestView(request, this.#target);
    for (let i = Math.max(0, from); i < this.#compiled.length; i++) {
      const c = this.#compiled[i]!;
      if (fires(c, view, ctx)) return { position: i, ifc: c.ifc };
    }
    return undefined;
  }

  /** Every iFC's verdict with the reasons, in evaluation order (slower: builds the text). */
  explain(request: SipRequest, ctx: EvaluationContext): IfcVerdict[] {
    const view = new RequestView(request, this.#target);
    return this.#compiled.map((c, position) => {
      const { ifc } = c;
      const part = partMismatch(ifc, ctx);
      if (part !== undefined) return { position, ifc, fired: false, summary: part, spts: [] };
      if (!c.trigger) return { position, ifc, fired: true, summary: 'no TriggerPoint: fires unconditionally', spts: [] };
      const explanation: TriggerExplanation = c.trigger.explain(view, ctx);
      return { position, ifc, fired: explanation.result, summary: explanation.summary, spts: explanation.spts };
    });
  }
}

function compileIfc(ifc: InitialFilterCriteria): CompiledIfc | { error: string } {
  if (!ifc.triggerPoint) return { ifc, trigger: undefined };
  const matchers: SptMatcher[] = [];
  for (const spt of ifc.triggerPoint.spts) {
    const result = compileSpt(spt);
    if (!result.ok) return { error: result.error };
    matchers.push(result.matcher);
  }
  return { ifc, trigger: new CompiledTrigger(ifc.triggerPoint, matchers) };
}

function fires(c: CompiledIfc, view: RequestView, ctx: EvaluationContext): boolean {
  const part = c.ifc.profilePartIndicator;
  if (part !== undefined && (part === ProfilePartIndicator.REGISTERED) !== ctx.registered) return false;
  return c.trigger === undefined || c.trigger.test(view, ctx);
}

/** Why ProfilePartIndicator keeps this iFC out, or undefined when it does not. */
function partMismatch(ifc: InitialFilterCriteria, ctx: EvaluationContext): string | undefined {
  const part = ifc.profilePartIndicator;
  if (part === undefined || (part === ProfilePartIndicator.REGISTERED) === ctx.registered) return undefined;
  const state = ctx.registered ? 'registered' : 'unregistered';
  return `ProfilePartIndicator ${labelOf(ProfilePartIndicator, part)}: not evaluated for a ${state} served user`;
}
