/**
 * A complete registrar + authenticating stateful proxy built in-process from the layers, on
 * loopback UDP and TCP, with a SQLite store in a temp folder. This is the wiring the server's
 * composition root is to take over (platform/server): the same classes, in the same order.
 *
 *   transport ──► transaction layer ──► ProxyTransactionUser
 *                                         onRequest  → Endpoint(stages)
 *                                         onCancel / onAck2xx / onStrayResponse → ProxyCore
 *   stages: route → validate* → options* → auth → registrar → services → proxy → fallback
 *           (* only for requests addressed to the server itself)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigestAuthenticator } from '../../platform/auth/digest-authenticator.js';
import { FailureRateLimiter, type FailureRateLimiterOptions } from '../../platform/auth/failure-rate-limiter.js';
import { generateNonceSecret } from '../../platform/auth/nonce.js';
import { AuthStage } from '../../platform/endpoint/auth-stage.js';
import type { EndpointCapabilities } from '../../platform/endpoint/capabilities.js';
import { ConditionalStage } from '../../platform/endpoint/conditional-stage.js';
import { Endpoint } from '../../platform/endpoint/endpoint.js';
import { FallbackStage } from '../../platform/endpoint/fallback-stage.js';
import { OptionsStage } from '../../platform/endpoint/options-stage.js';
import { ProxyStage, type ReceivedRouting, type RedirectPolicy } from '../../platform/endpoint/proxy-stage.js';
import { RegistrarStage } from '../../platform/endpoint/registrar-stage.js';
import { addressedToServer, RouteStage } from '../../platform/endpoint/route-stage.js';
import { ServicesStage } from '../../platform/endpoint/services-stage.js';
import { ValidateStage } from '../../platform/endpoint/validate-stage.js';
import { silentLogger, type Logger } from '../../platform/log/logger.js';
import { ListenerIdentity } from '../../platform/proxy/local-identity.js';
import type { ProxyConfig } from '../../platform/proxy/proxy-config.js';
import { ProxyCore } from '../../platform/proxy/proxy-core.js';
import type { ForwardOptions } from '../../platform/proxy/target.js';
import type { RegistrarConfig } from '../../platform/registrar/registrar-config.js';
import { Registrar } from '../../platform/registrar/registrar.js';
import type { ServiceEngine } from '../../platform/services/service-engine.js';
import type { SipRequest, SipResponse } from '../../platform/sip/index.js';
import type { DigestAlgorithm } from '../../platform/store/ha1.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/sqlite-store.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../../platform/transaction/non-invite-server-transaction.js';
import type { TimerConfig } from '../../platform/transaction/timers.js';
import { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import type { ServerTransaction, TransactionUser } from '../../platform/transaction/transaction-user.js';
import { TransportLayer } from '../../platform/transport/transport-layer.js';
import type { Flow } from '../../platform/transport/types.js';
import { freePort } from './ports.js';

export interface ProxyServerOptions {
  port?: number;
  domains?: string[];
  users?: Array<{ username: string; password: string; domain?: string }>;
  proxy?: Partial<ProxyConfig>;
  registrar?: Partial<RegistrarConfig>;
  timers?: Partial<TimerConfig>;
  /** Digest algorithms offered, most preferred first (default SHA-256, MD5). */
  algorithms?: DigestAlgorithm[];
  /** 407 for initial requests from our domains (default true). */
  authenticateRequests?: boolean;
  limiter?: FailureRateLimiterOptions;
  engines?: ServiceEngine[];
  redirect?: RedirectPolicy;
  forwarding?: ForwardOptions;
  receivedRouting?: ReceivedRouting;
  logger?: Logger;
}

export interface ProxyServer {
  readonly host: string;
  readonly port: number;
  /** The first served domain. */
  readonly domain: string;
  readonly store: SqliteStore;
  readonly registrar: Registrar;
  readonly proxy: ProxyCore;
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  stop(): Promise<void>;
}

