/**
 * The proxy stage: the target set of an initial request (RFC 3261 §16.5) and its forwarding.
 *
 * - A Route left after preprocessing (a pre-loaded route): the Request-URI is the only target,
 *   under the relaying rule below (else anyone could relay through us by preloading a Route).
 * - The Request-URI in one of our domains (or our own address, which stands for the first
 *   domain): the location service decides — 404 for an unknown user, 480 for a user with no
 *   binding, else the registered contacts (q, Path, NAT address). In redirect mode (per domain
 *   or per request) the caller gets 302 with those contacts instead.
 * - Any other domain: the Request-URI, if relaying is allowed (the request was authenticated as
 *   one of our users, or `allowRelay`), else 403.
 */
import type { Logger } from '../log/logger.js';
import { isLocalUri } from '../proxy/local-identity.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import { createRedirectResponse } from '../proxy/redirect.js';
import type { ForwardOptions, ProxyTarget } from '../proxy/target.js';
import type { LocationService } from '../registrar/location-service.js';
import { parseUri, type SipRequest, type Uri } from '../sip/index.js';
import type { Binding } from '../store/binding-repository.js';
import type { Destination, TransportProtocol } from '../transport/types.js';
import { authenticatedIdentity } from './auth-stage.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';
import { addressedToServer } from './route-stage.js';

/** When a contact is reached at the address it registered from instead of its Contact URI:
 *  `nat` — when the Contact is a private address the REGISTER did not come from, or carries
 *  `ob` (RFC 5626); `always`; `never`. */
export type ReceivedRouting = 'nat' | 'always' | 'never';

export interface RedirectPolicy {
  /** Domains answered in redirect mode. */
  domains?: readonly string[];
  /** Per request: redirect when this says so. */
  when?(request: SipRequest): boolean;
  status?: 301 | 302;
}

export interface ProxyStageOptions {
  proxy: ProxyCore;
  location: LocationService;
  domains: readonly string[];
  logger: Logger;
  redirect?: RedirectPolicy;
  /** Forward requests for other domains even when not authenticated (default false: 403). */
  allowRelay?: boolean;
  /** Forking and timers for location-service targets. */
  forwarding?: ForwardOptions;
  receivedRouting?: ReceivedRouting;
}

export type TargetSet =
  | { kind: 'targets'; targets: ProxyTarget[]; local: boolean; domain?: string }
  | { kind: 'reject'; status: number; reason: string };

/** Shared, not made per call (a ringing call keeps its forwarding options). */
const NO_OPTIONS: ForwardOptions = Object.freeze({});

export class ProxyStage implements RequestStage {
  readonly name = 'proxy';
  readonly #options: ProxyStageOptions;
  readonly #logger: Logger;
  readonly #redirectDomains: ReadonlySet<string>;

  constructor(options: ProxyStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'proxy' });
    this.#redirectDomains = new Set((options.redirect?.domains ?? []).map((domain) => domain.toLowerCase()));
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    if (request.method === 'ACK' || request.method === 'CANCEL') return 'continue';
    if (addressedToServer(request, this.#options.proxy.identity, this.#options.domains)) return 'continue';
    const set = await this.targetSet(request);
    if (transaction.finalResponse !== undefined || transaction.terminated) return 'handled'; // cancelled meanwhile
    if (set.kind === 'reject') {
      incoming.reply(set.status, set.reason);
      return 'handled';
    }
    if (set.local && this.#redirects(request, set.domain)) {
      const status = this.#options.redirect?.status ?? 302;
      transaction.respond(createRedirectResponse(request, set.targets, status));
      return 'handled';
    }
    const options: ForwardOptions = set.local ? (this.#options.forwarding ?? NO_OPTIONS) : NO_OPTIONS;
    // §10.3: "Registrars MUST ignore the Record-Route header field" — a REGISTER relayed to
    // another domain's registrar gets none.
    this.#options.proxy.forward(transaction, request, set.targets, request.method === 'REGISTER' ? { ...options, recordRoute: false } : options);
    return 'handled';
  }

  /** §16.5: the target set of an initial request. */
  async targetSet(request: SipRequest): Promise<TargetSet> {
    const preloaded = request.hasHeader('Route');
    const local = preloaded ? undefined : this.localUserUri(request.uri);
    if (local) return this.lookup(local);
    if (!this.#options.allowRelay && !authenticatedIdentity(request)) {
      this.#logger.info({ callId: request.callId, preloaded }, 'unauthenticated relaying (foreign domain or preloaded Route) refused');
      return { kind: 'reject', status: 403, reason: 'Relaying Forbidden' };
    }
    return { kind: 'targets', targets: [{ uri: request.uri }], local: false };
  }

  /** Contacts registered for a URI of our domains. */
  async lookup(uri: Uri): Promise<TargetSet> {
    const result = await this.#options.location.lookup(uri);
    const domain = uri.kind === 'sip' ? uri.host.toLowerCase() : undefined;
    switch (result.kind) {
      case 'found':
        return {
          kind: 'targets',
          targets: targetsFromBindings(result.bindings, this.#options.receivedRouting ?? 'nat'),
          local: true,
          ...(domain ? { domain } : {}),
        };
      case 'no-bindings':
        return { kind: 'reject', status: 480, reason: 'Temporarily Unavailable' };
      case 'unknown-user':
      case 'not-ours':
        return { kind: 'reject', status: 404, reason: 'Not Found' };
    }
  }

  /**
   * The Request-URI as a URI of our domains: as is when its host is one of them; with the first
   * domain when it names this server by address (`sip:alice@192.0.2.1`); else undefined.
   */
  localUserUri(uri: Uri): Uri | undefined {
    if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
    const location = this.#options.location;
    if (location.isOurDomain(uri.host)) return uri;
    const domain = this.#options.domains[0];
    if (domain !== undefined && isLocalUri(this.#options.proxy.identity, uri)) {
      return parseUri(`${uri.scheme}:${uri.user}@${domain}`);
    }
    return undefined;
  }

  #redirects(request: SipRequest, domain: string | undefined): boolean {
    if (domain !== undefined && this.#redirectDomains.has(domain)) return true;
    return this.#options.redirect?.when?.(request) ?? false;
  }
}

/** Proxy targets for bindings: Contact URI, q, Path, and the NAT address when it applies. */
export function targetsFromBindings(bindings: readonly Binding[], mode: ReceivedRouting = 'nat'): ProxyTarget[] {
  const targets: ProxyTarget[] = [];
  for (const binding of bindings) {
    let uri: Uri;
    try {
      uri = parseUri(binding.contactUri);
    } catch {
      continue;
    }
    const target: ProxyTarget = { uri, q: binding.q };
    if (binding.path.length > 0) target.path = binding.path;
    const destination = receivedDestination(binding, uri, mode);
    if (destination) target.destination = destination;
    targets.push(target);
  }
  return targets;
}

function receivedDestination(binding: Binding, uri: Uri, mode: ReceivedRouting): Destination | undefined {
  const received = binding.received;
  if (!received || mode === 'never' || uri.kind !== 'sip') return undefined;
  const protocol = received.protocol.toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'tls') return undefined;
  const behindNat = isPrivateAddress(uri.host) && uri.host !== received.address;
  if (mode === 'always' || behindNat || uri.params.has('ob')) {
    return { protocol: protocol as TransportProtocol, address: received.address, port: received.port };
  }
  return undefined;
}

/** RFC 1918, RFC 6598 shared, and IPv6 unique-local addresses: not reachable from outside. */
function isPrivateAddress(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/u.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return /^f[cd][0-9a-f]{2}:/iu.test(host);
}
