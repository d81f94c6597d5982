/**
 * What the server is made of beyond the SIP core: the service engines and the HTTP route
 * modules. Adding an engine or an API module is one line in the matching list below (and, for
 * a CLI command, one `registerXCommands(program, io, setStatus)` line in platform/cli/main.ts).
 */
import { createCplEngine, createCplMailer, CplScriptManager, handleCplRegister, type CplEngine } from '../../cpl/service/index.js';
import { createCgiEngine, type CgiConfig, type CgiServiceEngine } from '../cgi/index.js';
import type { RegisterHook } from '../endpoint/registrar-stage.js';
import { appRoutes } from '../http/app-routes.js';
import { SERVER_VERSION } from './version.js';
import { appContainerFor } from '../sdk/host/index.js';
import type { SwitchboardConfig } from '../config/config.js';
import { composerRoutes } from '../http/composer-routes.js';
import { createCplRoutes } from '../http/cpl-routes.js';
import { openCplStore, type CplStore } from '../store/cpl-store.js';
import type { HttpRoutes } from '../http/http-server.js';
import type { StoreHttpAccess } from '../http/http-access-service.js';
import { createSessionRoutes } from '../http/session-routes.js';
import { createUserRoutes } from '../http/user-routes.js';
import { createIfcProfileRoutes } from '../http/ifc-profile-routes.js';
import { createTraceRoutes } from '../http/trace-routes.js';
import type { Tracing } from '../trace/index.js';
import { openServiceProfileStore, type SqliteServiceProfileRepository } from '../store/service-profile-store.js';
import type { SipPipelineOptions } from './sip-pipeline.js';
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
  /** Per-call message traces (rules, capture, storage), shared by the SIP hooks and the API. */
  readonly tracing: Tracing;
  /** Run `task` when the server stops (after SIP and HTTP are closed, before the store). */
  onStop(task: () => void | Promise<void>): void;
}

/** Service engines, asked in this order for every initial request (platform/services). */
export function serviceEngines(context: ServerContext, host: ServiceHost): ServiceEngine[] {
  const { config } = context;
  if (config.apps.enabled) appContainerFor(context).bindHost(host);
  return [
    cpl(context).engine,
    ...(config.apps.enabled ? [appContainerFor(context).engine] : []),
    ...(cgi(context) ? [cgi(context) as CgiServiceEngine] : []),
  ];
}

/** One SIP-CGI engine per server (config `cgi`), shared by the engine list and the REGISTER hook. */
const cgiEngines = new WeakMap<ServerContext, CgiServiceEngine | undefined>();
function cgi(context: ServerContext): CgiServiceEngine | undefined {
  if (!cgiEngines.has(context)) {
    const { config } = context;
    const engine = config.cgi ? createCgiEngine(config.cgi as CgiConfig, context.logger, { serverName: config.domains[0], version: SERVER_VERSION, serverPort: config.sip.port }) : undefined;
    // The resident script spawner goes with the server (it would also exit on its own when the
    // server's IPC channel closes).
    if (engine) context.onStop(() => engine.engine.invoker.close());
    cgiEngines.set(context, engine);
  }
  return cgiEngines.get(context);
}

/** REGISTER: the AOR's SIP-CGI script runs first (RFC 3050 §5.9) and may answer instead of the
 *  registrar; otherwise a CPL script in the body is stored for the registering user. */
export function registerHook(context: ServerContext): RegisterHook {
  return async (request, aor, authenticatedAs, registerContext) => {
    const scripted = await cgi(context)?.register(request, aor, authenticatedAs, registerContext);
    if (scripted !== undefined && scripted.kind !== 'none') return scripted;
    return handleCplRegister(cpl(context).manager, request, aor, authenticatedAs);
  };
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
    createCplRoutes({
      scripts: cpl(context).store.scripts,
      logs: cpl(context).store.logs,
      access: context.access,
      cache: cpl(context).engine.cache,
      compile: { floatingTimeZone: context.config.cpl.floatingTimeZone },
    }),
    ...(context.config.apps.enabled
      ? [appRoutes({ apps: appContainerFor(context).manager, kv: appContainerFor(context).kv, events: appContainerFor(context).engine, access: context.access })]
      : []),
    createIfcProfileRoutes({ profiles: serviceProfiles(context), access: context.access }),
    createTraceRoutes({ store: context.tracing.store, access: context.access }),
    composerRoutes(),
  ];
}

interface CplParts {
  store: CplStore;
  engine: CplEngine;
  manager: CplScriptManager;
}

/** One CPL store, mailer, engine and script manager per server: the engine and the API share
 *  the compiled-script cache, so an upload is live on the next call. */
const cplParts = new WeakMap<ServerContext, CplParts>();
export function cpl(context: ServerContext): CplParts {
  let parts = cplParts.get(context);
  if (parts === undefined) {
    const config = context.config.cpl;
    const store = openCplStore({ dataDir: context.dataDir, logger: context.logger, maxLogEntriesPerUser: config.maxLogEntriesPerUser });
    const mail = config.mail;
    const mailer = mail
      ? createCplMailer({
          smtp: { host: mail.smtpHost, port: mail.smtpPort, secure: mail.secure, ...(mail.user !== undefined ? { user: mail.user, password: mail.password ?? '' } : {}) },
          from: mail.from,
          logger: context.logger,
        })
      : undefined;
    const compile = { floatingTimeZone: config.floatingTimeZone };
    const engine = createCplEngine({ scripts: store.scripts, logs: store.logs, logger: context.logger, compile, limits: config.limits, ...(mailer ? { mailer } : {}) });
    const manager = new CplScriptManager(store.scripts, { compile, cache: engine.cache });
    context.onStop(() => {
      mailer?.close();
      store.close();
    });
    parts = { store, engine, manager };
    cplParts.set(context, parts);
  }
  return parts;
}

/** The S-CSCF role's pipeline options (config `scscf`), with the stored service profiles. */
export function scscfOptions(context: ServerContext): Pick<SipPipelineOptions, 'scscf'> {
  const { scscf } = context.config;
  return scscf.enabled ? { scscf: { asTimeoutMs: scscf.asTimeoutMs, odiTtlMs: scscf.odiTtlMs, profiles: serviceProfiles(context) } } : {};
}

/** One service-profile store per server, shared by the S-CSCF stage and the API. */
const profileStores = new WeakMap<ServerContext, SqliteServiceProfileRepository>();
function serviceProfiles(context: ServerContext): SqliteServiceProfileRepository {
  let profiles = profileStores.get(context);
  if (profiles === undefined) {
    const store = openServiceProfileStore({ dataDir: context.dataDir, logger: context.logger });
    context.onStop(() => store.close());
    profiles = store.profiles;
    profileStores.set(context, profiles);
  }
  return profiles;
}
