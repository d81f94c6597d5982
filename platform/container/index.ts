/**
 * Public entry of the app container's sandbox runtime: bundle an app folder at deploy time, run
 * it in an isolated-vm isolate with CPU, wall-clock and memory budgets, deliver events with
 * per-session ordering, redeploy side by side. The SIP-facing SDK and dispatch build on this.
 */
export { bundleApp, BUNDLE_GLOBAL, SDK_SPECIFIER, type AppBundle, type BundleOptions } from './bundle-app.js';
export { DeployError, formatProblem, type DeployProblem } from './deploy-error.js';
export { parseManifest, grantsOf, manifestSchema, type AppManifest, type AppManifestInput, type AppLimits, type CapabilityGrants } from './manifest.js';
export {
  AppRuntime,
  type AppRuntimeOptions,
  type AppStatus,
  type AppVersionStatus,
  type DeployedApp,
} from './app-runtime.js';
export type { CapabilityCall, CapabilityProvider } from './capabilities.js';
export { DEFAULT_FAULT_LIMIT, type FaultLimit } from './fault-window.js';
export { DEFAULT_GUEST_LIMITS, type GuestLimits } from './guest-prelude.js';
export { AppIsolate, createInProcessHost, type EntryMode } from './app-isolate.js';
export { createWorkerHost, type WorkerHostOptions } from './worker-host.js';
export {
  IsolateLoadError,
  PayloadCopyError,
  type EventOutcome,
  type EventRequest,
  type GuestHostCall,
  type IsolateCallbacks,
  type IsolateFault,
  type IsolateHandle,
  type IsolateHost,
  type IsolateMemory,
  type IsolateSpec,
} from './isolate-handle.js';
export {
  COUNTED_FAULTS,
  type AppEvent,
  type AppLogLevel,
  type Cloneable,
  type DispatchResult,
  type FaultKind,
  type JsonValue,
} from './types.js';
