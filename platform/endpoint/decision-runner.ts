/**
 * Carries out an engine's Decision for one incoming request: reject, respond, redirect, proxy
 * (with the engine's per-response and outcome hooks, which may decide again) and b2bua. The
 * services stage and the ISC stage differ only in where targets go, the forwarding defaults,
 * the redirect response and whether a B2BUA is possible — those come in as options.
 */
import type { Logger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { ResponseAction } from '../proxy/response-context.js';
import type { ForwardOptions, ProxyTarget } from '../proxy/target.js';
import type { BranchOutcome, Decision, ProxyDecision, RedirectDecision, RespondDecision, ServiceTarget } from '../services/decision.js';
import { applyMessageEdits } from '../services/message-edits.js';
import type { B2buaDecision } from '../services/user-agent.js';
import { formatUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { IncomingRequest } from './request-stage.js';
import type { UserAgentCore } from './user-agent-core.js';
import { toBranchOutcome, toServiceResponse } from './service-responses.js';

export type ActingDecision = Exclude<Decision, { kind: 'continue' }>;
export type CarryOut = (decision: ActingDecision) => Promise<void>;

export interface DecisionRunnerOptions {
  proxy: ProxyCore;
  logger: Logger;
  /** Engine targets → proxy branches (may be empty: the engine hears a 480 failure). */
  targets(request: SipRequest, targets: readonly ServiceTarget[]): ProxyTarget[] | Promise<ProxyTarget[]>;
  /** The engine's proxy options with this path's defaults. */
  forwardOptions(decision: ProxyDecision): ForwardOptions;
  redirectResponse(request: SipRequest, decision: RedirectDecision): SipResponse;
  b2bua(incoming: IncomingRequest, decision: B2buaDecision, carryOut: CarryOut, engine: string): Promise<void>;
  /** Holds the dialogs of the 2xx engines answer INVITEs with; absent: the 2xx is sent once. */
  userAgent?: UserAgentCore;
}

const NO_TARGET = { kind: 'failure', status: 480, reason: 'Temporarily Unavailable' } as const satisfies BranchOutcome;

export class DecisionRunner {
  readonly #options: DecisionRunnerOptions;

  constructor(options: DecisionRunnerOptions) {
    this.#options = options;
  }

  async carryOut(incoming: IncomingRequest, decision: ActingDecision, engine: string): Promise<void> {
    const { request, transaction } = incoming;
    if (transaction.finalResponse !== undefined || transaction.terminated) return; // cancelled meanwhile
    switch (decision.kind) {
      case 'reject':
        incoming.reply(decision.status, decision.reason);
        return;
      case 'respond':
        if (!this.#answerInvite(incoming, decision)) incoming.reply(decision.status, decision.reason, decision.headers ?? [], decision.body);
        return;
      case 'redirect':
        transaction.respond(this.#options.redirectResponse(request, decision));
        return;
      case 'proxy':
        return this.#proxy(incoming, decision, engine);
      case 'b2bua':
        return this.#options.b2bua(incoming, decision, (next) => this.carryOut(incoming, next, engine), engine);
    }
  }

  /**
   * An engine's 2xx to an INVITE makes a dialog (§12.1.1): the UA core sends it with our Contact
   * and the Record-Route set, resends it until the ACK (§13.3.1.4), answers the dialog's BYE, and
   * tells the engine of the ACK. The engine's own Contact is dropped — the dialog is ours.
   */
  #answerInvite(incoming: IncomingRequest, decision: RespondDecision): boolean {
    const userAgent = this.#options.userAgent;
    const { transaction } = incoming;
    if (userAgent === undefined || transaction.kind !== 'invite-server' || decision.status < 200 || decision.status > 299) return false;
    const dialog = userAgent.acceptInvite(transaction, {
      status: decision.status,
      ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
      headers: (decision.headers ?? []).filter((field) => field.name.toLowerCase() !== 'contact' && field.name !== 'm'),
      ...(decision.body ? { body: decision.body } : {}),
      ...(incoming.toTag !== undefined ? { toTag: incoming.toTag } : {}),
    });
    const { onAck } = decision;
    if (onAck) dialog.onAck((ack) => onAck(ack));
    return true;
  }

  /** No target to try: the engine may still act on the failure, else the caller gets 480. */
  async noTarget(incoming: IncomingRequest, onOutcome: ((outcome: BranchOutcome) => Decision | Promise<Decision>) | undefined, engine: string): Promise<void> {
    const next = onOutcome ? await onOutcome(NO_TARGET) : { kind: 'continue' as const };
    if (next.kind === 'continue') incoming.reply(NO_TARGET.status, NO_TARGET.reason);
    else await this.carryOut(incoming, next, engine);
  }

  async #proxy(incoming: IncomingRequest, decision: ProxyDecision, engine: string): Promise<void> {
    const { request, transaction } = incoming;
    for (const provisional of decision.provisional ?? []) {
      if (provisional.status > 100 && provisional.status < 200) incoming.reply(provisional.status, provisional.reason, provisional.headers ?? []);
    }
    const targets = await this.#options.targets(request, decision.targets);
    if (targets.length === 0) return this.noTarget(incoming, decision.onOutcome, engine);
    this.#options.proxy.forward(transaction, request, targets, this.#options.forwardOptions(decision), {
      onSuccess: (response) => {
        void Promise.resolve(decision.onOutcome?.({ kind: 'success', status: response.status })).catch((error: unknown) =>
          this.#options.logger.error({ err: error, engine }, 'onOutcome(success) failed'),
        );
      },
      ...(decision.onResponse ? { onResponse: (response: SipResponse, target: ProxyTarget) => this.#onResponse(incoming, decision, engine, response, target) } : {}),
      ...(decision.onCancel ? { onCancel: decision.onCancel } : {}),
      onFailure: async (outcome) => {
        if (!decision.onOutcome) return false;
        const next = await decision.onOutcome(toBranchOutcome(outcome));
        if (next.kind === 'continue') return false;
        await this.carryOut(incoming, next, engine);
        return true;
      },
    });
  }

  /** ProxyDecision.onResponse: the engine's verdict on one response, in the proxy's terms. */
  async #onResponse(incoming: IncomingRequest, decision: ProxyDecision, engine: string, response: SipResponse, target: ProxyTarget): Promise<ResponseAction> {
    const verdict = await decision.onResponse!({ ...toServiceResponse(response), target: formatUri(target.uri) });
    switch (verdict.kind) {
      case 'default':
      case 'absorb':
        return { kind: verdict.kind };
      case 'forward':
        return { kind: 'forward', response: verdict.edits ? applyMessageEdits(response, verdict.edits) : response };
      case 'decide':
        if (verdict.decision.kind === 'continue') return { kind: 'default' };
        await this.carryOut(incoming, verdict.decision, engine);
        return { kind: 'taken' };
    }
  }
}

/** An engine's proxy options as the proxy core takes them; `defaults` fill what it left open. */
export function forwardOptionsOf(decision: ProxyDecision, defaults: ForwardOptions = {}): ForwardOptions {
  const options = decision.options ?? {};
  const forwarding: ForwardOptions = { ...defaults };
  if (options.forking) forwarding.forking = options.forking;
  if (options.timeoutMs !== undefined) forwarding.timeoutMs = options.timeoutMs;
  if (options.recordRoute !== undefined) forwarding.recordRoute = options.recordRoute;
  if (options.recurse !== undefined) forwarding.recurse = options.recurse;
  return forwarding;
}
