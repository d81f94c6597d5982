/**
 * The app container assembled for the server: apps database, key-value store, capabilities
 * (inversify), sandbox runtime, service engine and deploy manager — one per server, shared by
 * the engine list and the HTTP routes (`appContainerFor(context)` returns the same instance for
 * the same context). Stored apps are loaded in the background at start, then the application
 * sessions and timers stored before the last stop are restored (those of apps that no longer
 * load are dropped); CLI deploys are picked up every `apps.syncMs`.
 */
import type { z } from 'zod';
import { AppRuntime } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import { createAppEngine, type AppEngine, type AppEngineOptions } from './app-engine.js';
import { AppManager } from './app-manager.js';
import { AppRepository } from './app-repository.js';
import { appsConfigSchema } from './apps-config.js';
import { openAppsDatabase } from './apps-database.js';
import { CallRegistry } from './call-registry.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createSqliteKv, type KvBackend } from './kv-store.js';
import { createSqliteSessionPersistence } from './sqlite-session-persistence.js';
import type { ServiceHostRef } from './uac-capability.js';
import type { ServiceHost } from '../../services/index.js';

export { appsConfigSchema, type AppsConfig } from './apps-config.js';

export interface AppContainerContext {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly config: { readonly apps?: z.input<typeof appsConfigSchema> | undefined };
  /** Per-call traces: the engine marks the calls each app handled. */
  readonly tracing?: { readonly tracer: NonNullable<AppEngineOptions['callMarker']> };
  onStop(task: () => void | Promise<void>): void;
}

export interface AppContainer {
  readonly runtime: AppRuntime;
  readonly engine: AppEngine;
  readonly manager: AppManager;
  readonly kv: KvBackend;
  /** Resolves once the apps stored at start are loaded (refused ones are logged). */
  readonly loaded: Promise<void>;
  /** The core's ServiceHost, once the SIP pipeline is built (`ctx.uac` sends through it). */
  bindHost(host: ServiceHost): void;
}

const containers = new WeakMap<AppContainerContext, AppContainer>();

export function appContainerFor(context: AppContainerContext): AppContainer {
  const existing = containers.get(context);
  if (existing !== undefined) return existing;
  const config = appsConfigSchema.parse(context.config.apps ?? {});
  const db = openAppsDatabase(context.dataDir);
  const kv = createSqliteKv(db);
  const host: ServiceHostRef = {};
  const calls = new CallRegistry();
  const runtime = new AppRuntime({
    logger: context.logger,
    hosting: config.hosting,
    fastPath: config.fastPath,
    capabilities: capabilityProviders(createCapabilityContainer({ kv, host, calls, logger: context.logger })),
  });
  const engine = createAppEngine({
    runtime,
    logger: context.logger,
    selection: config.selection,
    sessionExpiryMs: config.sessionExpiryMs,
    sessionPersistence: createSqliteSessionPersistence(db, context.logger),
    calls,
    ...(context.tracing ? { callMarker: context.tracing.tracer } : {}),
  });
  const manager = new AppManager({ runtime, logger: context.logger, repository: new AppRepository(db),
    onUndeployed: (name) => engine.dropApp(name),
    stats: (name) => engine.stats(name),
  });
  const loaded = manager
    .sync()
    .catch((error: unknown) => context.logger.error({ err: error }, 'loading stored apps failed'))
    // After the apps: a restored timer that is overdue fires at once and needs its app loaded.
    .then(() => {
      const restored = engine.sessions.restore((app) => runtime.manifest(app) !== undefined);
      if (restored.sessions > 0 || restored.dropped.length > 0) context.logger.info(restored, 'application sessions restored');
    })
    .catch((error: unknown) => context.logger.error({ err: error }, 'restoring application sessions failed'));
  manager.startSync(config.syncMs);
  let unwatch: (() => void) | undefined;
  context.onStop(async () => {
    unwatch?.();
    manager.stopSync();
    engine.close();
    await runtime.close();
    db.close();
  });
  const bindHost = (serviceHost: ServiceHost): void => {
    host.current = serviceHost;
    // Registration changes reach apps granted `registrations` (onRegistration).
    unwatch?.();
    unwatch = engine.watchRegistrations(serviceHost);
  };
  const container: AppContainer = { runtime, engine, manager, kv, loaded, bindHost };
  containers.set(context, container);
  return container;
}
