/**
 * The stateful proxy core (RFC 3261 §16). It is handed a request and a target set and does the
 * rest: validation (§16.3), Route preprocessing (§16.4), forwarding (§16.6), the response
 * context (§16.7), Timer C (§16.8), CANCEL (§16.10), plus the messages that come outside any
 * transaction: ACK for 2xx (routed by Route, §16.11 stateless), stray 2xx (RFC 6026 §8.1).
 *
 * It knows nothing of the registrar, services or engines: where targets come from is the
 * caller's business (the endpoint's proxy stage).
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, type SipRequest, type SipResponse, type Uri, type Via } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { ServerTransaction } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/types.js';
import { ReleasingTransactions } from './answered-branch-user.js';
import type { Branch } from './branch.js';
import { TimerWheel } from './timer-wheel.js';
import { decrementMaxForwards, createVia, localAddress } from './forward-request.js';
import { defaultSipPort, type ProxyIdentity } from './local-identity.js';
import { loopHash, statelessBranch } from './loop-detection.js';
import { destinationOfUri, resolveDestination, resolveHost, type HostResolver } from './next-hop.js';
import { resolveProxyConfig, type ProxyConfig } from './proxy-config.js';
import { validateProxiedRequest, type ValidationResult } from './request-validation.js';
import { ResponseContext, type ForwardHooks, type ProxyTransactions, type ResponseContextDeps } from './response-context.js';
import { adaptToStrictRouter, nextHopUri, preprocessRoutes, type RoutePreprocessResult } from './route-processing.js';
import type { ForwardOptions, ProxyTarget } from './target.js';

export interface ProxyCoreOptions {
  transactions: ProxyTransactions;
  identity: ProxyIdentity;
  logger: Logger;
  config?: Partial<ProxyConfig>;
  /** Host name resolution (default: IP literals, `localhost`, then the system resolver). */
  resolver?: HostResolver;
}

// Shared defaults: a ringing call's context keeps its options and hooks for as long as it rings.
const NO_OPTIONS: ForwardOptions = Object.freeze({});
const NO_HOOKS: ForwardHooks = Object.freeze({});

export class ProxyCore {
  readonly config: ProxyConfig;
  readonly #transactions: ProxyTransactions;
  readonly #identity: ProxyIdentity;
  readonly #logger: Logger;
  readonly #resolver: HostResolver;
  /** INVITE contexts that still react to CANCEL (each kept in its server transaction's
   *  `tuState`). */
  #openContexts = 0;
  /** The Request-URI as received, for requests whose Request-URI §16.4 rewrote (loop hash). */
  readonly #receivedUris = new WeakMap<SipRequest, Uri>();
  /** What every context shares (one object, not one per call). */
  readonly #contextDeps: ResponseContextDeps;

