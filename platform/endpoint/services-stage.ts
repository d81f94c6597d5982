/**
 * The services stage: offers each initial request to the registered service engines (CPL, the
 * app container, SIP-CGI) and carries out the first Decision that is not `continue`.
 *
 * Order: the caller's services (originating: the request was authenticated as one of our
 * users) run before the callee's (terminating: the Request-URI is one of our users), as an
 * originating service may change where the call goes. Within a direction, engines run in the
 * order given. When every engine continues, the proxy stage routes the request as usual.
 *
 * A `proxy` decision goes through the proxy core; when its branches produce no 2xx, the
 * engine's `onOutcome` is asked what next (CPL's busy / noanswer / redirection / failure
 * outputs), and so on until the caller has an answer.
 */
import type { Logger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { createRedirectResponse } from '../proxy/redirect.js';
import type { ContextOutcome, ResponseAction } from '../proxy/response-context.js';
import type { ForwardOptions, ProxyTarget } from '../proxy/target.js';
import type { Registrar } from '../registrar/registrar.js';
import type { B2buaDecision } from '../services/user-agent.js';
import { carryOutB2bua, createUserAgentService } from './user-agent-service.js';
import { branchOutcomeOf, toServiceResponse } from './service-responses.js';
import type { UserAgentCore } from './user-agent-core.js';
import type { BranchOutcome, Decision, ProxyDecision, ServiceTarget } from '../services/decision.js';
import { applyMessageEdits } from '../services/message-edits.js';
import type { ServiceCall, ServiceDirection, ServiceEngine, ServiceHost } from '../services/service-engine.js';
import { formatUri, parseUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { Binding } from '../store/binding-repository.js';
import { authenticatedIdentity } from './auth-stage.js';
import { targetsFromBindings, type ReceivedRouting } from './proxy-stage.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';
import { addressedToServer, isInDialog } from './route-stage.js';

export interface ServicesStageOptions {
  engines: readonly ServiceEngine[];
  proxy: ProxyCore;
  registrar: Registrar;
  domains: readonly string[];
  logger: Logger;
  receivedRouting?: ReceivedRouting;
  /** Requests the server originates and B2BUA legs (`b2bua` decisions); absent: 501 for them. */
  userAgent?: UserAgentCore;
}

/** Methods that never reach engines: registrations, and what only makes sense hop by hop. */
const NOT_FOR_SERVICES = new Set(['REGISTER', 'ACK', 'CANCEL', 'OPTIONS']);

export class ServicesStage implements RequestStage {
  readonly name = 'services';
  readonly host: ServiceHost;
  readonly #options: ServicesStageOptions;
  readonly #logger: Logger;

  constructor(options: ServicesStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'services' });
    this.host = createServiceHost(options.registrar, options.userAgent);
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    if (this.#options.engines.length === 0 || NOT_FOR_SERVICES.has(request.method) || isInDialog(request)) return 'continue';
    if (addressedToServer(request, this.#options.proxy.identity, this.#options.domains)) return 'continue';
    const flow = transaction.flow;
    const source = { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port };
    const caller = authenticatedIdentity(request);
    const callee = this.#options.registrar.location.aorOf(request.uri);
    const calls: Array<{ direction: ServiceDirection; aor: string }> = [];
    if (caller) calls.push({ direction: 'originating', aor: caller.aor });
    if (callee) calls.push({ direction: 'terminating', aor: callee });

    for (const { direction, aor } of calls) {
      const call: ServiceCall = {
        request,
        direction,
        aor,
        ...(caller ? { authenticatedAs: caller.aor } : {}),
        source,
        local: { address: flow.local.address, port: flow.local.port },
        host: this.host,
      };
      for (const engine of this.#options.engines) {
        if (engine.directions && !engine.directions.includes(direction)) continue;
        const decision = await engine.decide(call);
        if (decision.kind === 'continue') continue;
        this.#logger.debug({ engine: engine.name, direction, decision: decision.kind, callId: request.callId }, 'service decided');
        await this.#carryOut(incoming, decision, engine.name);
        return 'handled';
      }
    }
    return 'continue';
  }

  async #carryOut(incoming: IncomingRequest, decision: Exclude<Decision, { kind: 'continue' }>, engine: string): Promise<void> {
    const { request, transaction } = incoming;
    if (transaction.finalResponse !== undefined || transaction.terminated) return; // cancelled meanwhile
    switch (decision.kind) {
      case 'reject':
        incoming.reply(decision.status, decision.reason);
        return;
      case 'respond':
        incoming.reply(decision.status, decision.reason, decision.headers ?? [], decision.body);
        return;
      case 'redirect': {
        const targets = toTargets(decision.contacts);
        transaction.respond(createRedirectResponse(request, targets, decision.permanent ? 301 : 302));
        return;
      }
      case 'proxy':
        return this.#proxy(incoming, decision, engine);
      case 'b2bua':
        return this.#b2bua(incoming, decision, engine);
    }
  }

  /** The server answers the INVITE itself and calls the target on a new leg (an AOR of ours is
   *  looked up first: the best-q contact is called). */
  async #b2bua(incoming: IncomingRequest, decision: B2buaDecision, engine: string): Promise<void> {
    const { transaction } = incoming;
    const ua = this.#options.userAgent;
    if (ua === undefined || transaction.kind !== 'invite-server') {
      incoming.reply(ua === undefined ? 501 : 405);
      return;
    }
    const [target] = (await this.#expand([{ uri: decision.target }])).sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
    if (target === undefined) {
      const outcome: BranchOutcome = { kind: 'failure', status: 480, reason: 'Temporarily Unavailable' };
      const next = decision.onOutcome ? await decision.onOutcome(outcome) : { kind: 'continue' as const };
      if (next.kind === 'continue') incoming.reply(480, 'Temporarily Unavailable');
      else await this.#carryOut(incoming, next, engine);
      return;
    }
    carryOutB2bua(ua, transaction, { ...decision, target: formatUri(target.uri) }, (next) => this.#carryOut(incoming, next, engine));
  }

  async #proxy(incoming: IncomingRequest, decision: ProxyDecision, engine: string): Promise<void> {
    const { request, transaction } = incoming;
    for (const provisional of decision.provisional ?? []) {
      if (provisional.status > 100 && provisional.status < 200) incoming.reply(provisional.status, provisional.reason, provisional.headers ?? []);
    }
    const targets = await this.#expand(decision.targets);
    if (targets.length === 0) {
      // Nothing to try: the outcome is a failure the engine may still act on.
      const outcome: BranchOutcome = { kind: 'failure', status: 480, reason: 'Temporarily Unavailable' };
      const next = decision.onOutcome ? await decision.onOutcome(outcome) : { kind: 'continue' as const };
      if (next.kind === 'continue') incoming.reply(480, 'Temporarily Unavailable');
      else await this.#carryOut(incoming, next, engine);
      return;
    }
    this.#options.proxy.forward(transaction, request, targets, forwardOptions(decision), {
      onSuccess: (response) => {
        void Promise.resolve(decision.onOutcome?.({ kind: 'success', status: response.status })).catch((error: unknown) =>
          this.#logger.error({ err: error, engine }, 'onOutcome(success) failed'),
        );
      },
      ...(decision.onResponse ? { onResponse: (response: SipResponse, target: ProxyTarget) => this.#onResponse(incoming, decision, engine, response, target) } : {}),
      ...(decision.onCancel ? { onCancel: decision.onCancel } : {}),
      onFailure: async (outcome) => {
        if (!decision.onOutcome) return false;
        const next = await decision.onOutcome(toBranchOutcome(outcome));
        if (next.kind === 'continue') return false;
        await this.#carryOut(incoming, next, engine);
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
        await this.#carryOut(incoming, verdict.decision, engine);
        return { kind: 'taken' };
    }
  }

  /** Engine targets that are AORs of ours are replaced by their registered contacts (as the
   *  proxy stage would route them); other URIs are used as given. */
  async #expand(targets: readonly ServiceTarget[]): Promise<ProxyTarget[]> {
    const out: ProxyTarget[] = [];
    for (const target of targets) {
      let uri;
      try {
        uri = parseUri(target.uri);
      } catch {
        this.#logger.warn({ uri: target.uri }, 'service target is not a URI; skipped');
        continue;
      }
      const location = this.#options.registrar.location;
      const edits = target.edits;
      const edit = edits ? { edit: (copy: SipRequest) => applyMessageEdits(copy, edits) } : {};
      if (location.aorOf(uri) !== undefined) {
        const result = await location.lookup(uri);
        if (result.kind === 'found') {
          for (const contact of targetsFromBindings(result.bindings, this.#options.receivedRouting ?? 'nat')) {
            out.push({ ...contact, ...(target.q !== undefined ? { q: target.q } : {}), ...edit });
          }
        }
        continue;
      }
      out.push({ uri, ...(target.q !== undefined ? { q: target.q } : {}), ...edit });
    }
    return out;
  }
}

function forwardOptions(decision: ProxyDecision): ForwardOptions {
  const options = decision.options ?? {};
  const forwarding: ForwardOptions = {};
  if (options.forking) forwarding.forking = options.forking;
  if (options.timeoutMs !== undefined) forwarding.timeoutMs = options.timeoutMs;
  if (options.recordRoute !== undefined) forwarding.recordRoute = options.recordRoute;
  if (options.recurse !== undefined) forwarding.recurse = options.recurse;
  return forwarding;
}

function toTargets(contacts: readonly ServiceTarget[]): ProxyTarget[] {
  const out: ProxyTarget[] = [];
  for (const contact of contacts) {
    try {
      out.push({ uri: parseUri(contact.uri), ...(contact.q !== undefined ? { q: contact.q } : {}) });
    } catch {
      // not a URI: left out of the redirect
    }
  }
  return out;
}

/** The proxy's outcome in CPL's terms (RFC 3880 §6.1). */
export function toBranchOutcome(outcome: ContextOutcome): BranchOutcome {
  return branchOutcomeOf(outcome.response, { locallyGenerated: outcome.noAnswer, timedOut: outcome.noAnswer });
}

/** The ServiceHost engines see, over the registrar's location service and events. */
export function createServiceHost(registrar: Registrar, userAgent?: UserAgentCore): ServiceHost {
  const toContact = (binding: Binding) => ({ uri: binding.contactUri, q: binding.q, expiresAt: binding.expiresAt });
  return {
    async lookup(uri) {
      const result = await registrar.location.lookup(uri);
      if (result.kind === 'found') return { kind: 'found', contacts: result.bindings.map(toContact) };
      return { kind: result.kind };
    },
    isLocalDomain: (domain) => registrar.location.isOurDomain(domain),
    onRegistration: (listener) =>
      registrar.onBindingChange((change) => listener({ type: change.type, aor: change.binding.aor, contact: toContact(change.binding) })),
    ...(userAgent !== undefined ? { userAgent: createUserAgentService(userAgent) } : {}),
  };
}
