/**
 * One proxy attempt of the simulated core (RFC 3261 §16.6–16.8, 16.10 — the behaviour of
 * platform/proxy's response context, on the virtual clock): forks the targets in groups
 * (parallel, sequential or by q), rings each group for the decision's timeout (20 s between
 * sequential groups when none is given, Timer C otherwise), forwards provisional responses,
 * ends at the first 2xx (CANCELling the rest) and otherwise picks the best final response.
 */
import type { MessageEdits, ProxyDecision, ResponseVerdict, ServiceResponse } from '../services/index.js';
import { applyMessageEdits } from '../services/index.js';
import { generateBranch, type HeaderField, type SipRequest } from '../sip/index.js';
import type { Activity } from './activity.js';
import type { Network, OutboundInvite } from './network.js';
import type { FinalAnswer } from './phones.js';
import type { VirtualClock } from './virtual-clock.js';

/** platform/proxy defaults (proxy-config.ts). */
export const PROXY_DEFAULTS = { sequentialTimeoutMs: 20_000, timerCMs: 185_000 } as const;

export interface ResolvedTarget {
  readonly uri: string;
  readonly q?: number;
  readonly edits?: MessageEdits;
}

export interface CollectedAnswer extends FinalAnswer {
  readonly target: string;
  /** Made by the core (timeout, transport failure, cancelled before any provisional). */
  readonly local: boolean;
}

export type ContextResult =
  | { kind: 'success'; answer: CollectedAnswer }
  | { kind: 'failure'; best: CollectedAnswer; noAnswer: boolean }
  | { kind: 'cancelled' }
  | { kind: 'taken'; verdict: Extract<ResponseVerdict, { kind: 'decide' }> };

export interface ProxyContextDeps {
  readonly network: Network;
  readonly clock: VirtualClock;
  readonly activity: Activity;
  /** A provisional response for the caller. */
  forwardProvisional(status: number, reason: string): void;
}

export interface ProxyContext {
  readonly result: Promise<ContextResult>;
  /** The caller CANCELled (§16.10): pending branches are CANCELled, the result is `cancelled`. */
  cancel(): void;
}

interface Branch {
  readonly target: ResolvedTarget;
  pending: boolean;
  outbound?: OutboundInvite;
  timerC?: { cancel(): void };
}

export function runProxyContext(deps: ProxyContextDeps, request: SipRequest, targets: readonly ResolvedTarget[], decision: ProxyDecision): ProxyContext {
  const { clock, network } = deps;
  const options = decision.options ?? {};
  const groups = groupTargets(targets, options.forking);
  const collected: CollectedAnswer[] = [];
  let current: Branch[] = [];
  const all: Branch[] = [];
  let groupTimer: { cancel(): void } | undefined;
  let finished = false;
  let hooks = Promise.resolve();
  let resolve!: (result: ContextResult) => void;
  const result = new Promise<ContextResult>((done) => (resolve = done));

  const end = (value: ContextResult): void => {
    if (finished) return;
    finished = true;
    groupTimer?.cancel();
    for (const branch of all) branch.timerC?.cancel();
    resolve(value);
  };

  const cancelPending = (except?: Branch): void => {
    for (const branch of all) {
      if (branch === except || !branch.pending) continue;
      branch.pending = false;
      branch.timerC?.cancel();
      branch.outbound?.cancel();
    }
  };

  const finish = (): void => {
    const best = chooseBest(collected) ?? { status: 408, reason: 'Request Timeout', headers: [], target: '', local: true };
    // §16.7 step 6: a 503 is not forwarded; the caller gets 500 (platform/proxy best-response.ts).
    const upstream = best.status === 503 ? { ...best, status: 500, reason: 'Server Internal Error' } : best;
    end({ kind: 'failure', best: upstream, noAnswer: collected.every((entry) => entry.local) });
  };

  const complete = (branch: Branch, answer: CollectedAnswer | undefined): void => {
    if (!branch.pending) return;
    branch.pending = false;
    branch.timerC?.cancel();
    if (answer) collected.push(answer);
    if (finished || current.some((other) => other.pending)) return;
    groupTimer?.cancel();
    nextGroup();
  };

  /** Pending branches count as a 408 from now on; their CANCEL (and its 487) comes after. */
  const giveUp = (branches: readonly Branch[]): void => {
    const pending = branches.filter((branch) => branch.pending);
    for (const branch of pending) {
      branch.pending = false;
      branch.timerC?.cancel();
      collected.push({ status: 408, reason: 'Request Timeout', headers: [], target: branch.target.uri, local: true });
    }
    for (const branch of pending) branch.outbound?.cancel();
    if (finished || current.some((other) => other.pending)) return;
    groupTimer?.cancel();
    nextGroup();
  };

  const startTimerC = (branch: Branch): void => {
    branch.timerC?.cancel();
    // §16.8: with a provisional the branch is CANCELled; either way it counts as a 408.
    branch.timerC = clock.setTimeout(() => giveUp([branch]), PROXY_DEFAULTS.timerCMs);
  };

  const onProvisional = (branch: Branch, status: number, reason: string): void => {
    if (!branch.pending || finished) return;
    startTimerC(branch);
    deps.forwardProvisional(status, reason);
  };

  const onFinal = (branch: Branch, answer: CollectedAnswer): void => {
    if (!branch.pending || finished) return;
    if (answer.status >= 200 && answer.status < 300) {
      branch.pending = false;
      cancelPending(branch);
      end({ kind: 'success', answer });
      return;
    }
    if (answer.status >= 600) {
      // §16.7 step 5: a 6xx ends the search — pending branches are CANCELled, no more groups.
      groups.length = 0;
      complete(branch, answer);
      cancelPending();
      if (!finished) finish();
      return;
    }
    complete(branch, answer);
  };

  /** Supervised proxies (ProxyDecision.onResponse) hear every response first, in order. */
  const consult = (branch: Branch, answer: CollectedAnswer | { status: number; reason: string }, act: () => void): void => {
    const hook = decision.onResponse;
    if (hook === undefined || ('local' in answer && answer.local)) return act();
    const response: ServiceResponse = { status: answer.status, reason: answer.reason, headers: 'headers' in answer ? [...answer.headers] : [], target: branch.target.uri };
    hooks = hooks.then(async () => {
      // A hook that throws gets the default handling (platform/proxy response-context.ts).
      const verdict: ResponseVerdict = await deps.activity.track(Promise.resolve(hook(response))).catch(() => ({ kind: 'default' as const }));
      if (verdict.kind === 'absorb') {
        if (answer.status >= 200) complete(branch, undefined);
        return;
      }
      if (verdict.kind === 'decide' && answer.status >= 200 && verdict.decision.kind !== 'continue') {
        branch.pending = false;
        cancelPending();
        end({ kind: 'taken', verdict });
        return;
      }
      act();
    });
  };

  const startBranch = (branch: Branch): void => {
    const copy = branch.target.edits ? applyMessageEdits(request, branch.target.edits) : request;
    const outgoing = { method: request.method, uri: branch.target.uri, callId: request.callId, headers: forwardedHeaders(copy, options.recordRoute === true), body: copy.body.toString('utf8') };
    if (request.method !== 'INVITE') {
      // A non-INVITE is answered at once by the kit's phones (or fails with a local 503).
      const { local, ...answer } = network.request(outgoing);
      const entry = { ...answer, target: branch.target.uri, local };
      consult(branch, entry, () => onFinal(branch, entry));
      return;
    }
    branch.outbound = network.invite(
      outgoing,
      {
        provisional: (status, reason) => consult(branch, { status, reason }, () => onProvisional(branch, status, reason)),
        final: (answer, local) => {
          const entry = { ...answer, target: branch.target.uri, local };
          consult(branch, entry, () => onFinal(branch, entry));
        },
      },
    );
    if (branch.pending) startTimerC(branch);
  };

  const nextGroup = (): void => {
    const group = groups.shift();
    if (group === undefined || group.length === 0) return finish();
    current = group.map((target) => ({ target, pending: true }));
    all.push(...current);
    const timeout = options.timeoutMs ?? (groups.length > 0 ? PROXY_DEFAULTS.sequentialTimeoutMs : undefined);
    if (timeout !== undefined) {
      const ringing = current;
      // The group rang long enough: its branches count as "no answer" and are CANCELled.
      groupTimer = clock.setTimeout(() => giveUp(ringing), timeout);
    }
    for (const branch of [...current]) if (branch.pending && !finished) startBranch(branch);
  };

  nextGroup();
  return {
    result,
    cancel: () => {
      if (finished) return;
      cancelPending();
      end({ kind: 'cancelled' });
    },
  };
}

