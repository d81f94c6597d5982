/**
 * The SIP-CGI engine (RFC 3050): picks the script for a new request, runs it with the
 * metavariables and body of each message it is owed, parses what it prints and turns that into
 * steps for the core. It keeps per-transaction state (cookie, CGI-AGAIN, tokens, branches) and
 * one invocation outstanding per transaction, later messages deferred in order (§5.3; ACK is the
 * exception). It sends nothing itself: the proxy / service adapter carries out the decisions.
 */
import type { Logger } from '../log/logger.js';
import { createResponse, type SipRequest, type SipResponse, type Uri } from '../sip/index.js';
import { planActions, type Plan } from './action-planner.js';
import type { PeerFacts, RequestFacts, ResponseFacts } from './cgi-facts.js';
import type { CgiDecision, CgiStep, CgiTrigger } from './cgi-decision.js';
import type { CgiFailure } from './cgi-failure.js';
import { cgiFailure } from './cgi-failure.js';
import { CgiInvoker, type InvokerOptions } from './cgi-invoker.js';
import { CgiTransaction, type StoredResponse } from './cgi-transaction.js';
import { buildEnvironment, type ServerIdentity } from './environment.js';
import { parseScriptOutput } from './output-parser.js';
import { ScriptResolver, type ScriptRoute } from './script-resolver.js';
import { newToken } from './tokens.js';

export interface CgiEngineOptions {
  logger: Logger;
  /** The cgi-bin folder (see script-resolver.ts for its layout). */
  cgiBin: string;
  /** Request-URI patterns → script names, tried after per-user and before per-domain scripts. */
  routes?: readonly ScriptRoute[];
  /** SERVER_NAME, SERVER_SOFTWARE, PATH. */
  server: ServerIdentity;
  /** A shared invoker, or options for the engine's own. */
  invoker?: CgiInvoker | Omit<InvokerOptions, 'logger'>;
  /** How long directory listings and stat results are trusted (default 1000 ms). */
  scriptCacheMs?: number;
  /** Allow scripts to send new requests (a request line as action line). Default false. */
  allowNewRequests?: boolean;
  /** Most actions in one output. */
  maxActions?: number;
  /**
   * REGISTRATIONS (§5.5.1.6) for the Request-URI of the transaction's request: a Contact value
   * list, '' for a local AOR with no bindings, undefined when the URI is not a local AOR. Asked
   * on every invocation, so later invocations see changes ("SHOULD update").
   */
  registrationsFor?: (requestUri: Uri) => string | undefined | Promise<string | undefined>;
}

const NOT_INVOKED = (trigger: CgiTrigger, script?: string): CgiDecision => ({
  trigger,
  invoked: false,
  ...(script === undefined ? {} : { script }),
  steps: [],
  defaultAction: true,
});

export class CgiEngine {
  readonly #logger: Logger;
  readonly #resolver: ScriptResolver;
  readonly #invoker: CgiInvoker;
  readonly #server: ServerIdentity;
  readonly #allowNewRequests: boolean;
  readonly #maxActions: number | undefined;
  readonly #registrationsFor: CgiEngineOptions['registrationsFor'];
  readonly #transactions = new Map<string, CgiTransaction>();
  /** Transactions whose script is still being looked up: later messages wait for the lookup. */
  readonly #starting = new Map<string, Promise<CgiTransaction | undefined>>();

  constructor(options: CgiEngineOptions) {
    this.#logger = options.logger;
    this.#resolver = new ScriptResolver({ cgiBin: options.cgiBin, routes: options.routes ?? [], ...(options.scriptCacheMs === undefined ? {} : { cacheMs: options.scriptCacheMs }) });
    this.#invoker = options.invoker instanceof CgiInvoker ? options.invoker : new CgiInvoker({ ...options.invoker, logger: options.logger });
    this.#server = options.server;
    this.#allowNewRequests = options.allowNewRequests ?? false;
    this.#maxActions = options.maxActions;
    this.#registrationsFor = options.registrationsFor;
  }

  get invoker(): CgiInvoker {
    return this.#invoker;
  }

  /** Transactions with SIP-CGI state (each must be ended with endTransaction). */
  get activeTransactions(): number {
    return this.#transactions.size;
  }

  /** The script answered the INVITE with a 2xx itself and asked for the next message: its ACK
   *  is to be handed to handleAck (§5.11.1). */
  wantsAck(txId: string): boolean {
    const tx = this.#transactions.get(txId);
    return tx !== undefined && !tx.ended && tx.answeredInvite && tx.again;
  }

