/**
 * The services stage: offers each initial request to the registered service engines (CPL, the
 * app container, SIP-CGI) as one chain, and carries out what the chain decides.
 *
 * Order: the caller's services (originating: the request was authenticated as one of our
 * users) run before the callee's (terminating: the Request-URI is one of our users), as an
 * originating service may change where the call goes. Within a direction, engines run in the
 * order given. A service that proxies to one target hands the request, as proxied, to the next
 * service (service-chain.ts); any other decision is carried out. When every engine continues,
 * the proxy stage routes the request as usual.
 *
 * A `proxy` decision goes through the proxy core; when its branches produce no 2xx, the
 * engine's `onOutcome` is asked what next (CPL's busy / noanswer / redirection / failure
 * outputs), and so on until the caller has an answer.
 */
import type { Logger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { createRedirectResponse } from '../proxy/redirect.js';
import type { ProxyTarget } from '../proxy/target.js';
import type { Registrar } from '../registrar/registrar.js';
import type { B2buaDecision } from '../services/user-agent.js';
import { carryOutB2bua, createUserAgentService } from './user-agent-service.js';
import { DecisionRunner, forwardOptionsOf, type CarryOut } from './decision-runner.js';
import type { UserAgentCore } from './user-agent-core.js';
import type { ServiceTarget } from '../services/decision.js';
import { applyMessageEdits } from '../services/message-edits.js';
import type { ServiceCall, ServiceDirection, ServiceEngine, ServiceHost } from '../services/service-engine.js';
import { formatUri, parseUri, type SipRequest } from '../sip/index.js';
import type { Binding } from '../store/binding-repository.js';
import { authenticatedIdentity } from './auth-stage.js';
import { decideChain, type ServiceChain } from './service-chain.js';
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
  /** Route for requests engines originate (ISC: the S-CSCF with `orig`, TS 24.229 §5.7.3). */
  originatingRoute?: string;
}

/** Methods that never reach engines: registrations, and what only makes sense hop by hop. */
const NOT_FOR_SERVICES = new Set(['REGISTER', 'ACK', 'CANCEL', 'OPTIONS']);

export class ServicesStage implements RequestStage {
  readonly name = 'services';
  readonly host: ServiceHost;
  readonly #options: ServicesStageOptions;
  readonly #logger: Logger;
  readonly #runner: DecisionRunner;

  constructor(options: ServicesStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'services' });
    this.host = createServiceHost(options.registrar, options.userAgent, options.originatingRoute);
    this.#runner = new DecisionRunner({
      proxy: options.proxy,
      logger: this.#logger,
      targets: (_request, targets) => this.#expand(targets),
      forwardOptions: (decision) => forwardOptionsOf(decision),
      redirectResponse: (request, decision) => createRedirectResponse(request, toTargets(decision.contacts), decision.permanent ? 301 : 302),
      b2bua: (incoming, decision, carryOut, engine) => this.#b2bua(incoming, decision, carryOut, engine),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    if (this.#options.engines.length === 0 || NOT_FOR_SERVICES.has(request.method) || isInDialog(request)) return 'continue';
    if (addressedToServer(request, this.#options.proxy.identity, this.#options.domains)) return 'continue';
    const flow = transaction.flow;
    const caller = authenticatedIdentity(request);
    const context: ChainContext = {
      ...(caller ? { caller: caller.aor } : {}),
      source: { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port },
      local: { address: flow.local.address, port: flow.local.port },
    };
    const { decision, engines } = await decideChain(this.#chain(context), request);
    if (decision.kind === 'continue') return 'continue';
    const engine = engines.join('→');
    this.#logger.debug({ engine, decision: decision.kind, callId: request.callId }, 'services decided');
    await this.#runner.carryOut(incoming, decision, engine);
    return 'handled';
  }

  /**
   * The chain of services (service-chain.ts): the caller's services (originating) in engine
   * order, then the callee's (terminating) for the request as it is by then — the callee is the
   * AOR of that request's Request-URI, so it changes where a service proxies on. Positions:
   * 0…n−1 originating, n…2n−1 terminating, n engines.
   */
  #chain(context: ChainContext): ServiceChain {
    const engines = this.#options.engines;
    const n = engines.length;
    return {
      length: 2 * n,
      at: (p, request) => {
        const direction: ServiceDirection = p < n ? 'originating' : 'terminating';
        const aor = direction === 'originating' ? context.caller : this.#options.registrar.location.aorOf(request.uri);
        if (aor === undefined) return undefined;
        const call: ServiceCall = {
          request,
          direction,
          aor,
          ...(context.caller ? { authenticatedAs: context.caller } : {}),
          source: context.source,
          local: context.local,
          host: this.host,
        };
        return { engine: engines[p % n]!, call };
      },
    };
  }

  /** The server answers the INVITE itself and calls the target on a new leg (an AOR of ours is
   *  looked up first: the best-q contact is called). */
  async #b2bua(incoming: IncomingRequest, decision: B2buaDecision, carryOut: CarryOut, engine: string): Promise<void> {
    const { transaction } = incoming;
    const ua = this.#options.userAgent;
    if (ua === undefined || transaction.kind !== 'invite-server') {
      incoming.reply(ua === undefined ? 501 : 405);
      return;
    }
    const [target] = (await this.#expand([{ uri: decision.target }])).sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
    if (target === undefined) return this.#runner.noTarget(incoming, decision.onOutcome, engine);
    carryOutB2bua(ua, transaction, { ...decision, target: formatUri(target.uri) }, carryOut);
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

interface ChainContext {
  /** The AOR the caller authenticated as, when one of ours. */
  caller?: string;
  source: ServiceCall['source'];
  local: NonNullable<ServiceCall['local']>;
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


/** The ServiceHost engines see, over the registrar's location service and events. */
export function createServiceHost(registrar: Registrar, userAgent?: UserAgentCore, originatingRoute?: string): ServiceHost {
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
    ...(userAgent !== undefined ? { userAgent: createUserAgentService(userAgent, originatingRoute !== undefined ? { originatingRoute } : {}) } : {}),
  };
}
