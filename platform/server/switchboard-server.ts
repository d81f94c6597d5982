/**
 * Composition root: the only place that knows every layer. It opens the store under the data
 * folder, loads the persisted secrets, builds the SIP pipeline (sip-pipeline.ts) with the
 * service engines and the HTTP API with its route modules (server-modules.ts), and starts and
 * stops them in dependency order: store first up and last down, SIP listeners last up and
 * first down.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FailureRateLimiter } from '../auth/failure-rate-limiter.js';
import type { SwitchboardConfig } from '../config/config.js';
import { StoreHttpAccess } from '../http/http-access-service.js';
import { HttpServer } from '../http/http-server.js';
import { SessionStore } from '../http/session-store.js';
import type { Logger } from '../log/logger.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { loadAdminToken, loadNonceSecret } from './data-secrets.js';
import { sipPipelineOptions } from './pipeline-config.js';
import { httpRoutes, registerHook, scscfOptions, serviceEngines, type ServerContext } from './server-modules.js';
import { buildSipPipeline, type SipPipeline } from './sip-pipeline.js';
import { openTracing } from '../trace/index.js';

interface Running {
  store: SqliteStore;
  pipeline: SipPipeline;
  http: HttpServer;
  stopTasks: Array<() => void | Promise<void>>;
}

export class SwitchboardServer {
  readonly config: SwitchboardConfig;
  readonly #logger: Logger;
  #running: Running | undefined;

  constructor(config: SwitchboardConfig, logger: Logger) {
    this.config = config;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    const config = this.config;
    const logger = this.#logger;
    const dataDir = resolve(config.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const store = openSqliteStore({ dataDir, logger: logger.child({ component: 'store' }) });
    const stopTasks: Running['stopTasks'] = [];
    try {
      const admin = config.http.adminToken !== undefined ? undefined : loadAdminToken(dataDir);
      if (admin) logger.info({ path: admin.path }, admin.created ? 'generated an admin token for the HTTP API' : 'admin token for the HTTP API read');
      const access = new StoreHttpAccess({
        adminToken: config.http.adminToken ?? (admin?.token as string),
        users: store.users,
        sessions: new SessionStore(),
        limiter: new FailureRateLimiter({ ...config.auth.rateLimit }),
        domains: config.domains,
      });
      const tracing = openTracing({ dataDir, logger, limits: config.trace });
      stopTasks.push(() => tracing.close());
      const context: ServerContext = {
        config,
        logger,
        dataDir,
        store,
        access,
        tracing,
        onStop: (task) => void stopTasks.push(task),
      };
      const pipeline = buildSipPipeline({
        ...sipPipelineOptions(config, {
          store,
          logger,
          nonceSecret: loadNonceSecret(dataDir),
          engines: (host) => serviceEngines(context, host),
        }),
        registerHook: registerHook(context),
        ...scscfOptions(context),
        tracer: tracing.tracer,
      });
      const http = new HttpServer({
        host: config.http.host,
        port: config.http.port,
        logger,
        statusSource: { status: () => this.status() },
        routes: httpRoutes(context),
      });
      const running: Running = { store, pipeline, http, stopTasks };
      this.#running = running;
      const httpPort = await http.start();
      await pipeline.start();
      logger.info(
        { sip: pipeline.transport.listeners, http: { host: config.http.host, port: httpPort }, dataDir, domains: config.domains },
        'switchboard started',
      );
    } catch (error) {
      await this.stop().catch(() => undefined);
      await store.close();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#running = undefined;
    await running.pipeline.stop();
    await running.http.stop();
    for (const task of running.stopTasks.reverse()) {
      try {
        await task();
      } catch (error) {
        this.#logger.error({ err: error }, 'a module failed to stop');
      }
    }
    await running.store.close();
    this.#logger.info('switchboard stopped');
  }

  status(): Record<string, unknown> {
    const running = this.#running;
    if (!running) return { running: false };
    return {
      sip: running.pipeline.transport.listeners,
      transactions: running.pipeline.transactions.size,
      proxyContexts: running.pipeline.proxy.pendingContexts,
      domains: this.config.domains,
    };
  }
}