  constructor(options: ProxyCoreOptions) {
    this.config = resolveProxyConfig(options.config);
    this.#transactions = options.transactions;
    this.#identity = options.identity;
    this.#logger = options.logger.child({ component: 'proxy' });
    this.#resolver = options.resolver ?? resolveHost;
    this.#contextDeps = {
      identity: this.#identity,
      resolver: this.#resolver,
      config: this.config,
      logger: this.#logger,
      timerC: new TimerWheel<Branch>(this.config.timerCMs, (branch) => branch.owner.onTimerC(branch)),
      onSettled: (settled) => {
        const server = settled.server;
        if (server.kind === 'invite-server' && server.tuState === settled) {
          server.tuState = undefined;
          this.#openContexts--;
        }
      },
    };
  }

  get identity(): ProxyIdentity {
    return this.#identity;
  }

  /** Response contexts still open to CANCEL. */
  get pendingContexts(): number {
    return this.#openContexts;
  }

  /** §16.3 items 3–5: 483, 482, 420 — or ok. */
  validate(request: SipRequest): ValidationResult {
    return validateProxiedRequest(request, {
      isOurVia: (via) => this.#isOurVia(via),
      proxyExtensions: this.config.proxyExtensions,
    });
  }

  /** §16.4: strict-route fix and removal of our own Route values. Throws SipParseException
   *  when a Route value is unreadable. */
  preprocessRoutes(request: SipRequest): RoutePreprocessResult {
    const received = request.uri;
    const result = preprocessRoutes(request, this.#identity);
    if (result.strictRouteFixed) this.#receivedUris.set(request, received);
    return result;
  }

  /**
   * Forward `request` (received in `server`) to `targets` through a new response context.
   * Returns undefined, doing nothing, when the server transaction has already answered (the
   * caller cancelled meanwhile). An empty target set is answered 480 — callers normally decide
   * 404/480 themselves before.
   */
  forward(
    server: ServerTransaction,
    request: SipRequest,
    targets: readonly ProxyTarget[],
    options: ForwardOptions = NO_OPTIONS,
    hooks: ForwardHooks = NO_HOOKS,
  ): ResponseContext | undefined {
    if (server.terminated || server.finalResponse !== undefined) {
      this.#logger.debug({ callId: request.callId }, 'not forwarding: the request was already answered');
      return undefined;
    }
    if (targets.length === 0) {
      server.respond(createResponse(request, 480, 'Temporarily Unavailable', { toTag: generateTag() }));
      return undefined;
    }
    const hash = loopHash(request, this.#receivedUris.get(request) ?? request.uri, request.topVia);
    // INVITE branches get a TU that lets go of the context once it finished, so that the
    // context is not kept for the 32 s its client transactions wait (answered-branch-user.ts).
    const releasing = request.method === 'INVITE' ? new ReleasingTransactions(this.#transactions, this, server.flow) : undefined;
    const context = new ResponseContext(server, request, targets, hash, options, hooks, this.#contextDeps, releasing ?? this.#transactions);
    if (releasing) releasing.context = context;
    if (server.kind === 'invite-server' && request.method === 'INVITE') {
      // A new attempt on the same request (a service proxying again) replaces the open one.
      if (!(server.tuState instanceof ResponseContext)) this.#openContexts++;
      server.tuState = context;
    }
    context.start();
    return context;
  }

  /** The open response context of an INVITE server transaction, if any. */
  contextOf(server: ServerTransaction): ResponseContext | undefined {
    return server.kind === 'invite-server' && server.tuState instanceof ResponseContext ? server.tuState : undefined;
  }

  /**
   * A CANCEL (TransactionUser.onCancel). §16.10: with a response context, answer the CANCEL 200
   * and cancel the pending branches. Without one (the request is still in the stages, or was
   * answered), answer it as a UAS would (§9.2): 200 and 487 for an unanswered INVITE. A CANCEL
   * that matches no INVITE transaction at all comes too late to cancel anything we forwarded:
   * 481 — a stateless relay of it would leave its server transaction unanswered.
   */
  handleCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    if (!invite) {
      cancelTransaction.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist', { toTag: generateTag() }));
      return;
    }
    cancelTransaction.respond(createResponse(cancel, 200, 'OK'));
    const context = this.contextOf(invite);
    if (context) {
      context.cancel();
      return;
    }
    if (invite.finalResponse === undefined && !invite.terminated) {
      invite.respond(createResponse(invite.request, 487, 'Request Terminated', { toTag: generateTag() }));
    }
  }

  /**
   * An ACK for a 2xx (TransactionUser.onAck2xx): end to end, routed by its Route header
   * (the route set our Record-Route built) and forwarded statelessly (§16.11 rules: a branch
   * that is the same for retransmissions).
   */
  handleAck(ack: SipRequest, _flow: Flow): void {
    void this.forwardStatelessly(ack);
  }

  /**
   * A response that matched no client transaction (TransactionUser.onStrayResponse). RFC 6026
   * §8.1 (updating §16.7 step 10): a 2xx to an INVITE is forwarded statelessly — our Via
   * removed, the next Via routes it. Anything else is dropped.
   */
  handleStrayResponse(response: SipResponse, flow: Flow): void {
    this.#relay2xx(response, flow, undefined);
  }

  /** A 2xx on an INVITE branch after its response context finished (answered-branch-user.ts):
   *  forwarded as the context would, on the caller's flow. */
  forwardLate2xx(response: SipResponse, upstream: Flow): void {
    this.#relay2xx(response, upstream, upstream);
  }

  #relay2xx(response: SipResponse, flow: Flow, upstream: Flow | undefined): void {
    let top: Via | undefined;
    try {
      top = response.topVia;
      if (response.status < 200 || response.status >= 300 || response.cseq.method !== 'INVITE' || !top || !this.#isOurVia(top)) {
        this.#logger.debug({ status: response.status, flow: flow.id }, 'stray response dropped');
        return;
      }
      response.popVia();
      if (!response.topVia) return;
    } catch (error) {
      this.#logger.debug({ err: error }, 'unreadable stray response dropped');
      return;
    }
    this.#transactions.sendStatelessResponse(response, upstream).catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'stray 2xx could not be forwarded');
    });
  }

  /**
   * §16.11 stateless forwarding of a request along its Route (or to its Request-URI): used for
   * ACK of 2xx. Requests that fail validation are dropped (an ACK is never answered).
   * Resolves true when the request was sent.
   */
  async forwardStatelessly(request: SipRequest): Promise<boolean> {
    const validation = this.validate(request);
    if (!validation.ok) {
      this.#logger.info({ method: request.method, status: validation.status, callId: request.callId }, `${request.method} dropped: ${validation.reason}`);
      return false;
    }
    try {
      const received = request.uri;
      preprocessRoutes(request, this.#identity);
      const incomingTop = request.topVia;
      const hash = loopHash(request, received, incomingTop);
      const copy = request.clone();
      decrementMaxForwards(copy);
      adaptToStrictRouter(copy);
      const hop = nextHopUri(copy);
      if (!hop) throw new Error('the next hop is not a SIP or SIPS URI');
      const destination = await resolveDestination(destinationOfUri(hop), this.#resolver);
      const address = localAddress(this.#identity, destination.protocol, destination.address);
      const incomingBranch = String(incomingTop?.params.get('branch') ?? `${request.callId} ${request.cseq.seq}`);
      copy.pushVia(createVia(address, destination.protocol, statelessBranch(hash, incomingBranch)));
      await this.#transactions.sendStatelessRequest(copy, destination);
      return true;
    } catch (error) {
      this.#logger.info({ err: error, method: request.method, callId: request.callId }, `${request.method} could not be forwarded`);
      return false;
    }
  }

  #isOurVia(via: Via): boolean {
    const secure = via.transport.toUpperCase() === 'TLS';
    return this.#identity.isLocal(via.host, via.port ?? defaultSipPort(secure), secure);
  }
}
