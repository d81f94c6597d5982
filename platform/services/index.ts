/** Public entry of the service interface (core ⇄ engines). */
export type {
  BranchOutcome,
  ContinueDecision,
  Decision,
  MessageEdits,
  ProxyDecision,
  ProxyDecisionOptions,
  RedirectDecision,
  RejectDecision,
  RespondDecision,
  ResponseVerdict,
  ServiceResponse,
  ServiceTarget,
} from './decision.js';
export { applyMessageEdits } from './message-edits.js';
export { answerThrough, composeProxy, outcomeOf } from './decision-chain.js';
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
export type {
  B2buaControl,
  B2buaDecision,
  B2buaEnd,
  B2buaLegs,
  ClientEvents,
  ClientHandle,
  DialogEndReason,
  DialogHandle,
  InDialogRequestEvent,
  MessageBodySpec,
  OutgoingRequestSpec,
  ThirdPartyCallEnd,
  ThirdPartyCallEvents,
  ThirdPartyCallHandle,
  ThirdPartyCallLegs,
  ThirdPartyCallSpec,
  UserAgentService,
} from './user-agent.js';
