/**
 * Runs a script against an imagined call: targets behave as the outcome table says, lookups
 * return the given registrations, the clock is fixed at the call's time (and moves on by the
 * timeouts that run out). The result says which nodes ran and why, what the host was asked
 * to do in order, and the final decision. It is plain data (JSON.stringify-safe).
 */
import type { CompiledCpl } from '../compile/compiled-script.js';
import { compileCpl } from '../compile/compile-cpl.js';
import type { CplCompileOptions } from '../compile/compile-options.js';
import type { CplDiagnostic } from '../diagnostics/diagnostic.js';
import { CplSession } from '../run/cpl-session.js';
import type { CplCallFacts, CplDecision, CplHeaders, CplMailRequest } from '../run/host.js';
import type { CplRunOptions } from '../run/run-options.js';
import type { CplTraceStep } from '../run/trace.js';
import { formatOutcome } from './outcome-spec.js';
import { simulateLookup, simulateProxy, type Attempt, type OutcomeTable } from './simulated-host.js';

export interface CplSimulatedCall {
  /** Default "incoming". */
  readonly direction?: 'incoming' | 'outgoing';
  readonly method?: string;
  /** From header value, e.g. `"Boss" <sip:boss@example.com>`. */
  readonly from: string;
  /** To header value. */
  readonly to: string;
  /** Default: the URI of `to`. */
  readonly requestUri?: string;
  readonly subject?: string;
  readonly organization?: string;
  readonly userAgent?: string;
  readonly acceptLanguage?: string;
  readonly priority?: string;
  readonly headers?: CplHeaders;
  /** When the call arrives: ISO string, epoch milliseconds or Date. Default now. */
  readonly time?: string | number | Date;
  /** What lookup source="registration" finds: `notfound`, `failure` or addresses. Default notfound. */
  readonly registrations?: string;
}

export interface CplSimulateOptions extends CplCompileOptions {
  /** Outcome of targets not in the table. Default "noanswer". */
  readonly unlistedOutcome?: string;
  /** Redirection levels followed when recurse is yes. Default 5 (cpl.md open point 13). */
  readonly maxRedirects?: number;
  /** Seconds a proxy without timeout rings. Default 60. */
  readonly serverMaxRingSeconds?: number;
  /** Engine options (userIsPhone, limits...). Clock, trace and effects are set by the simulator. */
  readonly run?: Omit<CplRunOptions, 'clock' | 'trace' | 'effects'>;
}

export type CplSimulatedAction =
  | {
      readonly kind: 'proxy';
      readonly nodeId: number;
      readonly line: number;
      readonly targets: readonly string[];
      readonly ordering: string;
      readonly timeoutSeconds: number | null;
      readonly recurse: boolean;
      readonly attempts: readonly Attempt[];
      readonly result: string;
    }
  | { readonly kind: 'lookup'; readonly nodeId: number; readonly line: number; readonly source: string; readonly result: string }
  | { readonly kind: 'mail'; readonly nodeId: number; readonly to: readonly string[]; readonly subject: string; readonly body: string }
  | { readonly kind: 'log'; readonly nodeId: number; readonly name: string | null; readonly comment: string | null }
  | { readonly kind: 'extension'; readonly nodeId: number; readonly namespace: string; readonly name: string; readonly attributes: Readonly<Record<string, string>> };

export interface CplSimulation {
  /** False when the script did not validate (then `errors` says why and nothing ran). */
  readonly ok: boolean;
  readonly errors: readonly CplDiagnostic[];
  readonly warnings: readonly CplDiagnostic[];
  readonly call: { readonly direction: 'incoming' | 'outgoing'; readonly from: string; readonly to: string; readonly requestUri: string; readonly time: string };
  /** The decision path: node ids with positions and a sentence per step. */
  readonly steps: readonly CplTraceStep[];
  readonly actions: readonly CplSimulatedAction[];
  readonly decision: CplDecision | null;
}

export function simulateCpl(
  script: string | CompiledCpl,
  call: CplSimulatedCall,
  outcomes: Readonly<Record<string, string>> = {},
  options: CplSimulateOptions = {},
): CplSimulation {
  const facts = toFacts(call);
  const start = call.time === undefined ? Date.now() : new Date(call.time).getTime();
  if (Number.isNaN(start)) throw new Error(`simulateCpl: time "${String(call.time)}" is not a date`);
  const summary = { direction: facts.direction, from: call.from, to: call.to, requestUri: facts.requestUri, time: new Date(start).toISOString() };

  let compiled: CompiledCpl;
  let warnings: readonly CplDiagnostic[] = [];
  if (typeof script === 'string') {
    const result = compileCpl(script, options);
    if (!result.ok) return { ok: false, errors: result.errors, warnings: result.warnings, call: summary, steps: [], actions: [], decision: null };
    compiled = result.script;
    warnings = result.warnings;
  } else {
    compiled = script;
  }

  const table: OutcomeTable = {
    outcomes,
    unlisted: options.unlistedOutcome ?? 'noanswer',
    maxRedirects: options.maxRedirects ?? 5,
    serverMaxRingSeconds: options.serverMaxRingSeconds ?? 60,
  };
  const actions: CplSimulatedAction[] = [];
  let elapsed = 0;
  const session = new CplSession(compiled, facts, {
    ...options.run,
    trace: true,
    clock: () => start + elapsed * 1000,
    effects: {
      mail: (m: CplMailRequest) => actions.push({ kind: 'mail', nodeId: m.nodeId, to: m.to, subject: m.subject, body: m.body }),
      log: (l) => actions.push({ kind: 'log', nodeId: l.nodeId, name: l.name, comment: l.comment }),
      extension: (e) => actions.push({ kind: 'extension', nodeId: e.nodeId, namespace: e.namespace, name: e.name, attributes: e.attributes }),
    },
  });
  let step = session.start();
  while (step.kind === 'action') {
    const action = step.action;
    if (action.kind === 'proxy') {
      const sim = simulateProxy(action, table);
      elapsed += sim.elapsedSeconds;
      actions.push({
        kind: 'proxy',
        nodeId: action.nodeId,
        line: action.line,
        targets: action.locations.map((l) => l.uri),
        ordering: action.ordering,
        timeoutSeconds: action.timeoutSeconds,
        recurse: action.recurse,
        attempts: sim.attempts,
        result: formatOutcome(sim.outcome),
      });
      step = session.resume(sim.outcome);
    } else {
      const sim = simulateLookup(action, table, call.registrations);
      actions.push({ kind: 'lookup', nodeId: action.nodeId, line: action.line, source: action.source, result: sim.result });
      step = session.resume(sim.outcome);
    }
  }
  return { ok: true, errors: [], warnings, call: summary, steps: session.trace, actions, decision: step.decision };
}

function toFacts(call: CplSimulatedCall): CplCallFacts {
  const headers: Record<string, string | readonly string[]> = { ...(call.headers ?? {}) };
  if (call.subject !== undefined) headers.subject = call.subject;
  if (call.organization !== undefined) headers.organization = call.organization;
  if (call.userAgent !== undefined) headers['user-agent'] = call.userAgent;
  if (call.acceptLanguage !== undefined) headers['accept-language'] = call.acceptLanguage;
  if (call.priority !== undefined) headers.priority = call.priority;
  const toUri = /<([^>]*)>/.exec(call.to)?.[1] ?? call.to.split(';')[0] ?? call.to;
  return {
    direction: call.direction ?? 'incoming',
    method: call.method ?? 'INVITE',
    requestUri: call.requestUri ?? toUri.trim(),
    from: call.from,
    to: call.to,
    headers,
  };
}
