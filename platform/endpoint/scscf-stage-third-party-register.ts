/**
 * Third-party registration, the S-CSCF side (TS 24.229 §5.4.1.7; isc.md §9): after a REGISTER
 * of a local user with a stored service profile succeeded (registration, re-registration,
 * de-registration) — or the user's last binding expired — evaluate the user's iFCs against the
 * REGISTER and send a third-party REGISTER to every matching Application Server. These are
 * independent requests, not an ODI chain: all matching iFCs fire, in priority order.
 *
 * Evaluation: session case originating, the registered state as after the REGISTER (the brief
 * of issue 7's follow-up; a ProfilePartIndicator REGISTERED iFC therefore sees registrations
 * and re-registrations, not the de-registration), RegistrationType from the state before and
 * after (29.228 Annex B: initial = the identity was not registered; de-registration = no
 * binding left).
 *
 * A failure from the AS (any non-2xx, including the UA core's local 408 / 503) with
 * DefaultHandling SESSION_TERMINATED de-registers the user (§5.4.1.7: "the S-CSCF shall
 * perform the network initiated deregistration procedure"); SESSION_CONTINUED is logged only.
 * A de-registration notice never de-registers (there is nothing left to remove); the
 * network-initiated de-registration is itself notified to the other matching ASes.
 */
