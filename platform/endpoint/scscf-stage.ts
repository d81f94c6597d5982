/**
 * The S-CSCF role for our own users (issue 7 deliverable 3; TS 24.229 §5.4.3, TS 23.218 Annex C):
 * for an initial request of a local user with a stored service profile, evaluate its iFCs
 * (TS 29.228, platform/isc) and route the request through each matching Application Server in
 * priority order, then on to its destination.
 *
 * Two stages, one state:
 *  - `trigger` (after auth and registrar, before services): originating when the caller
 *    authenticated as a user with a profile, terminating when the Request-URI is one of ours
 *    (§5.4.3.1). SessionCase 0–3 from the location service (registered or not). When the first
 *    matching iFC names an external AS, the request goes there with
 *    `Route: <AS;lr>, <sip:odi_<token>@us;lr[;orig]>` and `P-Served-User: <user>;sescase=…;
 *    regstate=…` (§5.4.3.2 step 4, RFC 5502); no match: the ordinary stages carry on.
 *  - `odiReturn` (first of all stages, before the route stage pops our Route): a request whose
 *    top Route is our ODI URI came back from an AS (§5.4.3.4). The chain goes on with the next
 *    unexecuted iFC, evaluated on the request as returned; when none is left: originating →
 *    the callee's terminating chain if it has one, else normal routing (location service or the
 *    Request-URI). A changed Request-URI on a terminating chain is a retarget (§5.4.3.3): the
 *    remaining terminating iFCs are skipped and the new target is routed.
 *
 * DefaultHandling (29.228 B.2.2; 24.229 §5.4.3.2 step 4 / §5.4.3.3): until the AS shows life
 * (a non-100 provisional or the request coming back), a liveness timer (`asTimeoutMs`), a 408
 * or a 5xx from it means "AS not reachable": SESSION_CONTINUED → the AS is skipped (its branch
 * CANCELled) and the chain continues from the request as it was before that AS;
 * SESSION_TERMINATED → the caller gets 408 (timeout) or the AS's 408/5xx (503 → 500, §16.7).
 * Absent DefaultHandling = SESSION_CONTINUED (isc.md §8).
 *
 * iFCs naming this server are skipped: our own engines run in the services stage when no
 * external AS took the request (see nextExternalIfc). Requests that went through an external
 * AS are routed here and do not visit the services stage.
 */
import type { Logger } from '../log/logger.js';
import { isRetarget } from '../isc/as/index.js';
import { effectiveDefaultHandling, DefaultHandling, SessionCase, type SessionCase as SessionCaseValue } from '../isc/ifc-model.js';
import type { IfcEngine } from '../isc/ifc-engine.js';
import { findServiceProfile } from '../isc/served-user.js';
import { nextExternalIfc, OdiTable, odiTokenOf, pServedUserValue, ProfileCache, type ChainStep, type ProfileTextSource } from '../isc/scscf/index.js';
import { isLocalUri } from '../proxy/local-identity.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { validateProxiedRequest } from '../proxy/request-validation.js';
import { writeRoutes } from '../proxy/route-processing.js';
import type { ForwardOptions, ProxyTarget } from '../proxy/target.js';
import type { LocationService } from '../registrar/location-service.js';
import { checkRequest, formatNameAddr, formatUri, parseUri, type SipRequest } from '../sip/index.js';
import { authenticatedIdentity } from './auth-stage.js';
import { targetsFromBindings, type ReceivedRouting } from './proxy-stage.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';
import { addressedToServer, isInDialog } from './route-stage.js';
import { ThirdPartyRegistration, type RegisterNotice, type ThirdPartyResult } from './scscf-stage-third-party-register.js';
import type { UserAgentCore } from './user-agent-core.js';
import type { BindingChange } from '../registrar/index.js';
import type { BindingRepository } from '../store/binding-repository.js';

/** The `scscf` section of the configuration. */
export interface ScscfSettings {
  enabled?: boolean;
  /** Liveness timer per AS in ms (default 2000, Clearwater's SESSION_CONTINUED value). */
  asTimeoutMs?: number;
  /** Lifetime of an ODI token in ms (default 180 000: Timer C plus margin). */
  odiTtlMs?: number;
  /** Our URI as From and Contact of third-party REGISTERs (24.229 §5.4.1.7); default the
   *  listener address towards each AS. (Needs a `scscf.uri` key in the config schema.) */
  uri?: string;
}

