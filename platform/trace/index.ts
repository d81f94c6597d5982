/**
 * platform/trace — per-call SIP message traces an operator switches on for one user or one app
 * (issue 5 §8). Sits beside the transport: hooks around MessageSender and the inbound handler,
 * a SQLite file of rules and captured messages shared with the CLI and the HTTP API.
 */
export { traceInbound, traceSender } from './trace-hooks.js';
export { Tracer, TRACE_DEFAULTS, type CallMark, type CallMarker, type TracerLimits, type TracerOptions } from './tracer.js';
export {
  openTraceStore,
  TraceStore,
  TRACE_DATABASE_FILE,
  type CallWrite,
  type OpenTraceStoreOptions,
  type TraceCall,
  type TraceDirection,
  type TraceMessage,
} from './trace-store.js';
export {
  DEFAULT_RULE_MS,
  MAX_RULE_MS,
  formatTarget,
  parseAppTarget,
  parseDuration,
  parseTarget,
  parseUserTarget,
  TraceInputError,
  type TraceRule,
  type TraceRuleKind,
  type TraceTarget,
} from './trace-rule.js';
export { redactCredentials } from './redact.js';
export { formatCallList, formatLadder, formatRules } from './ladder.js';
export { systemTraceClock, type TraceClock } from './trace-clock.js';
export { callJson, messagesJson, ruleJson, type TraceCallJson, type TraceMessageJson, type TraceRuleJson } from './trace-json.js';
export { traceConfigSchema, type TraceConfig } from './trace-config.js';
export { openTracing, type Tracing } from './tracing.js';
