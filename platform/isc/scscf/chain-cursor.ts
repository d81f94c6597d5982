/**
 * The S-CSCF's "next unexecuted iFC" (24.229 §5.4.3.2 step 4, §5.4.3.3): strictly increasing
 * positions in priority order, never revisited (isc.md §3.5). iFCs whose ServerName names this
 * server are "internal": our own engines already run in the services stage, so the chain skips
 * them rather than send the request to ourselves (a documented simplification).
 */
import type { SipRequest } from '../../sip/index.js';
import type { IfcEngine, EvaluationContext } from '../ifc-engine.js';
import type { InitialFilterCriteria } from '../ifc-model.js';

export interface ChainStep {
  /** Position in evaluation order; resume with `position + 1`. */
  position: number;
  ifc: InitialFilterCriteria;
}

export function nextExternalIfc(
  engine: IfcEngine,
  request: SipRequest,
  ctx: EvaluationContext,
  from: number,
  isInternal: (serverName: string) => boolean,
): { step?: ChainStep; skippedInternal: ChainStep[] } {
  const skippedInternal: ChainStep[] = [];
  let position = from;
  for (;;) {
    const found = engine.next(request, ctx, position);
    if (!found) return { skippedInternal };
    if (!isInternal(found.ifc.applicationServer.serverName)) return { step: found, skippedInternal };
    skippedInternal.push(found);
    position = found.position + 1;
  }
}
