/**
 * The SIP side of the server, built from its parts in one place: the real server
 * (switchboard-server.ts) and the in-process test server (test/support/proxy-server.ts) both
 * call this, so what the tests exercise is the wiring that runs.
 *
 *   transport ──► transaction layer ──► Endpoint (the transaction user)
 *                                         new requests → stages, in order:
 *                                           route → validate* → options* → auth → registrar
 *                                           → services → proxy → fallback
 *                                           (* only for requests addressed to the server itself)
 *                                         CANCEL / ACK-2xx / stray responses → ProxyCore
 *
 * The builder owns no storage: the caller opens the store and closes it after `stop()`.
 */
import { DigestAuthenticator } from '../auth/digest-authenticator.js';
import { FailureRateLimiter, type FailureRateLimiterOptions } from '../auth/failure-rate-limiter.js';
import { AuthStage } from '../endpoint/auth-stage.js';
import { serverCapabilities } from '../endpoint/capabilities.js';
import { ConditionalStage } from '../endpoint/conditional-stage.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { FallbackStage } from '../endpoint/fallback-stage.js';
import { OptionsStage } from '../endpoint/options-stage.js';
import { ProxyStage, type ReceivedRouting, type RedirectPolicy } from '../endpoint/proxy-stage.js';
import { RegistrarStage, type RegisterHook } from '../endpoint/registrar-stage.js';
import { addressedToServer, RouteStage } from '../endpoint/route-stage.js';
import { createServiceHost, ServicesStage } from '../endpoint/services-stage.js';
import { createIscStage, originatingRouteOf, type IscSettings } from '../endpoint/isc-stage.js';
import { networkDeregistration, ScscfStage, type ScscfSettings } from '../endpoint/scscf-stage.js';
import type { ProfileTextSource } from '../isc/scscf/index.js';
import { contactFromTransport } from '../endpoint/user-agent-contact.js';
import { UserAgentCore } from '../endpoint/user-agent-core.js';
import { ValidateStage } from '../endpoint/validate-stage.js';
import type { Logger } from '../log/logger.js';
import { ListenerIdentity } from '../proxy/local-identity.js';
import type { ProxyConfig } from '../proxy/proxy-config.js';
import { ProxyCore } from '../proxy/proxy-core.js';
import type { ForwardOptions } from '../proxy/target.js';
import type { RegistrarConfig } from '../registrar/registrar-config.js';
import { Registrar } from '../registrar/registrar.js';
import type { ServiceEngine, ServiceHost } from '../services/service-engine.js';
import type { SipRequest } from '../sip/index.js';
import type { DigestAlgorithm } from '../store/ha1.js';
import type { Store } from '../store/store.js';
import type { TimerConfig } from '../transaction/timers.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { TransportConfig } from '../transport/transport-config.js';
import { traceInbound, traceSender, type Tracer } from '../trace/index.js';

export interface SipAuthOptions {
  /** Nonce HMAC key (≥ 32 bytes); persisted by the server so a restart keeps nonces valid. */
  secret: Buffer;
  previousSecrets?: readonly Buffer[];
  /** Offered most preferred first (default SHA-256, MD5 — RFC 8760 §2.3). */
  algorithms?: readonly DigestAlgorithm[];
  nonceLifetimeMs?: number;
  /** 407 for initial requests from our domains (default true). */
  authenticateRequests?: boolean;
  limiter?: FailureRateLimiterOptions;
}

export interface SipPipelineOptions {
  transport: TransportConfig;
  /** Per-call message traces (platform/trace): hooks around the transport; absent: none. */
  tracer?: Tracer;
  store: Store;
  /** Domains served (registrar, location service, realm); the first is the default. */
  domains: readonly string[];
  logger: Logger;
  auth: SipAuthOptions;
  timers?: Partial<TimerConfig>;
  proxy?: Partial<ProxyConfig>;
  registrar?: Partial<Omit<RegistrarConfig, 'domains'>>;
  /** Service engines, asked in order (see platform/server/server-modules.ts); a function gets
   *  the ServiceHost first, for engines that follow registrations from the start. */
  engines?: readonly ServiceEngine[] | ((host: ServiceHost) => readonly ServiceEngine[]);
  redirect?: RedirectPolicy;
  /** The AS role on ISC (TS 24.229 §5.7); absent: no ISC treatment. */
  isc?: IscSettings;
  /** The S-CSCF role for our users (TS 24.229 §5.4.3.2/3): their stored service profiles'
   *  iFCs route initial requests through external application servers; absent: off. */
  scscf?: ScscfSettings & { profiles: ProfileTextSource };
  /** Forking and timers for location-service targets. */
  forwarding?: ForwardOptions;
  receivedRouting?: ReceivedRouting;
  /** Forward requests for foreign domains, with preloaded Routes, and in-dialog requests that
   *  did not come through our Record-Route, without authentication (default false: 403). */
  allowRelay?: boolean;
  /** REGISTER payload handler (CPL upload through REGISTER), asked before the registrar. */
  registerHook?: RegisterHook;
}

export interface SipPipeline {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly proxy: ProxyCore;
  readonly registrar: Registrar;
  readonly endpoint: Endpoint;
  readonly authenticator: DigestAuthenticator;
  readonly limiter: FailureRateLimiter;
  /** What service engines see (location lookups, registration events). */
  readonly serviceHost: ServiceHost;
  /** Requests we originate and dialogs we hold (UAC, B2BUA legs). */
  readonly userAgent: UserAgentCore;
  /** The S-CSCF role, when configured. */
  readonly scscf: ScscfStage | undefined;
  /** Bind the listeners and start the expiry sweep. */
  start(): Promise<void>;
  /** Close the listeners, stop timers; the store stays open (the caller owns it). */
  stop(): Promise<void>;
}

