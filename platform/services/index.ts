/** Public entry of the service interface (core ⇄ engines). */
export type {
  BranchOutcome,
  ContinueDecision,
  Decision,
  ProxyDecision,
  ProxyDecisionOptions,
  RedirectDecision,
  RejectDecision,
  RespondDecision,
  ServiceTarget,
} from './decision.js';
export { classifyOutcome } from './decision.js';
export type {
  LookupResult,
  RegisteredContact,
  RegistrationEvent,
  ServiceCall,
  ServiceDirection,
  ServiceEngine,
  ServiceHost,
} from './service-engine.js';