  /** A request that starts a transaction. No script for it → default action, no state kept.
   *  The script is looked up by the Request-URI, or by `resolveBy` (a REGISTER's To AOR). */
  async handleRequest(request: SipRequest, facts: RequestFacts, resolveBy: Uri = request.uri): Promise<CgiDecision> {
    const txId = facts.txId;
    if (this.#transactions.has(txId) || this.#starting.has(txId)) throw new Error(`SIP-CGI: transaction ${txId} already started`);
    const starting = this.#resolver.resolveUri(resolveBy).then((resolved) => {
      this.#starting.delete(txId);
      if (resolved === undefined) return undefined;
      const tx = new CgiTransaction(txId, resolved.path, request, facts);
      this.#transactions.set(txId, tx);
      return tx;
    });
    this.#starting.set(txId, starting);
    const tx = await starting;
    if (tx === undefined) return NOT_INVOKED('request');
    return tx.serialize(() => this.#invoke(tx, 'request', request, facts));
  }

  /** The transaction's state; waits when its script is still being looked up. */
  async #find(txId: string): Promise<CgiTransaction | undefined> {
    return this.#transactions.get(txId) ?? (await this.#starting.get(txId));
  }

  /**
   * A response on one of the transaction's branches, or one the server generated itself (§5.8,
   * `locallyGenerated`, e.g. the 408 of a local Expires). The script runs only if its last run
   * said CGI-AGAIN yes (§5.6.1.5); never for 100 Trying (hop by hop, spec notes §11 #22).
   */
  async handleResponse(txId: string, response: SipResponse, facts: ResponseFacts = {}): Promise<CgiDecision> {
    const tx = await this.#find(txId);
    if (tx === undefined || response.status === 100) return NOT_INVOKED('response', tx?.script);
    return tx.serialize(async () => {
      const branch = tx.branch(facts.branchId);
      if (tx.aborted || tx.ended || !tx.again) {
        // Responses to the script's own requests are its business only: never forwarded upstream.
        if (branch?.origin === 'new-request') return { trigger: 'response', invoked: false, script: tx.script, steps: [], defaultAction: false };
        return NOT_INVOKED('response', tx.script);
      }
      const token = newToken();
      const stored: StoredResponse = { response, ...(facts.branchId === undefined ? {} : { branchId: facts.branchId }) };
      tx.rememberResponse(token, stored);
      const decision = await this.#invoke(tx, 'response', response, this.#peer(tx, facts), {
        responseToken: token,
        ...(branch?.requestToken === undefined ? {} : { requestToken: branch.requestToken }),
        current: { token, stored },
      });
      if (decision.defaultAction && branch?.origin === 'new-request') return { ...decision, defaultAction: false };
      return decision;
    });
  }

  /** A CANCEL for the transaction (§5.10): the script is told if it asked to be (advisory; it
   *  cannot answer or proxy). The default action stays: 200 to the CANCEL, cancel the branches. */
  async handleCancel(txId: string, cancel: SipRequest, facts: PeerFacts): Promise<CgiDecision> {
    const tx = await this.#find(txId);
    if (tx === undefined) return NOT_INVOKED('cancel');
    return tx.serialize(async () => {
      if (tx.aborted || tx.ended || !tx.again) return NOT_INVOKED('cancel', tx.script);
      const decision = await this.#invoke(tx, 'cancel', cancel, facts);
      return { ...decision, defaultAction: true };
    });
  }

  /**
   * The ACK for a 2xx the script generated to the INVITE (§5.11.1: the script SHOULD be re-run
   * with it), if it asked for the next message. Not deferred behind a running invocation (§5.3).
   */
  async handleAck(txId: string, ack: SipRequest, facts: PeerFacts): Promise<CgiDecision> {
    const tx = await this.#find(txId);
    if (tx === undefined || tx.aborted || tx.ended || !tx.answeredInvite || !tx.again) return NOT_INVOKED('ack', tx?.script);
    const decision = await this.#invoke(tx, 'ack', ack, facts);
    return { ...decision, defaultAction: true };
  }

  /** The transaction is over: cookie, tokens and branches are dropped (§3.2). Queued messages
   *  then get the default action; a running script is left to finish within its limits. */
  endTransaction(txId: string): void {
    const tx = this.#transactions.get(txId);
    if (tx !== undefined) {
      tx.ended = true;
      this.#transactions.delete(txId);
      return;
    }
    // Ended while its script was being looked up: forget it as soon as it exists.
    void this.#starting.get(txId)?.then((started) => {
      if (started === undefined) return;
      started.ended = true;
      this.#transactions.delete(txId);
    });
  }

  #peer(tx: CgiTransaction, facts: ResponseFacts): PeerFacts {
    const loopback = tx.facts.remoteAddress.includes(':') ? '::1' : '127.0.0.1';
    return {
      // §5.5.1.7: for a locally generated response REMOTE_ADDR SHOULD be the loopback address.
      remoteAddress: facts.locallyGenerated || facts.remoteAddress === undefined ? loopback : facts.remoteAddress,
      ...(facts.remoteHost === undefined ? {} : { remoteHost: facts.remoteHost }),
      ...(facts.remoteIdent === undefined ? {} : { remoteIdent: facts.remoteIdent }),
      localPort: facts.localPort ?? tx.facts.localPort,
    };
  }

  async #invoke(
    tx: CgiTransaction,
    trigger: CgiTrigger,
    message: SipRequest | SipResponse,
    peer: PeerFacts,
    extra: { responseToken?: string; requestToken?: string; current?: { token: string; stored: StoredResponse } } = {},
  ): Promise<CgiDecision> {
    const registrations = this.#registrationsFor ? await this.#registrationsFor(tx.request.uri) : undefined;
    const input = buildEnvironment({
      message,
      server: this.#server,
      peer,
      // AUTH_TYPE / REMOTE_USER describe the credentials of the request that started the transaction.
      ...(trigger === 'request' && tx.facts.auth ? { auth: tx.facts.auth } : {}),
      ...(registrations === undefined ? {} : { registrations }),
      ...(tx.cookie === undefined ? {} : { cookie: tx.cookie }),
      ...(extra.responseToken === undefined ? {} : { responseToken: extra.responseToken }),
      ...(extra.requestToken === undefined ? {} : { requestToken: extra.requestToken }),
    });
    const result = await this.#invoker.invoke({ script: tx.script, env: input.env, stdin: input.stdin });
    if (!result.ok) return this.#fail(tx, trigger, result.failure, result.stderr);
    const parsed = parseScriptOutput(result.stdout, this.#maxActions === undefined ? {} : { maxActions: this.#maxActions });
    if (!parsed.ok) return this.#fail(tx, trigger, cgiFailure('malformed-output', parsed.error.reason, parsed.error.line), result.stderr);
    let plan: Plan | { failure: CgiFailure };
    try {
      plan = planActions(parsed.actions, {
        trigger,
        request: tx.request,
        ...(extra.current === undefined ? {} : { current: extra.current }),
        lookup: (token) => tx.response(token),
        toTag: tx.toTag,
        serverName: this.#server.name,
        allowNewRequests: this.#allowNewRequests,
      });
    } catch (e) {
      // A bug of ours must not take the call (or the server) down with it: answer 500, log it.
      this.#logger.error({ err: e, script: tx.script, tx: tx.id }, 'cgi: planning the script output failed');
      plan = { failure: cgiFailure('invalid-action', e instanceof Error ? e.message : String(e)) };
    }
    if ('failure' in plan) return this.#fail(tx, trigger, plan.failure, result.stderr);
    this.#logger.debug(
      { script: tx.script, trigger, tx: tx.id, timing: result.timing, actions: parsed.actions.length, ...(result.stderr ? { stderr: result.stderr } : {}) },
      'cgi: script ran',
    );
    return this.#apply(tx, trigger, plan);
  }

  /** Commit a plan: cookie, CGI-AGAIN, branches; drop responses that may no longer go upstream. */
  #apply(tx: CgiTransaction, trigger: CgiTrigger, plan: Plan): CgiDecision {
    if (plan.cookie !== undefined) tx.cookie = plan.cookie;
    // §5.6.1.5: "no" or absent means no further run; each run must ask again. Replaced when the
    // run ends (not when it starts), so an ACK — never deferred (§5.3) — sees the last answer.
    tx.again = plan.again;
    for (const [id, branch] of plan.branches) tx.addBranch(id, branch);
    const steps: CgiStep[] = [];
    for (const step of plan.steps) {
      if (step.kind === 'respond' || step.kind === 'forward-response') {
        const status = step.response.status;
        if (!tx.acceptsResponse(status)) {
          plan.notes.push(`${status} response dropped: a final response was already sent`);
          continue;
        }
        tx.noteResponseSent(status);
        if (step.kind === 'respond' && tx.request.method === 'INVITE' && status >= 200 && status < 300) tx.answeredInvite = true;
      }
      steps.push(step);
    }
    if (plan.notes.length > 0) this.#logger.info({ script: tx.script, tx: tx.id, notes: plan.notes }, 'cgi: parts of the script output were not used');
    return { trigger, invoked: true, script: tx.script, steps, defaultAction: !plan.acted };
  }

  /** §5.6: abort the transaction with 500 / 504 (503 when saturated) and log why. */
  #fail(tx: CgiTransaction, trigger: CgiTrigger, failure: CgiFailure, stderr: string): CgiDecision {
    this.#logger.warn(
      { script: tx.script, tx: tx.id, trigger, code: failure.code, detail: failure.detail, ...(failure.line === undefined ? {} : { line: failure.line }), ...(stderr ? { stderr } : {}) },
      `cgi: script failed (${failure.code}), answering ${failure.status}`,
    );
    if (trigger === 'cancel' || trigger === 'ack') {
      // Nothing can be answered for these; the transaction goes on with the default action.
      return { trigger, invoked: true, script: tx.script, steps: [], defaultAction: true, failure };
    }
    tx.aborted = true;
    tx.again = false;
    const steps: CgiStep[] = [];
    if (tx.acceptsResponse(failure.status)) {
      steps.push({ kind: 'respond', response: createResponse(tx.request, failure.status, failure.reason, { toTag: tx.toTag }) });
      tx.noteResponseSent(failure.status);
    }
    return { trigger, invoked: true, script: tx.script, steps, defaultAction: false, failure };
  }
}
