/**
 * The AS role on the ISC interface (TS 24.229 §5.7, TS 23.218 §6–§9): an S-CSCF whose iFC
 * named us sends an initial request with `Route: <us;lr>, <S-CSCF URI with its original-dialog
 * identifier;lr>`. This stage runs before the route stage (which would otherwise pop our Route
 * before its parameters are read, and refuse the pre-loaded foreign Route as relaying):
 *
 *  1. Recognise it: initial request, our Route on top, a trusted S-CSCF's next, sent from a
 *     trusted S-CSCF address (RFC 5502 §6 / 24.229 §5.7.1.3A: trust domain). Anything else is
 *     left to the ordinary stages untouched.
 *  2. Pop our Route only; the S-CSCF Route stays byte for byte (24.229 §5.7.4: the ODI must
 *     come back). §16.3 checks as any proxy.
 *  3. Served user and session case (platform/isc/as/isc-session.ts). No digest challenge: the
 *     S-CSCF asserted the identity (RFC 3325), so an originating call runs as the served user.
 *  4. Ask the service engines (the same list and order as the services stage) for that user
 *     and direction as one chain (service-chain.ts, issue 5 §4): an engine that proxies to one
 *     target hands the request, as proxied, to the next engine, which decides for the same
 *     served user; the upstream engine stays on the path and hears the outcome. What the chain
 *     decides is carried out as an AS may:
 *     - continue: proxy (§5.7.4) — the request goes back to the S-CSCF unchanged;
 *     - proxy: back to the S-CSCF through the remaining Route set, one branch per target with
 *       the target as Request-URI (a changed Request-URI is a retarget: History-Info, RFC 7044;
 *       the S-CSCF then ends the terminating chain, isc.md §5.3). Targets are never replaced by
 *       registered contacts — the S-CSCF owns the location service. Record-Route only when the
 *       decision asks for it (`options.recordRoute`) or `recordRoute` is configured: an AS that
 *       does not Record-Route leaves the dialog (23.218 §9.1.1: subsequent requests then skip it);
 *     - reject / respond: terminating UA (§5.7.2) — our final response ends the chain;
 *     - redirect: redirect server (§5.7.2) — 3xx, carrying an application/3gpp-ims+xml body of
 *       the request along.
 *  P-Asserted-Identity, P-Charging-Vector, P-Charging-Function-Addresses and P-Served-User are
 *  copied like every other header (the S-CSCF is in our trust domain).
 *
 * A third-party REGISTER (24.229 §5.4.1.7 / §5.7.1.1: Request-URI us, From a trusted S-CSCF,
 * no Route) is answered here with 200 and the same Expires; the served user's registration
 * state it reports fills `regstate` for later ISC requests whose P-Served-User lacks it.
 */
import { lookup } from 'node:dns/promises';
import type { Logger } from '../log/logger.js';
import {
  addRetargetHistory,
  AsRegistrations,
  checkIscRoutes,
  checkThirdPartyRegister,
  readThirdPartyRegisterBody,
  determineIscSession,
  isRetarget,
  parseTrustedScscfs,
  setIscFacts,
  TrustedScscfs,
  type AddressResolver,
  type IscFacts,
} from '../isc/as/index.js';
import { isLocalUri } from '../proxy/local-identity.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { redirectContacts } from '../proxy/redirect.js';
import { writeRoutes } from '../proxy/route-processing.js';
import type { ProxyTarget } from '../proxy/target.js';
import type { ServiceTarget } from '../services/decision.js';
import { applyMessageEdits } from '../services/message-edits.js';
import type { ServiceCall, ServiceEngine, ServiceHost } from '../services/service-engine.js';
import { checkRequest, createResponse, generateTag, parseUri, type SipRequest, type SipResponse, type SipUri, type Uri } from '../sip/index.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';
import { isInDialog } from './route-stage.js';
import { DecisionRunner, forwardOptionsOf, type CarryOut } from './decision-runner.js';
import { decideChain, type ServiceChain } from './service-chain.js';
import type { UserAgentCore } from './user-agent-core.js';
import { carryOutB2bua } from './user-agent-service.js';
import type { B2buaDecision } from '../services/user-agent.js';

