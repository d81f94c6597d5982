/**
 * The response context of a stateful proxy (RFC 3261 §16.6, §16.7, §16.8, §16.10): one per
 * proxied request. It forks the target set into branches (client transactions), tries the groups
 * one after the other, forwards provisional and 2xx responses as they come, collects the other
 * final responses and, when no branch succeeded, sends the best of them upstream.
 *
 *   start ──► group 1 ──(all branches failed, no 6xx)──► group 2 ──► … ──► best response
 *               │  2xx ──► forwarded at once; pending branches CANCELled, no further groups
 *               │  6xx ──► pending branches CANCELled, no further groups, then best response (6xx)
 *               │  3xx ──► (recursion on) contacts become the next group
 *               │  group timeout / Timer C ──► branch CANCELled, counts as 408 ("no answer")
 *   upstream CANCEL ──► pending branches CANCELled; the caller gets 487
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, type SipRequest, type SipResponse } from '../sip/index.js';
import { createCancel } from '../transaction/create-cancel.js';
import type { ClientTransaction, TransactionLayer } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser, ServerTransaction } from '../transaction/transaction-user.js';
import type { Destination, TransportError } from '../transport/types.js';
import {
  chooseBestResponse,
  convertServiceUnavailable,
  mergeChallenges,
  mergeRedirectContacts,
  type CollectedResponse,
} from './best-response.js';
import { prepareCopy } from './forward-request.js';
import type { ProxyIdentity } from './local-identity.js';
import { createBranch } from './loop-detection.js';
import type { HostResolver } from './next-hop.js';
import { NextHopError } from './next-hop.js';
import type { ProxyConfig } from './proxy-config.js';
import { Branch } from './branch.js';
import type { TimerWheel } from './timer-wheel.js';
import { groupTargets, targetKey, type ForwardOptions, type ProxyTarget } from './target.js';

/** The part of the transaction layer the proxy uses. */
export type ProxyTransactions = Pick<TransactionLayer, 'sendRequest' | 'sendStatelessRequest' | 'sendStatelessResponse'>;

/** What the context knows when no branch answered 2xx. */
export interface ContextOutcome {
  /** The response that would go upstream (best choice, challenges merged, 503 → 500). */
  readonly response: SipResponse;
  /** Every final response collected, in arrival order (synthetic ones included). */
  readonly responses: readonly CollectedResponse[];
  /** No branch produced a real final response: everything timed out or failed locally. */
  readonly noAnswer: boolean;
}

export interface ForwardHooks {
  /**
   * Every branch ended without a 2xx and the caller did not cancel. Return true when the hook
   * took the server transaction over (it answered, or forwarded again through the proxy);
   * false to have `outcome.response` sent upstream. A service engine decides here (CPL's proxy
   * outputs busy / noanswer / redirection / failure).
   */
  onFailure?(outcome: ContextOutcome): boolean | Promise<boolean>;
  /** The first 2xx went upstream. */
  onSuccess?(response: SipResponse): void;
  /**
   * Every response of a branch except 100 (our Via already removed), before §16.7 acts on it;
   * asked one at a time in arrival order (a SIP-CGI script per response, RFC 3050 §5.6.1.5).
   * 2xx retransmissions and late answers of given-up branches are not asked.
   */
  onResponse?(response: SipResponse, target: ProxyTarget): ResponseAction | Promise<ResponseAction>;
  /** The caller CANCELled while branches were pending (advisory; onFailure is not asked then). */
  onCancel?(): void;
}

/**
 * What onResponse wants: `default` — the §16.7 rules; `forward` — send `response` (a changed
 * copy) upstream now (a final one ends the context and CANCELs pending branches); `absorb` — drop
 * it (a final one is not a candidate for the best response); `taken` — the hook answered the
 * caller itself or proxies anew: the context ends, pending branches are CANCELled.
 */
export type ResponseAction = { kind: 'default' } | { kind: 'forward'; response: SipResponse } | { kind: 'absorb' } | { kind: 'taken' };

export interface ResponseContextDeps {
  identity: ProxyIdentity;
  resolver: HostResolver;
  config: ProxyConfig;
  logger: Logger;
  /** Called when the context no longer reacts to CANCEL (answered, or final response chosen). */
  onSettled(context: ResponseContext): void;
  /** Timer C of every INVITE branch of the proxy core (§16.8). */
  timerC: TimerWheel<Branch>;
}

const NONE_COLLECTED: readonly CollectedResponse[] = Object.freeze([]);

