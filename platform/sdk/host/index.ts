/**
 * The host side of the app SDK: the service engine that runs apps (createAppEngine), their
 * application sessions and timers, the capabilities behind `ctx` (inversify), and deployment.
 * Server wiring: see platform/sdk/README.md.
 */
export { createAppEngine, type AppEngine, type AppEngineOptions, type AppEngineStats } from './app-engine.js';
export { AppManager, type AppAdmin, type AppListing, type AppManagerOptions } from './app-manager.js';
export { AppRepository, type AppRecord, type AppRecordState } from './app-repository.js';
export { appSelectionSchema, createAppSelector, selectApps, type AppSelection, type AppSelectionRule, type AppSelector, type SelectedApp } from './app-selection.js';
export { formatAppMetrics } from './app-metrics.js';
export { parseDarProperties, type DarEntry, type DarParseResult } from './dar-properties.js';
export { appOf, criteriaSelector, subscriptionSelector } from './ifc-selection.js';
export { CallRegistry, type CallControl, type ConnectListener } from './call-registry.js';
export { CallConnector } from './connect-calls.js';
export { asJson, type AppEventAnswer, type AppEventSink } from './app-events.js';
export { CallsCapability } from './calls-capability.js';
export { AppSessionStore, type HostSession } from './app-sessions.js';
export { openAppsDatabase } from './apps-database.js';
export { capabilityProviders, createCapabilityContainer, SDK_TYPES, type CapabilityBindings } from './capability-bindings.js';
export { createMemoryKv, createSqliteKv, KvCapability, KV_LIMITS, type KvBackend } from './kv-store.js';
export { sdkEntryPath } from './sdk-entry.js';
export { appContainerFor, appsConfigSchema, type AppContainer, type AppContainerContext, type AppsConfig } from './app-container.js';
