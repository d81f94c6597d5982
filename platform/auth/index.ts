/**
 * platform/auth — SIP digest authentication (RFC 3261 §22, RFC 8760, RFC 7616). Pure logic and
 * small in-memory helpers; the endpoint's auth stage composes them:
 *
 *   const limit = limiter.check(source);                 // blocked → 403/drop, don't evaluate
 *   const result = await authenticator.verify({ method, requestUri, headerValue, realm, lookupHa1 });
 *   if (!result.ok) {
 *     if (result.penalize) limiter.recordFailure(source);
 *     const { status, headerName, values } = authenticator.challenge({ realm, proxy, stale: result.reason === 'stale' });
 *     // answer status with one headerName field per value, in order
 *   } else if (!checkIdentity(result.username, result.realm, toOrFromUri).ok) { 403 }
 */
export {
  DigestAuthenticator,
  type DigestAuthenticatorOptions,
  type DigestChallengeResult,
  type DigestFailureReason,
  type DigestVerifyInput,
  type DigestVerifyResult,
  type LookupHa1,
} from './digest-authenticator.js';
export {
  formatDigestChallenge,
  formatDigestCredentials,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestChallenge,
  type DigestCredentials,
  type ParsedDigest,
} from './digest-header.js';
export {
  formatAuthHeaderValue,
  getAuthParam,
  parseAuthHeaderValue,
  quoteString,
  type AuthHeaderValue,
  type AuthParam,
  type AuthParseResult,
} from './auth-params.js';
export {
  answerDigestChallenge,
  computeDigestResponse,
  digestHexLength,
  formatNonceCount,
  parseDigestAlgorithm,
  type DigestResponseInput,
} from './digest-response.js';
export { NonceService, generateNonceSecret, DEFAULT_NONCE_LIFETIME_MS, type NonceCheck, type NonceServiceOptions } from './nonce.js';
export { NonceCountTracker, type NonceCountCheck, type NonceCountTrackerOptions } from './nonce-count-tracker.js';
export { FailureRateLimiter, type FailureRateLimiterOptions, type RateLimitState } from './failure-rate-limiter.js';
export { checkIdentity, type IdentityCheck } from './identity.js';
export { computeHa1, type DigestAlgorithm } from '../store/ha1.js';