/** What the server serves as a UAS — requests addressed to itself (no user part): OPTIONS and
 *  REGISTER. Anything else sent to it gets 405 with this Allow list. Requests for users are
 *  proxied and never meet these checks (a proxy does not apply §8.2 to what it forwards). */
export const SERVER_CAPABILITIES: EndpointCapabilities = {
  allowedMethods: ['OPTIONS', 'REGISTER', 'ACK', 'CANCEL'],
  supportedExtensions: ['path'],
  acceptedContentTypes: ['application/sdp'],
  uriSchemes: ['sip', 'sips'],
};

/** Requests go to the endpoint's stages; what comes outside a transaction goes to the proxy.
 *  (The lead folds this into Endpoint.) */
export class ProxyTransactionUser implements TransactionUser {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly proxy: ProxyCore,
  ) {}

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.endpoint.onRequest(request, transaction);
  }
  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.proxy.handleCancel(cancel, cancelTransaction, invite);
  }
  onAck2xx(ack: SipRequest, flow: Flow): void {
    this.proxy.handleAck(ack, flow);
  }
  onStrayResponse(response: SipResponse, flow: Flow): void {
    this.proxy.handleStrayResponse(response, flow);
  }
}

export async function startProxyServer(options: ProxyServerOptions = {}): Promise<ProxyServer> {
  const logger = options.logger ?? silentLogger;
  const host = '127.0.0.1';
  const port = options.port ?? (await freePort());
  const domains = options.domains ?? ['sb.test'];
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-proxy-'));

  const store = openSqliteStore({ dataDir, logger });
  for (const user of options.users ?? []) {
    await store.users.add({ username: user.username, domain: user.domain ?? (domains[0] as string), password: user.password });
  }

  const transport = new TransportLayer({
    listen: [
      { protocol: 'udp', host, port },
      { protocol: 'tcp', host, port },
    ],
    logger,
  });
  const transactions = new TransactionLayer({ sender: transport, logger, ...(options.timers ? { timers: options.timers } : {}) });
  const identity = new ListenerIdentity(transport, domains);
  const proxy = new ProxyCore({ transactions, identity, logger, ...(options.proxy ? { config: options.proxy } : {}) });
  const registrar = new Registrar({
    bindings: store.bindings,
    users: store.users,
    config: { domains, ...options.registrar },
    logger,
  });
  const authenticator = new DigestAuthenticator({
    logger,
    secret: generateNonceSecret(),
    ...(options.algorithms ? { algorithms: options.algorithms } : {}),
  });
  const limiter = new FailureRateLimiter(options.limiter);

  const forServer = (request: SipRequest): boolean => addressedToServer(request, identity, domains);
  const endpoint = new Endpoint(
    [
      new RouteStage({ proxy, domains, logger }),
      new ConditionalStage(new ValidateStage(SERVER_CAPABILITIES), forServer),
      new ConditionalStage(new OptionsStage(SERVER_CAPABILITIES), forServer),
      new AuthStage({
        authenticator,
        users: store.users,
        domains,
        limiter,
        logger,
        ...(options.authenticateRequests !== undefined ? { authenticateRequests: options.authenticateRequests } : {}),
      }),
      new RegistrarStage({ registrar, logger }),
      new ServicesStage({ engines: options.engines ?? [], proxy, registrar, domains, logger }),
      new ProxyStage({
        proxy,
        location: registrar.location,
        domains,
        logger,
        ...(options.redirect ? { redirect: options.redirect } : {}),
        ...(options.forwarding ? { forwarding: options.forwarding } : {}),
        ...(options.receivedRouting ? { receivedRouting: options.receivedRouting } : {}),
      }),
      new FallbackStage(),
    ],
    logger,
  );
  transactions.setUser(new ProxyTransactionUser(endpoint, proxy));
  transport.onMessage(transactions.handleInbound);
  await transport.start();
  registrar.startSweeper();

  return {
    host,
    port,
    domain: domains[0] as string,
    store,
    registrar,
    proxy,
    transactions,
    transport,
    async stop() {
      registrar.stopSweeper();
      await transport.stop();
      transactions.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