export class ResponseContext {
  readonly isInvite: boolean;
  readonly #server: ServerTransaction;
  readonly #request: SipRequest;
  readonly #options: ForwardOptions;
  readonly #hooks: ForwardHooks;
  readonly #deps: ResponseContextDeps;
  readonly #transactions: ProxyTransactions;
  #childLogger: Logger | undefined;
  readonly #loopHash: string;
  readonly #recurse: boolean;
  #groups: ProxyTarget[][];
  #branches: Branch[] = [];
  #current: Branch[] = [];
  // Arrays made whole rather than pushed into: an empty array's first push reserves room for 17.
  #collected: readonly CollectedResponse[] = NONE_COLLECTED;
  #groupTimer: ReturnType<typeof setTimeout> | undefined;
  /** A 2xx (or, for non-INVITE, any final response) went upstream. */
  #answered = false;
  /** The final response has been chosen or handed to the failure hook. */
  #finished = false;
  #cancelled = false;
  /** A 6xx arrived: no new branches (§16.7 step 5). */
  #noMoreBranches = false;
  #settled = false;
  /** onResponse runs one response at a time, in arrival order. */
  #hookQueue: Promise<void> | undefined;

  constructor(
    server: ServerTransaction,
    request: SipRequest,
    targets: readonly ProxyTarget[],
    loopHash: string,
    options: ForwardOptions,
    hooks: ForwardHooks,
    deps: ResponseContextDeps,
    /** Where branches and CANCELs go (per context: INVITE branches get a releasing TU). */
    transactions: ProxyTransactions,
  ) {
    this.#transactions = transactions;
    this.#server = server;
    this.#request = request;
    this.isInvite = request.method === 'INVITE';
    this.#options = options;
    this.#hooks = hooks;
    this.#deps = deps;
    this.#loopHash = loopHash;
    this.#recurse = options.recurse ?? deps.config.recurseOn3xx;
    this.#groups = groupTargets(targets, options.forking);
  }