import type { Logger } from '../log/logger.js';
import { DefaultHandling, effectiveDefaultHandling, RegistrationType, SessionCase, type InitialFilterCriteria, type RegistrationType as RegistrationTypeValue } from '../isc/ifc-model.js';
import { findServiceProfile } from '../isc/served-user.js';
import { thirdPartyRegisterSpec, type ProfileCache } from '../isc/scscf/index.js';
import type { ProxyIdentity } from '../proxy/local-identity.js';
import type { BindingChange } from '../registrar/index.js';
import type { LocationService } from '../registrar/location-service.js';
import { createRequest, generateCallId, parseUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { TransportProtocol } from '../transport/types.js';
import type { UserAgentCore } from './user-agent-core.js';

/** Bound on the remembered Call-IDs (users × ASes); the least recently used goes first. */
const MAX_SEQUENCES = 100_000;

/** A REGISTER our registrar answered 2xx (see RegistrarStage `afterRegister`). */
export interface RegisterNotice {
  request: SipRequest;
  /** Our final response (for IncludeRegisterResponse). */
  response?: SipResponse;
  /** `user@domain`. */
  aor: string;
  /** Granted expiry in seconds: the longest binding left; 0 when none is. */
  expires: number;
  /** Bindings existed before the REGISTER. */
  wasRegistered: boolean;
}

/** One third-party REGISTER sent and how it ended. */
export interface ThirdPartyResult {
  server: string;
  priority: number;
  status: number;
  /** The user was de-registered because of this failure (SESSION_TERMINATED). */
  deregistered: boolean;
}

export interface ThirdPartyRegistrationOptions {
  profiles: ProfileCache;
  userAgent: Pick<UserAgentCore, 'sendRequest'>;
  identity: ProxyIdentity;
  location: Pick<LocationService, 'lookup'>;
  /** Network-initiated de-registration: remove every binding of `aor`. */
  deregister?: (aor: string) => Promise<unknown>;
  /** Whether a ServerName names this server (our own engines run in the services stage). */
  isOwn: (serverName: string) => boolean;
  /** Our URI for From and Contact; default the listener address towards the AS. */
  scscfUri?: string;
  logger: Logger;
}

export class ThirdPartyRegistration {
  readonly #options: ThirdPartyRegistrationOptions;
  readonly #logger: Logger;
  /** AORs whose expiry is being checked (one notice per sweep). */
  readonly #expiring = new Set<string>();
  /** Call-ID and last CSeq per user and AS (RFC 3261 §10.2: a UA keeps one Call-ID per
   *  registrar and increments CSeq); dropped on de-registration. */
  readonly #sequences = new Map<string, { callId: string; cseq: number }>();

  constructor(options: ThirdPartyRegistrationOptions) {
    this.#options = options;
    this.#logger = options.logger;
  }

  /** Sends the third-party REGISTERs for one successful REGISTER; resolves when all ended. */
  async notify(notice: RegisterNotice, skip: ReadonlySet<string> = new Set()): Promise<ThirdPartyResult[]> {
    const registered = notice.expires > 0;
    const registrationType: RegistrationTypeValue = !registered
      ? RegistrationType.DE_REGISTRATION
      : notice.wasRegistered ? RegistrationType.RE_REGISTRATION : RegistrationType.INITIAL_REGISTRATION;
    const fired = (await this.#matching(notice, registered, registrationType)).filter((ifc) => !skip.has(ifc.applicationServer.serverName));
    if (fired.length === 0) return [];
    const servedUser = `sip:${notice.aor}`;
    const results = await Promise.all(fired.map((ifc) => this.#send(ifc, notice, servedUser, registrationType)));
    const fatal = results.filter((r, i) => r.status >= 300 && effectiveDefaultHandling(fired[i]!.applicationServer) === DefaultHandling.SESSION_TERMINATED);
    if (fatal.length > 0 && registrationType !== RegistrationType.DE_REGISTRATION && this.#options.deregister) {
      this.#logger.info({ aor: notice.aor, as: fatal.map((r) => r.server), status: fatal.map((r) => r.status) }, 'third-party REGISTER failed with SESSION_TERMINATED: de-registering the user');
      try {
        await this.#options.deregister(notice.aor);
        for (const r of fatal) r.deregistered = true;
        // §5.4.1.5 → §5.4.1.7: the network-initiated de-registration is notified like any
        // other, to every AS whose iFC matches it except those that just refused.
        await this.notify(expiryNotice(notice.aor), new Set(fatal.map((r) => r.server)));
      } catch (error) {
        this.#logger.error({ err: error, aor: notice.aor }, 'network-initiated de-registration failed');
      }
    }
    return results;
  }

  /** Registrar binding events: when the last binding of a user expired, a de-registration. */
  onBindingChange(change: BindingChange): void {
    if (change.type !== 'expired') return;
    const aor = change.binding.aor;
    if (this.#expiring.has(aor)) return;
    this.#expiring.add(aor);
    setImmediate(() => {
      this.#expiring.delete(aor);
      void this.#expired(aor).catch((error: unknown) => this.#logger.error({ err: error, aor }, 'third-party de-registration after expiry failed'));
    });
  }

  async #expired(aor: string): Promise<void> {
    const location = await this.#options.location.lookup(`sip:${aor}`);
    if (location.kind === 'found') return; // other bindings remain: still registered
    await this.notify(expiryNotice(aor));
  }

  async #matching(notice: RegisterNotice, registered: boolean, registrationType: RegistrationTypeValue): Promise<InitialFilterCriteria[]> {
    let profile;
    try {
      profile = await this.#options.profiles.profileOf(notice.aor);
    } catch (error) {
      this.#logger.debug({ err: error, aor: notice.aor }, 'no service profile');
      return [];
    }
    if (!profile) return [];
    const servedUser = `sip:${notice.aor}`;
    const sessionCase = registered ? SessionCase.ORIGINATING_REGISTERED : SessionCase.ORIGINATING_UNREGISTERED;
    const match = findServiceProfile(profile.subscription, notice.request, sessionCase, servedUser);
    if (!match.ok) {
      this.#logger.info({ aor: notice.aor, error: match.error }, 'service profile does not list the registered user');
      return [];
    }
    const engine = profile.engines[match.match.index];
    if (!engine) return [];
    return engine.evaluate(notice.request, { sessionCase, registered, registrationType }).filter((ifc) => {
      if (!this.#options.isOwn(ifc.applicationServer.serverName)) return true;
      this.#logger.debug({ aor: notice.aor, priority: ifc.priority }, 'REGISTER iFC names this server: no third-party REGISTER to ourselves');
      return false;
    });
  }

  async #send(ifc: InitialFilterCriteria, notice: RegisterNotice, servedUser: string, registrationType: RegistrationTypeValue): Promise<ThirdPartyResult> {
    const server = ifc.applicationServer;
    const result: ThirdPartyResult = { server: server.serverName, priority: ifc.priority, status: 503, deregistered: false };
    const key = `${notice.aor} ${server.serverName}`;
    const sequence = this.#sequences.get(key) ?? { callId: generateCallId(), cseq: 0 };
    sequence.cseq++;
    this.#sequences.delete(key); // re-inserted last: the map stays in use order
    if (registrationType !== RegistrationType.DE_REGISTRATION) {
      this.#sequences.set(key, sequence);
      if (this.#sequences.size > MAX_SEQUENCES) this.#sequences.delete(this.#sequences.keys().next().value as string);
    }
    try {
      const spec = thirdPartyRegisterSpec({
        callId: sequence.callId,
        cseq: sequence.cseq,
        server,
        scscfUri: this.#options.scscfUri ?? this.#ourUri(server.serverName),
        servedUser,
        expires: notice.expires,
        registrationType,
        register: notice.request,
        ...(notice.response ? { response: notice.response } : {}),
      });
      const response = await this.#options.userAgent.sendRequest(spec).final;
      result.status = response.status;
    } catch (error) {
      // A ServerName that is no SIP URI: the AS cannot be reached.
      this.#logger.warn({ err: error, as: server.serverName }, 'third-party REGISTER not sent');
    }
    const level = result.status >= 300 ? 'info' : 'debug';
    this.#logger[level]({ aor: notice.aor, as: server.serverName, status: result.status, expires: notice.expires }, 'third-party REGISTER answered');
    return result;
  }

  /** The listener address the AS would reach us at (same protocol, towards its host). */
  #ourUri(serverName: string): string {
    const uri = parseUri(serverName);
    if (uri.kind !== 'sip') throw new Error(`ServerName is not a SIP URI: ${serverName}`);
    const transport = String(uri.params.get('transport') ?? '').toLowerCase();
    const protocol: TransportProtocol = uri.scheme === 'sips' || transport === 'tls' ? 'tls' : transport === 'tcp' ? 'tcp' : 'udp';
    const local = this.#options.identity.addressFor(protocol, uri.host) ?? this.#options.identity.addressFor('udp', uri.host);
    if (!local) throw new Error('no listener to name the S-CSCF by');
    const host = local.hostIsIPv6 ? `[${local.host}]` : local.host;
    const scheme = protocol === 'tls' ? 'sips' : 'sip';
    return `${scheme}:${host}:${local.port}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
  }
}

/** A de-registration without a UE request (expiry, network-initiated). */
function expiryNotice(aor: string): RegisterNotice {
  return { request: expiryRegister(aor), aor, expires: 0, wasRegistered: true };
}

/** The REGISTER the iFCs are evaluated against when the network ended a registration (no UE
 *  request): `Contact: *` with `Expires: 0`, as a UE's de-registration of all bindings reads. */
function expiryRegister(aor: string): SipRequest {
  const domain = aor.slice(aor.lastIndexOf('@') + 1);
  return createRequest({
    method: 'REGISTER',
    uri: `sip:${domain}`,
    headers: [
      { name: 'To', value: `<sip:${aor}>` },
      { name: 'From', value: `<sip:${aor}>;tag=expired` },
      { name: 'Call-ID', value: generateCallId() },
      { name: 'CSeq', value: '1 REGISTER' },
      { name: 'Contact', value: '*' },
      { name: 'Expires', value: '0' },
    ],
  });
}
