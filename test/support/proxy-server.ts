/**
 * A complete registrar + authenticating stateful proxy in-process, on loopback UDP and TCP, with
 * a SQLite store in a temp folder. It is built by the server's own builder
 * (platform/server/sip-pipeline.ts), so tests run exactly the wiring `switchboard start` runs;
 * only the store location, the users and the knobs below differ.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FailureRateLimiterOptions } from '../../platform/auth/failure-rate-limiter.js';
import { generateNonceSecret } from '../../platform/auth/nonce.js';
import { serverCapabilities, type EndpointCapabilities } from '../../platform/endpoint/capabilities.js';
import type { IscSettings } from '../../platform/endpoint/isc-stage.js';
import type { ReceivedRouting, RedirectPolicy } from '../../platform/endpoint/proxy-stage.js';
import { silentLogger, type Logger } from '../../platform/log/logger.js';
import type { ProxyConfig } from '../../platform/proxy/proxy-config.js';
import type { ProxyCore } from '../../platform/proxy/proxy-core.js';
import type { ForwardOptions } from '../../platform/proxy/target.js';
import type { RegistrarConfig } from '../../platform/registrar/registrar-config.js';
import type { Registrar } from '../../platform/registrar/registrar.js';
import { buildSipPipeline } from '../../platform/server/sip-pipeline.js';
import type { RegisterHook } from '../../platform/endpoint/registrar-stage.js';
import type { ServiceEngine, ServiceHost } from '../../platform/services/service-engine.js';
import type { DigestAlgorithm } from '../../platform/store/ha1.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/sqlite-store.js';
import type { TimerConfig } from '../../platform/transaction/timers.js';
import type { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import type { TransportLayer } from '../../platform/transport/transport-layer.js';
import { freePort } from './ports.js';
import type { ScscfStage, ScscfSettings } from '../../platform/endpoint/scscf-stage.js';
import type { ProfileTextSource } from '../../platform/isc/scscf/index.js';

export interface ProxyServerOptions {
  port?: number;
  domains?: string[];
  users?: Array<{ username: string; password: string; domain?: string }>;
  proxy?: Partial<ProxyConfig>;
  registrar?: Partial<Omit<RegistrarConfig, 'domains'>>;
  timers?: Partial<TimerConfig>;
  /** Digest algorithms offered, most preferred first (default SHA-256, MD5). */
  algorithms?: DigestAlgorithm[];
  /** 407 for initial requests from our domains (default true). */
  authenticateRequests?: boolean;
  limiter?: FailureRateLimiterOptions;
  /** Service engines, or a function of the ServiceHost returning them (engines that need the host from the start). */
  engines?: ServiceEngine[] | ((host: ServiceHost) => ServiceEngine[]);
  registerHook?: RegisterHook;
  redirect?: RedirectPolicy;
  forwarding?: ForwardOptions;
  receivedRouting?: ReceivedRouting;
  logger?: Logger;
  /** The AS role on ISC (platform/endpoint/isc-stage.ts), first of the pipeline's stages. */
  isc?: IscSettings;
  /** The S-CSCF role (platform/endpoint/scscf-stage.ts) with its profile source. */
  scscf?: { settings: ScscfSettings; profiles: ProfileTextSource };
  /** The UDP socket in a thread of its own, as `switchboard start` runs it (default false). */
  udpSocketThread?: boolean;
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
  /** What service engines see through ServiceCall.host. */
  readonly serviceHost: ServiceHost;
  /** Present when started with `scscf`. */
  readonly scscf?: ScscfStage;
  stop(): Promise<void>;
}

/** The capabilities the server announces for itself (kept under the old name for tests). */
export const SERVER_CAPABILITIES: EndpointCapabilities = serverCapabilities;

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

  const pipeline = buildSipPipeline({
    ...(options.registerHook ? { registerHook: options.registerHook } : {}),
    transport: {
      listen: [
        { protocol: 'udp', host, port },
        { protocol: 'tcp', host, port },
      ],
      ...(options.udpSocketThread ? { udpSocketThread: true } : {}),
      logger,
    },
    store,
    domains,
    logger,
    auth: {
      secret: generateNonceSecret(),
      ...(options.algorithms ? { algorithms: options.algorithms } : {}),
      ...(options.authenticateRequests !== undefined ? { authenticateRequests: options.authenticateRequests } : {}),
      ...(options.limiter ? { limiter: options.limiter } : {}),
    },
    ...(options.timers ? { timers: options.timers } : {}),
    ...(options.proxy ? { proxy: options.proxy } : {}),
    ...(options.registrar ? { registrar: options.registrar } : {}),
    ...(options.engines ? { engines: options.engines } : {}),
    ...(options.redirect ? { redirect: options.redirect } : {}),
    ...(options.forwarding ? { forwarding: options.forwarding } : {}),
    ...(options.receivedRouting ? { receivedRouting: options.receivedRouting } : {}),
    ...(options.isc ? { isc: options.isc } : {}),
    ...(options.scscf ? { scscf: { ...options.scscf.settings, profiles: options.scscf.profiles } } : {}),
  });
  const { scscf } = pipeline;
  await pipeline.start();

  return {
    host,
    port,
    domain: domains[0] as string,
    store,
    registrar: pipeline.registrar,
    proxy: pipeline.proxy,
    transactions: pipeline.transactions,
    transport: pipeline.transport,
    serviceHost: pipeline.serviceHost,
    ...(scscf ? { scscf } : {}),
    async stop() {
      await pipeline.stop();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
