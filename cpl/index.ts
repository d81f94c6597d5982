/**
 * Public entry of the CPL engine (RFC 3880): validate a script at upload, compile it once, run
 * it per call as a resumable state machine through a host interface, simulate it for users.
 * Everything other parts of Switchboard use is exported from here.
 */
export type { CplDiagnostic } from './diagnostics/diagnostic.js';
export { CPL_RULES, type CplRule } from './diagnostics/rules.js';
export { DEFAULT_PARSE_LIMITS, type CplParseLimits } from './parse/limits.js';
export { CPL_NAMESPACE } from './schema/load-schema.js';
export { validateCpl, type CplValidationResult } from './validate/validate-cpl.js';
export type { CplValidateOptions } from './validate/validate-options.js';
export { compileCpl, type CplCompileResult } from './compile/compile-cpl.js';
export type { CplCompileOptions } from './compile/compile-options.js';
export type { CompiledCpl } from './compile/compiled-script.js';
export { CplScriptCache } from './compile/script-cache.js';
export { hashScript } from './compile/script-hash.js';
export { CplSession } from './run/cpl-session.js';
export { runCpl, type CplAsyncHost, type CplRunResult } from './run/run-cpl.js';
export type { CplRunOptions } from './run/run-options.js';
export type { CplTraceStep } from './run/trace.js';
export type {
  CplAddressInput,
  CplCallFacts,
  CplContact,
  CplDecision,
  CplEffectSink,
  CplExtensionRequest,
  CplHeaders,
  CplHostAction,
  CplLocation,
  CplLogRequest,
  CplLookupAction,
  CplLookupOutcome,
  CplMailRequest,
  CplOutcome,
  CplProxyAction,
  CplProxyOutcome,
  CplResponse,
  CplStep,
} from './run/host.js';
export { simulateCpl, type CplSimulatedAction, type CplSimulatedCall, type CplSimulateOptions, type CplSimulation } from './simulate/simulate-cpl.js';
export { describeDecision, formatSimulation, simulationJson } from './simulate/format-simulation.js';
