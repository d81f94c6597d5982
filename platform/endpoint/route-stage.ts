/**
 * Route stage: what a proxy does to every request before deciding where it goes.
 *
 *  1. §16.4 Route preprocessing: the strict-route fix, and our own Route values removed.
 *  2. Requests addressed to this server itself (no user part, our address or domain, no Route
 *     left) go on to the UAS stages (validate, OPTIONS, registrar …) untouched.
 *  3. Everything else is a request to proxy: §16.3 checks (syntax, URI scheme 416, Max-Forwards
 *     483, Proxy-Require 420, loop 482).
 *  4. In-dialog requests (To tag) are routed by their Route / Request-URI (loose routing) without
 *     Record-Route, location lookup or authentication — but only when they came through our own
 *     Record-Route (a Route value of ours was removed in step 1, or the strict-route fix
 *     applied). An in-dialog request that never named us would make this an open relay for
 *     anyone who adds a To tag: 403, unless `allowRelay` (Kamailio's default config answers such
 *     requests 404 for the same reason). Initial requests continue to the auth, registrar,
 *     services and proxy stages.
 */
import type { Logger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { isLocalUri, type ProxyIdentity } from '../proxy/local-identity.js';
import { checkRequest, type SipRequest } from '../sip/index.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export interface RouteStageOptions {
  proxy: ProxyCore;
  /** Domains served here (a request to `sip:example.com` is for this server). */
  domains: readonly string[];
  logger: Logger;
  /** Forward in-dialog requests that did not come through our Record-Route (default false). */
  allowRelay?: boolean;
}

/**
 * Whether the request is for this server as a UAS (OPTIONS ping, REGISTER to our domain …):
 * a SIP Request-URI without user part naming one of our domains or our own address, and no
 * Route left to follow.
 */
export function addressedToServer(request: SipRequest, identity: ProxyIdentity, domains: readonly string[]): boolean {
  const uri = request.uri;
  if (uri.kind !== 'sip' || uri.user !== undefined || request.hasHeader('Route')) return false;
  const host = uri.host.toLowerCase();
  return domains.some((domain) => domain.toLowerCase() === host) || isLocalUri(identity, uri);
}

/** An in-dialog request carries a To tag (§12.2). */
export function isInDialog(request: SipRequest): boolean {
  try {
    const tag = request.to.params.get('tag');
    return typeof tag === 'string' && tag.length > 0;
  } catch {
    return false;
  }
}

export class RouteStage implements RequestStage {
  readonly name = 'route';
  readonly #proxy: ProxyCore;
  readonly #domains: readonly string[];
  readonly #logger: Logger;
  readonly #allowRelay: boolean;

  constructor(options: RouteStageOptions) {
    this.#allowRelay = options.allowRelay ?? false;
    this.#proxy = options.proxy;
    this.#domains = options.domains;
    this.#logger = options.logger.child({ stage: 'route' });
  }

  handle(incoming: IncomingRequest): StageOutcome {
    const { request } = incoming;
    let ownRoute: boolean;
    try {
      const preprocessed = this.#proxy.preprocessRoutes(request);
      ownRoute = preprocessed.removedRoutes > 0 || preprocessed.strictRouteFixed;
    } catch {
      incoming.reply(400, 'Bad Route');
      return 'handled';
    }
    if (addressedToServer(request, this.#proxy.identity, this.#domains)) return 'continue';

    const verdict = checkRequest(request, { role: 'proxy', extensions: this.#proxy.config.proxyExtensions });
    if (verdict.action === 'reject') {
      incoming.reply(verdict.status, verdict.reason, verdict.headers);
      return 'handled';
    }
    if (verdict.action === 'drop') return 'handled';
    const validation = this.#proxy.validate(request);
    if (!validation.ok) {
      this.#logger.info({ callId: request.callId, status: validation.status }, validation.reason);
      incoming.reply(validation.status, validation.reason, validation.headers);
      return 'handled';
    }

    if (isInDialog(request)) {
      if (!ownRoute && !this.#allowRelay) {
        this.#logger.info({ callId: request.callId, method: request.method }, 'in-dialog request that did not come through our Record-Route refused');
        incoming.reply(403, 'Relaying Forbidden');
        return 'handled';
      }
      // §16.5/§16.12: the route set decides; the Request-URI is the remote target.
      this.#proxy.forward(incoming.transaction, request, [{ uri: request.uri }], { recordRoute: false, forking: 'parallel' });
      return 'handled';
    }
    return 'continue';
  }
}