export interface IscStageOptions {
  proxy: ProxyCore;
  /** The service engines, in the services stage's order. */
  engines: readonly ServiceEngine[];
  /** The ServiceHost of the services stage; its location lookups are answered by the S-CSCF's
   *  routing here (see iscServiceHost). */
  host: ServiceHost;
  trusted: TrustedScscfs;
  /** Our ServerName as provisioned in the iFCs, when it names us by a host the listeners and
   *  served domains do not (e.g. `sip:as.ims.example.com`). */
  asUri?: string;
  /** Record-Route every request sent back (default false: only when a decision asks). */
  recordRoute?: boolean;
  /** History-Info on retargeting (default true). */
  historyInfo?: boolean;
  logger: Logger;
  /** The UA core, for `b2bua` decisions (TS 24.229 §5.7.5); absent: they get 501. */
  userAgent?: UserAgentCore;
}

/** The `isc` section of the configuration. */
export interface IscSettings {
  /** S-CSCFs whose requests get ISC treatment: `host` or `host:port`. */
  trustedScscf: readonly string[];
  asUri?: string;
  recordRoute?: boolean;
  historyInfo?: boolean;
  /** The S-CSCF our originated requests go to (TS 24.229 §5.7.3), a SIP URI. */
  originatingScscf?: string;
}

/** `Route` value for requests we originate as an AS: the S-CSCF, loose-routed, with `orig`. */
export function originatingRouteOf(settings: IscSettings): string | undefined {
  const uri = settings.originatingScscf;
  if (uri === undefined) return undefined;
  const parsed = parseUri(uri);
  if (parsed.kind !== 'sip') throw new Error(`isc.originatingScscf must be a SIP URI: ${uri}`);
  return `<${uri}${/;lr(;|$)/u.test(uri) ? '' : ';lr'};orig>`;
}

/** The stage for a configuration section; throws on a bad `trustedScscf` entry or `asUri`. */
export function createIscStage(settings: IscSettings, parts: Pick<IscStageOptions, 'proxy' | 'engines' | 'host' | 'logger' | 'userAgent'> & { resolve?: AddressResolver }): IscStage {
  const parsed = parseTrustedScscfs(settings.trustedScscf);
  if (!parsed.ok) throw new Error(parsed.error);
  return new IscStage({
    proxy: parts.proxy,
    engines: parts.engines,
    host: parts.host,
    logger: parts.logger,
    ...(parts.userAgent ? { userAgent: parts.userAgent } : {}),
    trusted: new TrustedScscfs(parsed.entries, parts.resolve ?? resolveAddresses),
    ...(settings.asUri !== undefined ? { asUri: settings.asUri } : {}),
    ...(settings.recordRoute !== undefined ? { recordRoute: settings.recordRoute } : {}),
    ...(settings.historyInfo !== undefined ? { historyInfo: settings.historyInfo } : {}),
  });
}

/** Header fields a B2BUA's leg B carries over from leg A on ISC (RFC 3325, RFC 7315). */
const B2BUA_CARRIED = ['P-Asserted-Identity', 'P-Charging-Vector', 'P-Charging-Function-Addresses', 'P-Served-User'];

/** Never offered to engines over ISC: hop-by-hop or registrations (third-party REGISTER is not
 *  routed with an ODI Route). OPTIONS and the rest go back to the S-CSCF as they came. */
const NOT_FOR_SERVICES = new Set(['REGISTER', 'ACK', 'CANCEL', 'OPTIONS']);

export class IscStage implements RequestStage {
  readonly name = 'isc';
  readonly #options: IscStageOptions;
  readonly #logger: Logger;
  readonly #host: ServiceHost;
  readonly #asUri: SipUri | undefined;
  readonly #runner: DecisionRunner;
  /** Served users' registration state from third-party REGISTERs (24.229 §5.7.1.1). */
  readonly registrations = new AsRegistrations();