/** The request as a proxy forwards it: our Via on top, Max-Forwards − 1, Record-Route if asked. */
function forwardedHeaders(request: SipRequest, recordRoute: boolean): HeaderField[] {
  const out: HeaderField[] = [{ name: 'Via', value: `SIP/2.0/UDP sb.testkit;branch=${generateBranch()}` }];
  if (recordRoute) out.push({ name: 'Record-Route', value: '<sip:sb.testkit;lr>' });
  for (const field of request.headerFields) {
    if (field.name.toLowerCase() === 'max-forwards') out.push({ name: field.name, value: String(Math.max(0, Number(field.value) - 1)) });
    else out.push({ name: field.name, value: field.value });
  }
  return out;
}

/** platform/proxy target.ts: parallel, sequential by q, or equal-q groups in decreasing q. */
function groupTargets(targets: readonly ResolvedTarget[], mode: 'parallel' | 'sequential' | undefined): ResolvedTarget[][] {
  if (targets.length === 0) return [];
  if (mode === 'parallel') return [[...targets]];
  const sorted = targets.map((target, index) => ({ target, index, q: target.q ?? 1 })).sort((a, b) => b.q - a.q || a.index - b.index);
  if (mode === 'sequential') return sorted.map(({ target }) => [target]);
  const groups: ResolvedTarget[][] = [];
  let lastQ: number | undefined;
  for (const { target, q } of sorted) {
    if (q !== lastQ) groups.push([]);
    groups[groups.length - 1]!.push(target);
    lastQ = q;
  }
  return groups;
}

/** §16.7 step 6 (platform/proxy best-response.ts): 6xx first, else the lowest class; within
 *  it 401/407/415/420/484, then real before made-up responses, then the lowest status. */
function chooseBest(collected: readonly CollectedAnswer[]): CollectedAnswer | undefined {
  const finals = collected.filter((entry) => entry.status >= 300);
  if (finals.length === 0) return undefined;
  const sixes = finals.filter((entry) => entry.status >= 600);
  const lowest = Math.min(...finals.map((entry) => Math.floor(entry.status / 100)));
  const pool = sixes.length > 0 ? sixes : finals.filter((entry) => Math.floor(entry.status / 100) === lowest);
  const preferred = [401, 407, 415, 420, 484];
  const rank = (status: number): number => (preferred.includes(status) ? preferred.indexOf(status) : preferred.length);
  let best: CollectedAnswer | undefined;
  for (const entry of pool) {
    if (best === undefined) best = entry;
    else if (rank(entry.status) !== rank(best.status)) best = rank(entry.status) < rank(best.status) ? entry : best;
    else if (entry.local !== best.local) best = entry.local ? best : entry;
    else if (entry.status < best.status) best = entry;
  }
  return best;
}