export interface ScscfStageOptions extends ScscfSettings {
  proxy: ProxyCore;
  location: Pick<LocationService, 'aorOf' | 'lookup'>;
  /** Stored service profiles (SqliteServiceProfileRepository in the server). */
  profiles: ProfileTextSource;
  domains: readonly string[];
  logger: Logger;
  /** Forking and timers for location-service targets at the end of a chain. */
  forwarding?: ForwardOptions;
  receivedRouting?: ReceivedRouting;
  /** The UA core: third-party REGISTERs (24.229 §5.4.1.7) are sent through it; absent: none. */
  userAgent?: Pick<UserAgentCore, 'sendRequest'>;
  /** Network-initiated de-registration after a SESSION_TERMINATED third-party REGISTER
   *  failure (see networkDeregistration); absent: such failures are only logged. */
  deregister?: (aor: string) => Promise<unknown>;
}

type Direction = 'originating' | 'terminating';

interface AsLeg {
  responsive: boolean;
  /** Default handling was applied: the leg is abandoned. */
  bypassed: boolean;
  timer?: NodeJS.Timeout;
}

interface ChainState {
  direction: Direction;
  aor: string;
  servedUser: string;
  registered: boolean;
  sessionCase: SessionCaseValue;
  engine: IfcEngine;
  /** Position of the iFC last executed (the AS the request was sent to). */
  position: number;
  /** The Request-URI when the chain started (retarget detection, §5.4.3.3). */
  requestUri: string;
  leg?: AsLeg;
}

/** Never subject to the ODI chain: hop-by-hop, and REGISTER (third-party registration instead:
 *  `afterRegister`, run by the registrar stage after our 200, 24.229 §5.4.1.7). */
const NOT_TRIGGERED = new Set(['REGISTER', 'ACK', 'CANCEL']);

export class ScscfStage {
  readonly #options: ScscfStageOptions;
  readonly #logger: Logger;
  readonly #profiles: ProfileCache;
  readonly #odi: OdiTable<ChainState>;
  readonly #asTimeoutMs: number;
  /** Place after the auth and registrar stages, before services. */
  readonly trigger: RequestStage;
  /** Place first, before the ISC and route stages. */
  readonly odiReturn: RequestStage;
  /** Third-party registration (with a `userAgent`): pass as RegistrarStage `afterRegister`. */
  readonly afterRegister: ((notice: RegisterNotice) => void) | undefined;
  /** Registrar binding events: the last binding expiring is a de-registration to notify. */
  readonly onBindingChange: (change: BindingChange) => void;
  readonly #thirdParty: ThirdPartyRegistration | undefined;