  constructor(options: IscStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'isc' });
    this.#host = iscServiceHost(options.host);
    const as = options.asUri === undefined ? undefined : parseUri(options.asUri);
    if (as !== undefined && as.kind !== 'sip') throw new Error(`isc.asUri must be a SIP URI: ${options.asUri}`);
    this.#asUri = as;
    this.#runner = new DecisionRunner({
      proxy: options.proxy,
      logger: this.#logger,
      targets: (request, targets) => this.#targets(request, targets),
      forwardOptions: (decision) => forwardOptionsOf(decision, { recordRoute: options.recordRoute ?? false }),
      redirectResponse: (request, decision) => redirectResponse(request, decision.contacts, decision.permanent ? 301 : 302),
      b2bua: async (incoming, decision, carryOut) => this.#b2bua(incoming, decision, carryOut),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    });
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    if (request.method === 'REGISTER') return this.#thirdPartyRegister(incoming);
    if (request.method === 'ACK' || request.method === 'CANCEL' || !request.hasHeader('Route') || isInDialog(request)) return 'continue';
    let routes;
    try {
      routes = request.routes;
    } catch {
      return 'continue'; // the route stage answers 400
    }
    const check = checkIscRoutes(routes, (uri) => this.#isOwn(uri), this.#options.trusted);
    if (check.kind === 'not-for-us') return 'continue';
    const source = transaction.flow.remote;
    if (check.kind === 'untrusted' || !(await this.#options.trusted.isTrustedSource(source.address))) {
      const reason = check.kind === 'untrusted' ? check.reason : `source ${source.address} is not a trusted S-CSCF`;
      // A Route to us alone is ordinary (outbound proxy); a refused P-Served-User is worth a line.
      const claim = request.hasHeader('P-Served-User');
      this.#logger[claim ? 'info' : 'debug']({ callId: request.callId, source: source.address, reason }, 'no ISC treatment');
      return 'continue';
    }

    // 24.229 §5.7.4: remove our own Route entry; the ODI Route below it is kept as received.
    const scscfRoute = request.getHeaders('Route')[1] as string;
    writeRoutes(request, request.getHeaders('Route').slice(1));
    const proxy = this.#options.proxy;
    const verdict = checkRequest(request, { role: 'proxy', extensions: proxy.config.proxyExtensions });
    if (verdict.action === 'reject') {
      incoming.reply(verdict.status, verdict.reason, verdict.headers);
      return 'handled';
    }
    if (verdict.action === 'drop') return 'handled';
    const validation = proxy.validate(request);
    if (!validation.ok) {
      incoming.reply(validation.status, validation.reason, validation.headers);
      return 'handled';
    }

    const session = determineIscSession(request, check.own, check.scscf);
    if ('error' in session) {
      this.#logger.info({ callId: request.callId, error: session.error }, 'ISC request without a served user: sent back unchanged');
      this.#sendBack(incoming, false);
      return 'handled';
    }
    if (session.warnings.length > 0) this.#logger.info({ callId: request.callId, warnings: session.warnings }, 'ISC request');
    // No regstate from the S-CSCF: what its last third-party REGISTER said, if any.
    if (session.registered === undefined) {
      const registered = this.registrations.registered(session.aor);
      if (registered !== undefined) session.registered = registered;
    }
    const facts: IscFacts = { ...session, scscfRoute };
    setIscFacts(request, facts);

    if (!NOT_FOR_SERVICES.has(request.method)) {
      const { decision, engines } = await decideChain(this.#chain(incoming, facts), request);
      if (decision.kind !== 'continue') {
        const engine = engines.join('→');
        this.#logger.debug({ engine, servedUser: session.servedUser, sessionCase: session.sessionCase, decision: decision.kind, callId: request.callId }, 'ISC service decided');
        await this.#runner.carryOut(incoming, decision, engine);
        return 'handled';
      }
    }
    this.#sendBack(incoming, this.#options.recordRoute ?? false);
    return 'handled';
  }

  /**
   * The service chain (service-chain.ts) for the served user and session case the S-CSCF gave:
   * they stay the same along the chain (the S-CSCF chose whose services run here; a retarget
   * is for it to act on when the request comes back, isc.md §5.3), so position p is engine p.
   * A single-target proxy hands on the request as #targets would send it: the Request-URI as
   * received unless the target is another identity (a retarget).
   */
  #chain(incoming: IncomingRequest, facts: IscFacts): ServiceChain {
    const flow = incoming.transaction.flow;
    const engines = this.#options.engines;
    return {
      length: engines.length,
      at: (p, request) => {
        // A proxied copy keeps the ISC facts for the engines that read them.
        setIscFacts(request, facts);
        const call: ServiceCall = {
          request,
          direction: facts.direction,
          aor: facts.aor,
          // RFC 3325: the S-CSCF asserted who the originating user is.
          ...(facts.direction === 'originating' ? { authenticatedAs: facts.aor } : {}),
          source: { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port },
          local: { address: flow.local.address, port: flow.local.port },
          host: this.#host,
        };
        return { engine: engines[p]!, call };
      },
      sentUri: (received, target) => (isRetarget(received, target) ? target : received),
    };
  }

  /**
   * TS 24.229 §5.4.1.7 / §5.7.1.1: a third-party REGISTER from a trusted S-CSCF (Request-URI
   * us, From the S-CSCF, sent from a trusted address) is answered 200 with the expiry it
   * carried — never challenged: the S-CSCF authenticated the user — and the served user's
   * registration state is kept. Any other REGISTER goes on to the ordinary stages.
   */
  async #thirdPartyRegister(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    const check = checkThirdPartyRegister(request, (uri) => this.#isOwn(uri), this.#options.trusted);
    if (check.kind === 'not-for-us') return 'continue';
    const source = transaction.flow.remote.address;
    if (!(await this.#options.trusted.isTrustedSource(source))) {
      this.#logger.info({ callId: request.callId, source }, 'REGISTER naming a trusted S-CSCF from an untrusted address: no third-party treatment');
      return 'continue';
    }
    if (check.kind === 'invalid') {
      incoming.reply(400, `Bad Request (${check.reason})`);
      return 'handled';
    }
    const body = readThirdPartyRegisterBody(request);
    this.registrations.apply(check, body);
    this.#logger.info(
      { servedUser: check.servedUser, expires: check.expires, scscf: check.scscf, serviceInfo: body.serviceInfo !== undefined, includedRequest: body.includedRequest !== undefined, includedResponse: body.includedResponse !== undefined },
      check.expires === 0 ? 'third-party de-registration' : 'third-party registration',
    );
    // §5.7.1.1: the 200 carries the same expiration value as the REGISTER.
    incoming.reply(200, 'OK', [{ name: 'Expires', value: String(check.expires) }]);
    return 'handled';
  }

  /**
   * TS 24.229 §5.7.5: the AS as a routeing B2BUA. Leg B is a new INVITE (own Call-ID, tags) for
   * the decision's target, sent back through the S-CSCF Route that carries the original dialog
   * identifier, so the S-CSCF continues the served user's iFC chain; P-Asserted-Identity and the
   * charging headers of leg A are carried over (§5.7.5.1 keeps the served user's identity).
   */
  async #b2bua(incoming: IncomingRequest, decision: B2buaDecision, carryOut: CarryOut): Promise<void> {
    const { request, transaction } = incoming;
    const ua = this.#options.userAgent;
    if (ua === undefined || transaction.kind !== 'invite-server') {
      incoming.reply(ua === undefined ? 501 : 405);
      return;
    }
    const route = [...request.getHeaders('Route')];
    const headers = B2BUA_CARRIED.flatMap((name) => request.getHeaders(name).map((value) => ({ name, value })));
    carryOutB2bua(ua, transaction, decision, carryOut, { route, headers });
  }

  #isOwn(uri: SipUri): boolean {
    if (isLocalUri(this.#options.proxy.identity, uri)) return true;
    const as = this.#asUri;
    if (as === undefined || as.host.toLowerCase() !== uri.host.toLowerCase()) return false;
    const secure = (u: SipUri): boolean => u.scheme === 'sips';
    return (as.port ?? (secure(as) ? 5061 : 5060)) === (uri.port ?? (secure(uri) ? 5061 : 5060));
  }

  /** §5.7.4 with the request as it is: the Request-URI unchanged, to the S-CSCF Route. */
  #sendBack(incoming: IncomingRequest, recordRoute: boolean): void {
    const { request, transaction } = incoming;
    this.#options.proxy.forward(transaction, request, [{ uri: request.uri }], { recordRoute, forking: 'parallel' });
  }

  /** One branch per target, each sent back to the S-CSCF (the request's remaining Route). */
  #targets(request: SipRequest, targets: readonly ServiceTarget[]): ProxyTarget[] {
    const received = request.uri;
    const historyInfo = this.#options.historyInfo ?? true;
    const out: ProxyTarget[] = [];
    let retargets = 0;
    for (const target of targets) {
      let uri: Uri;
      try {
        uri = parseUri(target.uri);
      } catch {
        this.#logger.warn({ uri: target.uri }, 'service target is not a URI; skipped');
        continue;
      }
      const retarget = isRetarget(received, uri);
      // Not a retarget (the same identity): the Request-URI stays exactly as received.
      if (!retarget) uri = received;
      const branch = retarget ? ++retargets : 0;
      const edits = target.edits;
      const edit =
        edits || (retarget && historyInfo)
          ? {
              edit: (copy: SipRequest): SipRequest => {
                const changed = edits ? applyMessageEdits(copy, edits) : copy;
                if (retarget && historyInfo) addRetargetHistory(changed, received, branch);
                return changed;
              },
            }
          : {};
      out.push({ uri, ...(target.q !== undefined ? { q: target.q } : {}), ...edit });
    }
    return out;
  }

}