export function buildSipPipeline(options: SipPipelineOptions): SipPipeline {
  const { logger, store } = options;
  const domains = options.domains.map((domain) => domain.toLowerCase());
  if (domains.length === 0) throw new Error('the SIP pipeline needs at least one domain');

  const transport = new TransportLayer(options.transport);
  const transactions = new TransactionLayer({
    sender: options.tracer ? traceSender(options.tracer, transport) : transport,
    logger: logger.child({ component: 'transaction' }),
    ...(options.timers ? { timers: options.timers } : {}),
  });
  // Our served domains also name this server when they appear in a Route (§16.4).
  const identity = new ListenerIdentity(transport, domains);
  const proxy = new ProxyCore({ transactions, identity, logger, ...(options.proxy ? { config: options.proxy } : {}) });
  const registrar = new Registrar({ bindings: store.bindings, users: store.users, config: { ...options.registrar, domains }, logger });
  const { auth } = options;
  const authenticator = new DigestAuthenticator({
    logger: logger.child({ component: 'auth' }),
    secret: auth.secret,
    ...(auth.previousSecrets ? { previousSecrets: auth.previousSecrets } : {}),
    ...(auth.algorithms ? { algorithms: auth.algorithms } : {}),
    ...(auth.nonceLifetimeMs !== undefined ? { nonceLifetimeMs: auth.nonceLifetimeMs } : {}),
  });
  const limiter = new FailureRateLimiter(auth.limiter);

  const userAgent = new UserAgentCore({ transactions, contact: contactFromTransport(transport), logger, userAgent: 'Switchboard' });
  const forServer = (request: SipRequest): boolean => addressedToServer(request, identity, domains);
  const originatingRoute = options.isc ? originatingRouteOf(options.isc) : undefined;
  const engines = typeof options.engines === 'function' ? options.engines(createServiceHost(registrar, userAgent, originatingRoute)) : (options.engines ?? []);
  const services = new ServicesStage({
    engines,
    userAgent,
    ...(originatingRoute !== undefined ? { originatingRoute } : {}),
    proxy,
    registrar,
    domains,
    logger,
    ...(options.receivedRouting ? { receivedRouting: options.receivedRouting } : {}),
  });
  // First: it must read our own Route before RouteStage pops it (§16.4).
  const isc = options.isc ? createIscStage(options.isc, { proxy, engines, host: services.host, logger, userAgent }) : undefined;
  const scscf =
    options.scscf && options.scscf.enabled !== false
      ? new ScscfStage({
          ...options.scscf,
          proxy,
          location: registrar.location,
          domains,
          logger,
          ...(options.forwarding ? { forwarding: options.forwarding } : {}),
          ...(options.receivedRouting ? { receivedRouting: options.receivedRouting } : {}),
          // Third-party REGISTER (24.229 §5.4.1.7) and its SESSION_TERMINATED de-registration.
          userAgent,
          deregister: networkDeregistration(store.bindings, registrar.location),
        })
      : undefined;
  if (scscf) registrar.onBindingChange(scscf.onBindingChange);
  const endpoint = new Endpoint(
    [
      // A request coming back from an AS with our ODI Route (read before RouteStage pops it).
      ...(scscf ? [scscf.odiReturn] : []),
      ...(isc ? [isc] : []),
      new RouteStage({ proxy, domains, logger, ...(options.allowRelay !== undefined ? { allowRelay: options.allowRelay } : {}) }),
      new ConditionalStage(new ValidateStage(serverCapabilities), forServer),
      new ConditionalStage(new OptionsStage(serverCapabilities), forServer),
      new AuthStage({
        authenticator,
        users: store.users,
        domains,
        limiter,
        logger,
        ...(auth.authenticateRequests !== undefined ? { authenticateRequests: auth.authenticateRequests } : {}),
      }),
      new RegistrarStage({
        registrar,
        logger,
        ...(options.registerHook ? { registerHook: options.registerHook } : {}),
        ...(scscf?.afterRegister ? { afterRegister: scscf.afterRegister } : {}),
      }),
      // iFC triggering needs the authenticated caller and leaves REGISTER to the registrar.
      ...(scscf ? [scscf.trigger] : []),
      services,
      new ProxyStage({
        proxy,
        location: registrar.location,
        domains,
        logger,
        ...(options.redirect ? { redirect: options.redirect } : {}),
        ...(options.forwarding ? { forwarding: options.forwarding } : {}),
        ...(options.receivedRouting ? { receivedRouting: options.receivedRouting } : {}),
        ...(options.allowRelay !== undefined ? { allowRelay: options.allowRelay } : {}),
      }),
      new FallbackStage(),
    ],
    logger,
    { outOfTransaction: proxy, userAgent },
  );
  transactions.setUser(endpoint);
  transport.onMessage(options.tracer ? traceInbound(options.tracer, transactions.handleInbound) : transactions.handleInbound);

  let started = false;
  return {
    transport,
    transactions,
    proxy,
    registrar,
    endpoint,
    authenticator,
    limiter,
    serviceHost: services.host,
    userAgent,
    scscf,
    async start() {
      await transport.start();
      registrar.startSweeper();
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      registrar.stopSweeper();
      userAgent.close();
      await transport.stop();
      transactions.close();
    },
  };
}