  constructor(options: ScscfStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'scscf' });
    this.#profiles = new ProfileCache(options.profiles, this.#logger);
    this.#odi = new OdiTable<ChainState>({ ttlMs: options.odiTtlMs ?? 180_000, onExpire: (state) => clearTimer(state.leg) });
    this.#asTimeoutMs = options.asTimeoutMs ?? 2000;
    this.trigger = { name: 'scscf', handle: (incoming) => this.#trigger(incoming) };
    this.odiReturn = { name: 'scscf-odi', handle: (incoming) => this.#odiReturn(incoming) };
    const thirdParty = options.userAgent
      ? new ThirdPartyRegistration({
          profiles: this.#profiles,
          userAgent: options.userAgent,
          identity: options.proxy.identity,
          location: options.location,
          isOwn: (name) => this.#isOwn(name),
          logger: this.#logger.child({ role: 'third-party-register' }),
          ...(options.deregister ? { deregister: options.deregister } : {}),
          ...(options.uri !== undefined ? { scscfUri: options.uri } : {}),
        })
      : undefined;
    this.#thirdParty = thirdParty;
    this.afterRegister = thirdParty ? (notice) => void this.notifyRegistration(notice) : undefined;
    this.onBindingChange = (change) => thirdParty?.onBindingChange(change);
  }

  /** Sends the third-party REGISTERs for one REGISTER (24.229 §5.4.1.7); resolves when all
   *  were answered. Never rejects: failures are logged. */
  async notifyRegistration(notice: RegisterNotice): Promise<ThirdPartyResult[]> {
    if (!this.#thirdParty) return [];
    try {
      return await this.#thirdParty.notify(notice);
    } catch (error) {
      this.#logger.error({ err: error, aor: notice.aor }, 'third-party registration failed');
      return [];
    }
  }

  /** Live chain entries (for tests and metrics). */
  get pendingChains(): number {
    return this.#odi.size;
  }

  async #trigger(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request } = incoming;
    if (NOT_TRIGGERED.has(request.method) || isInDialog(request)) return 'continue';
    if (addressedToServer(request, this.#options.proxy.identity, this.#options.domains)) return 'continue';
    const caller = authenticatedIdentity(request);
    if (caller) {
      const started = await this.#start(incoming, request, 'originating', caller.aor);
      if (started) return 'handled';
    }
    const callee = this.#options.location.aorOf(request.uri);
    if (callee !== undefined && (await this.#start(incoming, request, 'terminating', callee))) return 'handled';
    return 'continue';
  }

  /** Starts a chain when the user has a profile and an external AS matches; false otherwise. */
  async #start(incoming: IncomingRequest, request: SipRequest, direction: Direction, aor: string): Promise<boolean> {
    const state = await this.#newChain(request, direction, aor);
    if (!state) return false;
    if (state === 'barred') {
      // 24.229 §5.4.3.2 step 2: a barred served identity may not originate.
      incoming.reply(403, 'Forbidden - Barred Identity');
      return true;
    }
    const found = this.#next(request, state, 0);
    if (!found) return false;
    this.#sendToAs(incoming, request, state, found);
    return true;
  }

  async #newChain(request: SipRequest, direction: Direction, aor: string): Promise<ChainState | 'barred' | undefined> {
    let profile;
    try {
      profile = await this.#profiles.profileOf(aor);
    } catch (error) {
      this.#logger.debug({ err: error, aor }, 'no service profile');
      return undefined;
    }
    if (!profile) return undefined;
    const servedUser = `sip:${aor}`;
    const location = await this.#options.location.lookup(servedUser);
    const registered = location.kind === 'found';
    const sessionCase =
      direction === 'originating'
        ? registered ? SessionCase.ORIGINATING_REGISTERED : SessionCase.ORIGINATING_UNREGISTERED
        : registered ? SessionCase.TERMINATING_REGISTERED : SessionCase.TERMINATING_UNREGISTERED;
    const match = findServiceProfile(profile.subscription, request, sessionCase, servedUser);
    if (!match.ok) {
      this.#logger.info({ aor, error: match.error }, 'service profile does not list the served user');
      return undefined;
    }
    if (match.match.barred && direction === 'originating') return 'barred';
    const engine = profile.engines[match.match.index];
    if (!engine) return undefined;
    return { direction, aor, servedUser, registered, sessionCase, engine, position: -1, requestUri: formatUri(request.uri) };
  }

  #next(request: SipRequest, state: ChainState, from: number): ChainStep | undefined {
    const { step, skippedInternal } = nextExternalIfc(state.engine, request, { sessionCase: state.sessionCase, registered: state.registered }, from, (name) => this.#isOwn(name));
    for (const skipped of skippedInternal) {
      this.#logger.debug({ aor: state.aor, priority: skipped.ifc.priority }, 'iFC names this server: our engines run in the services stage');
    }
    return step;
  }

  #isOwn(serverName: string): boolean {
    try {
      const uri = parseUri(serverName);
      return uri.kind === 'sip' && isLocalUri(this.#options.proxy.identity, uri);
    } catch {
      return false;
    }
  }

  /** §5.4.3.2 step 4 a–d: Route to the AS, then back to us with a fresh ODI; P-Served-User. */
  #sendToAs(incoming: IncomingRequest, request: SipRequest, state: ChainState, step: ChainStep): void {
    const server = step.ifc.applicationServer;
    const leg: AsLeg = { responsive: false, bypassed: false };
    const current: ChainState = { ...state, position: step.position, leg };
    const token = this.#odi.create(current);
    const local = incoming.transaction.flow.local;
    const protocol = incoming.transaction.flow.protocol.toLowerCase();
    const host = local.address.includes(':') ? `[${local.address}]` : local.address;
    const odiRoute = `<sip:odi_${token}@${host}:${local.port}${protocol === 'udp' ? '' : `;transport=${protocol}`};lr${state.direction === 'originating' ? ';orig' : ''}>`;
    const asRoute = `<${withLr(server.serverName)}>`;
    const psu = pServedUserValue(state.servedUser, state.direction, state.registered);
    const target: ProxyTarget = {
      uri: request.uri,
      path: [asRoute, odiRoute],
      edit: (copy) => {
        // RFC 8498: never repeated, one value — ours replaces any received one.
        copy.removeHeader('P-Served-User');
        copy.addHeader('P-Served-User', psu);
        return copy;
      },
    };
    this.#logger.debug({ aor: state.aor, direction: state.direction, priority: step.ifc.priority, as: server.serverName, callId: request.callId }, 'iFC matched: routing to AS');
    const context = this.#options.proxy.forward(incoming.transaction, request, [target], { recordRoute: false, forking: 'parallel' }, {
      onResponse: (response) => {
        if (response.status > 100 && response.status < 200) markResponsive(leg);
        return { kind: 'default' };
      },
      onSuccess: () => clearTimer(leg),
      onFailure: async (outcome) => {
        clearTimer(leg);
        if (leg.bypassed) return true;
        const status = outcome.response.status;
        if (leg.responsive || !(status === 408 || status >= 500)) return false;
        this.#odi.delete(token);
        leg.bypassed = true;
        return this.#defaultHandling(incoming, request, state, step, status, false);
      },
    });
    if (!context) {
      this.#odi.delete(token); // answered meanwhile (the caller cancelled)
      return;
    }
    leg.timer = setTimeout(() => {
      if (leg.responsive || leg.bypassed) return;
      // The token stays until its TTL: should the AS send the request back late, it is
      // answered 408 rather than run as a second, parallel call (see #odiReturn).
      leg.bypassed = true;
      this.#logger.info({ as: server.serverName, callId: request.callId, timeoutMs: this.#asTimeoutMs }, 'AS did not answer in time');
      // The abandoned leg is left to end by itself (Timer B/C): no provisional came, so no
      // CANCEL may be sent (§9.1), and its eventual failure is swallowed by onFailure above
      // (a non-2xx after our final response is never sent upstream, §16.7). Cancelling the
      // context instead would answer the caller 487. The continued chain's forward replaces it
      // as the transaction's context, so a CANCEL from the caller reaches the live branches.
      void this.#defaultHandling(incoming, request, state, step, 408, true);
    }, this.#asTimeoutMs);
    leg.timer.unref?.();
  }

  /** Returns true when it took the transaction over (the proxy's best response is not sent). */
  async #defaultHandling(incoming: IncomingRequest, request: SipRequest, state: ChainState, step: ChainStep, status: number, timedOut: boolean): Promise<boolean> {
    const handling = effectiveDefaultHandling(step.ifc.applicationServer);
    this.#logger.info({ as: step.ifc.applicationServer.serverName, status, handling: handling === DefaultHandling.SESSION_CONTINUED ? 'SESSION_CONTINUED' : 'SESSION_TERMINATED' }, 'AS not reachable: default handling');
    if (handling === DefaultHandling.SESSION_TERMINATED) {
      if (!timedOut) return false; // the AS's 408/5xx goes to the caller (503 → 500, §16.7 step 6)
      incoming.reply(408, 'Request Timeout');
      return true;
    }
    // SESSION_CONTINUED: as if this iFC had not matched, from the request as it was before.
    await this.#continue(incoming, request, { ...state, position: step.position, leg: undefined });
    return true;
  }

  /** A request back from an AS with our ODI Route on top (§5.4.3.4). */
  async #odiReturn(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request } = incoming;
    if (request.method === 'ACK' || request.method === 'CANCEL' || !request.hasHeader('Route') || isInDialog(request)) return 'continue';
    let routes;
    try {
      routes = request.routes;
    } catch {
      return 'continue';
    }
    const top = routes[0];
    if (!top || top.uri.kind !== 'sip' || !isLocalUri(this.#options.proxy.identity, top.uri)) return 'continue';
    const token = odiTokenOf(top.uri.user);
    if (token === undefined) return 'continue';
    writeRoutes(request, routes.slice(1).map(formatNameAddr));
    const state = this.#odi.take(token);
    if (!state) {
      // isc.md §5.4: unknown or expired ODI → handled as a fresh request.
      this.#logger.info({ callId: request.callId }, 'unknown or expired ODI token: treated as a new request');
      return 'continue';
    }
    if (state.leg) {
      if (state.leg.bypassed) {
        incoming.reply(408, 'Request Timeout');
        return 'handled';
      }
      markResponsive(state.leg);
    }
    const proxy = this.#options.proxy;
    const verdict = checkRequest(request, { role: 'proxy', extensions: proxy.config.proxyExtensions });
    if (verdict.action === 'reject') {
      incoming.reply(verdict.status, verdict.reason, verdict.headers);
      return 'handled';
    }
    if (verdict.action === 'drop') return 'handled';
    // §16.3 without the loop check: the request carries our own Via with an unchanged hash, and
    // the ODI proves it is the spiral through the AS (24.229 §5.4.3.4); Max-Forwards still bounds it.
    const validation = validateProxiedRequest(request, { isOurVia: () => false, proxyExtensions: proxy.config.proxyExtensions });
    if (!validation.ok) {
      incoming.reply(validation.status, validation.reason, validation.headers);
      return 'handled';
    }
    if (state.direction === 'terminating' && isRetarget(parseUri(state.requestUri), request.uri)) {
      // §5.4.3.3: the AS retargeted; the remaining terminating iFCs of this user are skipped.
      this.#logger.debug({ aor: state.aor, callId: request.callId }, 'retargeted by the AS: terminating chain ends');
      await this.#routeOnward(incoming, request, true);
      return 'handled';
    }
    await this.#continue(incoming, request, { ...state, leg: undefined });
    return 'handled';
  }

  /** Next iFC after `state.position`; when none: the callee's chain or normal routing. */
  async #continue(incoming: IncomingRequest, request: SipRequest, state: ChainState): Promise<void> {
    const step = this.#next(request, state, state.position + 1);
    if (step) return this.#sendToAs(incoming, request, state, step);
    await this.#routeOnward(incoming, request, state.direction === 'originating');
  }

  /** After the chain: the callee's terminating chain (if any), else location service / URI. */
  async #routeOnward(incoming: IncomingRequest, request: SipRequest, mayTerminate: boolean): Promise<void> {
    const callee = this.#options.location.aorOf(request.uri);
    if (mayTerminate && callee !== undefined && (await this.#start(incoming, request, 'terminating', callee))) return;
    const { transaction } = incoming;
    // RFC 5502 §6: P-Served-User does not leave the trust domain (towards the UE or elsewhere).
    request.removeHeader('P-Served-User');
    const location = await this.#options.location.lookup(request.uri);
    switch (location.kind) {
      case 'found':
        this.#options.proxy.forward(transaction, request, targetsFromBindings(location.bindings, this.#options.receivedRouting), this.#options.forwarding ?? {});
        return;
      case 'unknown-user':
        incoming.reply(404, 'Not Found');
        return;
      case 'no-bindings':
        incoming.reply(480, 'Temporarily Unavailable');
        return;
      default:
        this.#options.proxy.forward(transaction, request, [{ uri: request.uri }], this.#options.forwarding ?? {});
    }
  }
}

/**
 * The network-initiated de-registration a failed third-party REGISTER calls for (24.229
 * §5.4.1.7 with DefaultHandling SESSION_TERMINATED): every binding of the user goes, and the
 * location service forgets its cached answer. (Registrar binding events are not emitted: the
 * registrar offers no removal outside a REGISTER.)
 */
export function networkDeregistration(bindings: Pick<BindingRepository, 'removeAll'>, location: Pick<LocationService, 'invalidate'>): (aor: string) => Promise<number> {
  return async (aor) => {
    const removed = await bindings.removeAll(aor);
    location.invalidate(aor);
    return removed.length;
  };
}

function markResponsive(leg: AsLeg): void {
  leg.responsive = true;
  clearTimer(leg);
}

function clearTimer(leg: AsLeg | undefined): void {
  if (leg?.timer) clearTimeout(leg.timer);
  if (leg) delete leg.timer;
}

/** `;lr` once (Kamailio writes a second one when the ServerName already has it, isc.md §10). */
function withLr(serverName: string): string {
  return /;lr(?=[;=?]|$)/i.test(serverName) ? serverName : `${serverName};lr`;
}