  /** A child logger made on first use: most contexts never log. */
  get #logger(): Logger {
    this.#childLogger ??= this.#deps.logger.child({ callId: this.#request.callId, method: this.#request.method });
    return this.#childLogger;
  }

  get server(): ServerTransaction {
    return this.#server;
  }

  /** Branches created so far (for tests and metrics). */
  get branchCount(): number {
    return this.#branches.length;
  }

  /** True once a final response went upstream or the failure hook took over. */
  get finished(): boolean {
    return this.#finished;
  }

  start(): void {
    // §16.2 / §17.2.1: answer an INVITE with 100 at once, so the caller stops retransmitting
    // while the branches are tried (the transaction would send one only after 200 ms).
    if (this.isInvite && this.#server.finalResponse === undefined && this.#server.lastProvisional === undefined) {
      this.#respondUpstream(createResponse(this.#request, 100));
    }
    this.#nextGroup();
  }

  /**
   * §16.10: the caller CANCELled. Pending branches are CANCELled (those without a provisional
   * response as soon as one arrives, §9.1) and the caller gets 487. No new branches start.
   */
  cancel(): void {
    if (this.#answered || this.#finished || this.#cancelled) return;
    this.#cancelled = true;
    this.#groups = [];
    this.#stopGroupTimer();
    try {
      this.#hooks.onCancel?.();
    } catch (error) {
      this.#logger.error({ err: error }, 'onCancel hook threw');
    }
    for (const branch of [...this.#current]) {
      if (!branch.pending) continue;
      this.#requestCancel(branch);
      // Without a provisional response no CANCEL can go out yet; do not keep the caller waiting.
      if (!branch.provisional) this.#complete(branch, this.#synthetic(487, 'Request Terminated'));
    }
  }

  // ---- groups and branches -----------------------------------------------------------------

  #nextGroup(): void {
    if (this.#cancelled || this.#noMoreBranches || this.#answered) this.#groups = [];
    const budget = this.#deps.config.maxBranches - this.#branches.length;
    const group = (this.#groups.shift() ?? []).slice(0, Math.max(0, budget));
    if (group.length === 0) {
      this.#finish();
      return;
    }
    const first = this.#branches.length;
    this.#current = group.map((target, i) => new Branch(target, first + i, this));
    this.#branches = [...this.#branches, ...this.#current];
    const timeout = this.#options.timeoutMs ?? (this.#groups.length > 0 ? this.#deps.config.sequentialTimeoutMs : undefined);
    if (timeout !== undefined) {
      this.#groupTimer = setTimeout(() => this.#groupTimedOut(), timeout);
      this.#groupTimer.unref?.();
    }
    for (const branch of [...this.#current]) void this.#startBranch(branch);
  }

  async #startBranch(branch: Branch): Promise<void> {
    let prepared;
    try {
      prepared = await prepareCopy(this.#request, branch.target, {
        identity: this.#deps.identity,
        resolver: this.#deps.resolver,
        inbound: this.#server.flow,
        recordRoute: this.#options.recordRoute ?? this.#deps.config.recordRoute,
        branch: createBranch(this.#loopHash),
      });
    } catch (error) {
      const status = error instanceof NextHopError ? error.status : 500;
      this.#logger.info({ err: error, status }, 'branch could not be forwarded');
      this.#complete(branch, this.#synthetic(status));
      return;
    }
    if (!branch.pending) return; // cancelled or timed out while resolving
    branch.request = prepared.request;
    branch.destination = prepared.destination;
    branch.state = 'calling';
    try {
      branch.transaction = this.#transactions.sendRequest(prepared.request, prepared.destination, this.#userFor(branch));
    } catch (error) {
      this.#logger.error({ err: error }, 'client transaction could not start');
      this.#complete(branch, this.#synthetic(500));
      return;
    }
    if (this.isInvite) this.#startTimerC(branch);
  }

  #userFor(branch: Branch): ClientTransactionUser {
    return new ResponseContext.#BranchUser(this, branch);
  }

  /** A branch's client transaction user: one small object per branch, no closures (memory per
   *  ringing call). */
  static readonly #BranchUser = class implements ClientTransactionUser {
    constructor(
      readonly context: ResponseContext,
      readonly branch: Branch,
    ) {}

    onResponse(response: SipResponse): void {
      this.context.#onResponse(this.branch, response);
    }

    // §8.1.3.1: a timeout is treated as 408, a transport error as 503.
    onTimeout(): void {
      this.context.#complete(this.branch, this.context.#synthetic(408));
    }

    onTransportError(error: TransportError): void {
      this.context.#logger.info({ err: error, destination: this.branch.destination }, 'branch transport error');
      this.context.#complete(this.branch, this.context.#synthetic(503));
    }
  };

  // ---- responses (§16.7) -------------------------------------------------------------------

  #onResponse(branch: Branch, response: SipResponse): void {
    const hook = this.#hooks.onResponse;
    const retransmitted2xx = response.status >= 200 && response.status < 300 && this.#answered;
    const late = response.status >= 200 && !branch.pending;
    if (!hook || response.status === 100 || retransmitted2xx || late || this.#finished) return this.#onResponseDefault(branch, response);
    if (response.status < 200) branch.provisional = true; // a CANCEL may go out meanwhile (§9.1)
    this.#hookQueue = (this.#hookQueue ?? Promise.resolve()).then(() => this.#consult(hook, branch, response));
  }

  async #consult(hook: NonNullable<ForwardHooks['onResponse']>, branch: Branch, response: SipResponse): Promise<void> {
    const view = response.clone();
    view.popVia();
    let action: ResponseAction;
    try {
      action = await hook(view, branch.target);
    } catch (error) {
      this.#logger.error({ err: error }, 'onResponse hook threw; default handling');
      action = { kind: 'default' };
    }
    if (action.kind === 'default' || (this.#finished && !(response.status >= 200 && response.status < 300))) {
      return this.#onResponseDefault(branch, response);
    }
    if (response.status < 200) {
      // Branch bookkeeping as for any provisional; what goes upstream is the hook's choice.
      if (branch.cancelWanted && !branch.cancelSent) this.#sendCancel(branch);
      if (!branch.pending) return;
      branch.state = 'proceeding';
      if (this.isInvite) this.#startTimerC(branch);
      if (action.kind === 'forward' && !this.#finished && !this.#answered) this.#respondUpstream(action.response);
      if (action.kind === 'taken') this.#endTaken(undefined);
      return;
    }
    if (action.kind === 'forward' && action.response.status < 300) return this.#on2xx(branch, action.response);
    if (action.kind === 'absorb') return this.#complete(branch, undefined);
    // forward (non-2xx final) or taken: this context is over.
    if (!this.#endTaken(branch)) return;
    if (action.kind === 'forward') this.#respondUpstream(action.response);
  }

  /** The hook answered for this context (or forwarded a final): no best-response choice, no new
   *  branches, the pending ones CANCELled. False when the context had already finished. */
  #endTaken(branch: Branch | undefined): boolean {
    const wasFinished = this.#finished;
    this.#finished = true;
    if (branch) this.#complete(branch, undefined);
    if (wasFinished) return false;
    this.#groups = [];
    this.#stopGroupTimer();
    for (const other of this.#branches) {
      if (other === branch || !other.pending) continue;
      this.#requestCancel(other);
      if (!other.provisional) this.#complete(other, this.#synthetic(487, 'Request Terminated'));
    }
    this.#settle();
    return true;
  }

  #onResponseDefault(branch: Branch, response: SipResponse): void {
    if (response.status < 200) return this.#onProvisional(branch, response);
    // Step 3: "The proxy removes the topmost Via header field value from the response."
    response.popVia();
    if (response.status < 300) return this.#on2xx(branch, response);
    if (!branch.pending) return; // a branch given up (timeout, CANCEL) answering late
    if (this.#recurse && response.status < 400 && !this.#finished) {
      if (this.#recurseOn(response)) return this.#complete(branch, undefined);
    }
    if (response.status >= 600 && this.isInvite) {
      // §16.7 step 5 / §16.10: a 6xx ends the search: CANCEL the rest, start nothing new.
      this.#noMoreBranches = true;
      this.#groups = [];
      this.#cancelPendingExcept(branch);
    }
    this.#complete(branch, { response, synthetic: false });
  }

  #onProvisional(branch: Branch, response: SipResponse): void {
    branch.provisional = true;
    if (branch.cancelWanted && !branch.cancelSent) this.#sendCancel(branch);
    if (!branch.pending) return;
    branch.state = 'proceeding';
    // Step 2: "If the response is a 101-199 ..., reset Timer C".
    if (this.isInvite && response.status > 100) this.#startTimerC(branch);
    // Step 5: provisional responses other than 100 are forwarded immediately.
    if (response.status === 100 || this.#finished || this.#answered) return;
    response.popVia();
    this.#respondUpstream(response);
  }

  #on2xx(branch: Branch, response: SipResponse): void {
    const wasPending = branch.pending;
    if (wasPending) {
      branch.state = 'completed';
      this.#stopTimerC(branch);
    }
    if (!this.isInvite) {
      // Only one final response to a non-INVITE request goes upstream.
      if (this.#finished) return;
      this.#answered = true;
      this.#finished = true;
      this.#stopGroupTimer();
      this.#respondUpstream(response);
      this.#settle();
      return;
    }
    // Step 5 / RFC 6026 §8.1: every 2xx to an INVITE is forwarded — retransmissions and 2xx from
    // other forks too; the caller's core decides what to do with extra dialogs.
    this.#respondUpstream(response);
    if (this.#answered) return;
    this.#answered = true;
    this.#finished = true;
    this.#groups = [];
    this.#stopGroupTimer();
    // Step 10: "the proxy MUST ... CANCEL all pending client transactions" after a 2xx.
    this.#cancelPendingExcept(branch);
    this.#settle();
    try {
      this.#hooks.onSuccess?.(response);
    } catch (error) {
      this.#logger.error({ err: error }, 'onSuccess hook threw');
    }
  }

  /** §16.7 step 4: the contacts of a 3xx become targets. True when every contact was taken
   *  (then the response is not kept: "If all contacts are recursed, the response is dropped"). */
  #recurseOn(response: SipResponse): boolean {
    let contacts;
    try {
      contacts = response.contacts;
    } catch {
      return false;
    }
    if (contacts === '*') return false;
    const fresh: ProxyTarget[] = [];
    let skipped = 0;
    // Built only here, on recursion: a context carries no set of its own for it.
    const tried = new Set([...this.#branches.map((b) => targetKey(b.target)), ...this.#groups.flat().map(targetKey)]);
    for (const contact of contacts) {
      if (contact.uri.kind !== 'sip') {
        skipped++;
        continue;
      }
      const q = contact.params.get('q');
      const target: ProxyTarget = { uri: contact.uri, ...(typeof q === 'string' && q !== '' ? { q: Number(q) } : {}) };
      // §16.7 step 4: only targets not in the target set yet (tried, pending or queued).
      if (tried.has(targetKey(target))) continue;
      tried.add(targetKey(target));
      fresh.push(target);
    }
    if (fresh.length === 0) return false;
    this.#groups.unshift(...groupTargets(fresh, this.#options.forking));
    return skipped === 0;
  }

  #complete(branch: Branch, collected: CollectedResponse | undefined): void {
    if (!branch.pending) return;
    branch.state = 'completed';
    this.#stopTimerC(branch);
    if (collected) this.#collected = [...this.#collected, collected];
    if (this.#answered || this.#finished) return;
    if (this.#current.some((other) => other.pending)) return;
    this.#stopGroupTimer();
    this.#nextGroup();
  }

  /** The group rang long enough: its branches count as "no answer" and are CANCELled. */
  #groupTimedOut(): void {
    this.#groupTimer = undefined;
    for (const branch of [...this.#current]) {
      if (!branch.pending) continue;
      this.#requestCancel(branch);
      this.#complete(branch, this.#synthetic(408));
    }
  }

  /** §16.8: Timer C fired (called by the proxy core's TimerWheel). With a provisional response
   *  the branch is CANCELled; without one "the proxy MUST behave as if the transaction received
   *  a 408". Either way it is over. */
  onTimerC(branch: Branch): void {
    if (!branch.pending) return;
    this.#logger.info({ branch: branch.index }, 'Timer C fired');
    if (branch.provisional) this.#requestCancel(branch);
    this.#complete(branch, this.#synthetic(408));
  }

  // ---- CANCEL (§16.10, §9.1) ---------------------------------------------------------------

  #cancelPendingExcept(except: Branch): void {
    for (const branch of this.#branches) {
      if (branch === except || !branch.pending) continue;
      this.#requestCancel(branch);
      if (!branch.provisional) this.#complete(branch, this.#synthetic(487, 'Request Terminated'));
    }
  }

  #requestCancel(branch: Branch): void {
    if (!this.isInvite) return;
    branch.cancelWanted = true;
    if (branch.provisional && !branch.cancelSent) this.#sendCancel(branch);
  }

  #sendCancel(branch: Branch): void {
    const invite = branch.request;
    const transaction = branch.transaction;
    if (!invite || !transaction) return;
    branch.cancelSent = true;
    try {
      // §9.1: the CANCEL goes where the INVITE went, in its own client transaction.
      this.#transactions.sendRequest(createCancel(invite), transaction.destination, IGNORE_RESPONSES);
    } catch (error) {
      this.#logger.warn({ err: error }, 'CANCEL could not be sent');
    }
  }

  // ---- the final response (§16.7 steps 6–9) ------------------------------------------------

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settle();
    if (this.#cancelled) {
      this.#respondUpstream(this.#synthetic(487, 'Request Terminated').response);
      return;
    }
    const best = chooseBestResponse(this.#collected);
    const response = best ? best.response : this.#synthetic(408).response;
    mergeChallenges(response, this.#collected);
    mergeRedirectContacts(response, this.#collected);
    convertServiceUnavailable(response);
    const outcome: ContextOutcome = {
      response,
      responses: [...this.#collected],
      noAnswer: this.#collected.every((entry) => entry.synthetic),
    };
    const hook = this.#hooks.onFailure;
    if (!hook) {
      this.#respondUpstream(response);
      return;
    }
    void this.#runFailureHook(hook, outcome);
  }

  async #runFailureHook(hook: NonNullable<ForwardHooks['onFailure']>, outcome: ContextOutcome): Promise<void> {
    let handled = false;
    try {
      handled = await hook(outcome);
    } catch (error) {
      this.#logger.error({ err: error }, 'onFailure hook threw; sending the best response');
    }
    if (!handled) this.#respondUpstream(outcome.response);
  }

  #respondUpstream(response: SipResponse): void {
    const server = this.#server;
    const final = server.finalResponse;
    try {
      if (this.isInvite && response.status >= 200 && response.status < 300) {
        if (!server.terminated && (final === undefined || final.status < 300)) {
          server.respond(response);
        } else {
          // The server transaction is gone (Timer L) or already sent a failure: forward the
          // 2xx statelessly (RFC 6026 §8.1) so the caller can still ACK and BYE it.
          this.#transactions.sendStatelessResponse(response).catch((error: unknown) =>
            this.#logger.warn({ err: error }, '2xx could not be forwarded'),
          );
        }
        return;
      }
      if (server.terminated || final !== undefined) return;
      server.respond(response);
    } catch (error) {
      this.#logger.warn({ err: error, status: response.status }, 'response could not be sent upstream');
    }
  }

  /** A final response made up here, built from the caller's request (so it carries the
   *  caller's Via stack, not ours). */
  #synthetic(status: number, reason?: string): CollectedResponse {
    return { response: createResponse(this.#request, status, reason, { toTag: generateTag() }), synthetic: true };
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deps.onSettled(this);
  }

  // ---- timers ------------------------------------------------------------------------------

  #startTimerC(branch: Branch): void {
    this.#deps.timerC.arm(branch);
  }

  #stopTimerC(branch: Branch): void {
    this.#deps.timerC.disarm(branch);
  }

  #stopGroupTimer(): void {
    if (this.#groupTimer !== undefined) {
      clearTimeout(this.#groupTimer);
      this.#groupTimer = undefined;
    }
  }
}

const IGNORE_RESPONSES: ClientTransactionUser = {
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
};
