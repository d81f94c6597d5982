/**
 * SIP-CGI (RFC 3050): public entry. The engine consumes messages from platform/sip plus
 * transaction facts and returns decisions; the service adapter wires it to the proxy.
 */
export { CgiEngine, type CgiEngineOptions } from './cgi-engine.js';
export type { CgiDecision, CgiStep, CgiTrigger, RespondStep, ProxyStep, ForwardResponseStep, NewRequestStep } from './cgi-decision.js';
export type { AuthFacts, PeerFacts, RequestFacts, ResponseFacts } from './cgi-facts.js';
export { cgiFailure, type CgiFailure, type CgiFailureCode } from './cgi-failure.js';
export { CgiInvoker, type Invocation, type InvocationResult, type InvocationTiming, type InvokerOptions, type InvokerStats } from './cgi-invoker.js';
export { buildEnvironment, GATEWAY_INTERFACE, DEFAULT_SCRIPT_PATH, type EnvironmentInput, type ScriptInput, type ServerIdentity } from './environment.js';
export { headerVariableName, headerVariables, WITHHELD_HEADERS } from './header-variables.js';
export { parseScriptOutput, DEFAULT_MAX_ACTIONS, type OutputParserOptions } from './output-parser.js';
export type { BodySpec, CgiAction, MessageChanges, OutputParseError, OutputParseResult } from './cgi-actions.js';
export { ScriptResolver, SCRIPT_EXTENSIONS, type ScriptRoute, type ScriptResolverOptions, type ResolvedScript } from './script-resolver.js';
export { createCgiEngine, cgiConfigSchema, parseCgiConfig, CgiConfigError, scriptRoutes, type CgiConfig } from './cgi-config.js';
export { createCgiService, registrationsOf, type CgiServiceEngine, type CgiServiceOptions, type HostRef } from './cgi-service.js';
export { messageEdits } from './message-diff.js';
