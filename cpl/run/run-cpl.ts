/**
 * Drives a CplSession to its decision with an asynchronous host. A host that throws is treated
 * as a failed operation (proxy: "could not be tried", lookup: failure), never as a crash.
 */
import type { CompiledCpl } from '../compile/compiled-script.js';
import { CplSession } from './cpl-session.js';
import type { CplCallFacts, CplDecision, CplLookupAction, CplLookupOutcome, CplProxyAction, CplProxyOutcome } from './host.js';
import type { CplRunOptions } from './run-options.js';
import type { CplTraceStep } from './trace.js';

export interface CplAsyncHost {
  proxy(action: CplProxyAction): Promise<CplProxyOutcome>;
  lookup(action: CplLookupAction): Promise<CplLookupOutcome>;
}

export interface CplRunResult {
  readonly decision: CplDecision;
  /** Node ids in the order they ran. */
  readonly path: readonly number[];
  /** Empty unless options.trace. */
  readonly trace: readonly CplTraceStep[];
}

export async function runCpl(script: CompiledCpl, call: CplCallFacts, host: CplAsyncHost, options?: CplRunOptions): Promise<CplRunResult> {
  const session = new CplSession(script, call, options);
  let step = session.start();
  while (step.kind === 'action') {
    const action = step.action;
    if (action.kind === 'proxy') {
      let outcome: CplProxyOutcome;
      try {
        outcome = await host.proxy(action);
      } catch (e) {
        outcome = { kind: 'unreachable', reason: e instanceof Error ? e.message : String(e) };
      }
      step = session.resume(outcome);
    } else {
      let outcome: CplLookupOutcome;
      try {
        outcome = await host.lookup(action);
      } catch (e) {
        outcome = { kind: 'failure', reason: e instanceof Error ? e.message : String(e) };
      }
      step = session.resume(outcome);
    }
  }
  return { decision: step.decision, path: session.path, trace: session.trace };
}
