/** Public entry of the stateful proxy core (RFC 3261 §16). */
export { ProxyCore, type ProxyCoreOptions } from './proxy-core.js';
export { ResponseContext, type ContextOutcome, type ForwardHooks, type ProxyTransactions } from './response-context.js';
export { DEFAULT_PROXY_CONFIG, resolveProxyConfig, type ProxyConfig } from './proxy-config.js';
export { groupTargets, normalizeQ, targetFromUri, type ForkingMode, type ForwardOptions, type ProxyTarget } from './target.js';
export {
  ListenerIdentity,
  defaultSipPort,
  isLocalUri,
  normalizeHost,
  type ListenerInfo,
  type ListenerSource,
  type LocalAddress,
  type ProxyIdentity,
} from './local-identity.js';
export { chooseBestResponse, convertServiceUnavailable, mergeChallenges, type CollectedResponse } from './best-response.js';
export { createRedirectResponse, redirectContacts } from './redirect.js';
export { resolveHost, NextHopError, type HostResolver } from './next-hop.js';
export type { ValidationResult } from './request-validation.js';
export type { RoutePreprocessResult } from './route-processing.js';
