/**
 * HTTP API (fastify). For now: health and status; the management API, CPL upload and the
 * composer are added by later issues under /api/v1 and /composer.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.js';

export interface HttpStatusSource {
  /** Facts shown at /api/v1/status, e.g. SIP listeners and live transaction counts. */
  status(): Record<string, unknown>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  logger: Logger;
  statusSource: HttpStatusSource;
  /** Route modules (users, CPL, apps, composer…), registered before the server listens. */
  routes?: readonly HttpRoutes[];
}

/** One module of the API: adds its routes to the app. */
export type HttpRoutes = (app: FastifyInstance) => void | Promise<void>;

export class HttpServer {
  readonly #app: FastifyInstance;
  readonly #options: HttpServerOptions;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    const loggerInstance: FastifyBaseLogger = options.logger.child({ component: 'http' });
    // Request lines would drown the SIP logs; errors are still logged.
    this.#app = Fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }) });
    this.#app.get('/health', async () => ({ status: 'ok' }));
    this.#app.get('/api/v1/status', async () => options.statusSource.status());
  }

  /** Resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    for (const routes of this.#options.routes ?? []) await this.#app.register(async (scope) => routes(scope));
    await this.#app.listen({ host: this.#options.host, port: this.#options.port });
    const address = this.#app.server.address();
    return typeof address === 'object' && address ? address.port : this.#options.port;
  }

  async stop(): Promise<void> {
    await this.#app.close();
  }
}