/**
 * The ServiceHost engines see on ISC. The served user's registrations live in the S-CSCF, not
 * here, so a location lookup answers with the URI itself: proxying to it sends the request back
 * to the S-CSCF, which routes it to the registered contacts (terminating procedures,
 * 24.229 §5.4.3.3). Registration events and local domains are the base host's.
 */
export function iscServiceHost(base: ServiceHost): ServiceHost {
  return {
    async lookup(uri) {
      return { kind: 'found', contacts: [{ uri, q: 1, expiresAt: Date.now() + 3_600_000 }] };
    },
    isLocalDomain: (domain) => base.isLocalDomain(domain),
    onRegistration: (listener) => base.onRegistration(listener),
    // Requests services originate still go through the core's UA (to isc.originatingScscf).
    ...(base.userAgent ? { userAgent: base.userAgent } : {}),
  };
}

/** The system resolver for trusted S-CSCF host names (A and AAAA). */
export const resolveAddresses: AddressResolver = async (host) => (await lookup(host, { all: true })).map((entry) => entry.address);

/** §5.7.2: a redirecting AS "shall propagate any received IM CN subsystem XML message body". */
function redirectResponse(request: SipRequest, contacts: readonly ServiceTarget[], status: 301 | 302): SipResponse {
  const targets: ProxyTarget[] = [];
  for (const contact of contacts) {
    try {
      targets.push({ uri: parseUri(contact.uri), ...(contact.q !== undefined ? { q: contact.q } : {}) });
    } catch {
      // not a URI: left out of the redirect
    }
  }
  const ims = request.contentType === 'application/3gpp-ims+xml' && request.body.length > 0;
  return createResponse(request, status, status === 301 ? 'Moved Permanently' : 'Moved Temporarily', {
    toTag: generateTag(),
    headers: redirectContacts(targets),
    ...(ims ? { body: request.body, contentType: 'application/3gpp-ims+xml' } : {}),
  });
}
