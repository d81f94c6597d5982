/**
 * What the server is made of beyond the SIP core: the service engines and the HTTP route
 * modules. Adding an engine or an API module is one line in the matching list below (and, for
 * a CLI command, one `registerXCommands(program, io, setStatus)` line in platform/cli/main.ts).
 */
import type { SwitchboardConfig } from '../config/config.js';
import type { HttpRoutes } from '../http/http-server.js';
import type { StoreHttpAccess } from '../http/http-access-service.js';
import { createSessionRoutes } from '../http/session-routes.js';
import { createUserRoutes } from '../http/user-routes.js';
import type { Logger } from '../log/logger.js';
import type { ServiceEngine, ServiceHost } from '../services/service-engine.js';
import type { SqliteStore } from '../store/sqlite-store.js';

/** What modules get to build themselves from. */
export interface ServerContext {
  readonly config: SwitchboardConfig;
  readonly logger: Logger;
  /** Absolute path of the data folder. */
  readonly dataDir: string;
  readonly store: SqliteStore;
  /** Who may call an API route (admin token, the user's credentials or composer session);
   *  route modules take it as an `HttpAccess`. Its `sessions` are the composer logins. */
  readonly access: StoreHttpAccess;
  /** Run `task` when the server stops (after SIP and HTTP are closed, before the store). */
  onStop(task: () => void | Promise<void>): void;
}

/** Service engines, asked in this order for every initial request (platform/services). */
export function serviceEngines(context: ServerContext, host: ServiceHost): ServiceEngine[] {
  void context;
  void host;
  return [
    // one line per engine, e.g. createCplEngine({ store: context.store, host, logger: context.logger }),
  ];
}

/** HTTP API modules, registered before the server listens. */
export function httpRoutes(context: ServerContext): HttpRoutes[] {
  return [
    createSessionRoutes(context.access),
    createUserRoutes({
      users: context.store.users,
      access: context.access,
      domains: context.config.domains,
      onUserDeleted: (aor) => context.access.sessions.deleteFor(aor),
    }),
    // one line per module, e.g. createCplRoutes({ store: context.store, access: context.access }),
  ];
}
