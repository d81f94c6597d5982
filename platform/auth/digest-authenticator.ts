/**
 * Digest authentication of SIP requests (RFC 3261 §22, RFC 8760, RFC 7616): builds challenges
 * and verifies credentials against stored HA1 values. No sockets, no message types: the caller
 * passes header values and gets data back, and answers 401/407 itself.
 *
 * Verification order, and why:
 *  1. pick the Digest credentials for our realm (§22.3: a proxy looks through every
 *     Proxy-Authorization value for its own realm)                   → missing, malformed, realm-mismatch
 *  2. syntax and policy: algorithm offered, qop=auth (RFC 2069 form only when allowed),
 *     nc/cnonce present, response of the algorithm's length          → malformed, algorithm
 *  3. digest-uri names the Request-URI (RFC 2617 §3.2.2.5; §19.1.4 equivalence, since the
 *     client may write it differently)                                → uri-mismatch
 *  4. nonce HMAC and age (nonce.ts)
 *  5. HA1 lookup and constant-time comparison of the response        → unknown-user, wrong-password,
 *                                                                       invalid-nonce
 *  6. a correct response on an old or unknown nonce is `stale`: the client knows the password,
 *     so it may retry with a fresh nonce without asking its user (RFC 2617 §3.2.1 — stale only
 *     when the digest is valid)                                      → stale
 *  7. nonce-count strictly increasing per nonce (RFC 7616 §3.4)      → replay
 */
import type { Logger } from '../log/logger.js';
import { contactUrisEquivalent } from '../store/contact-uri.js';
import { DIGEST_ALGORITHMS, hexDigestsEqual, type DigestAlgorithm } from '../store/ha1.js';
import { formatDigestChallenge, parseDigestCredentials, type DigestCredentials } from './digest-header.js';
import { computeDigestResponse, digestHexLength, parseDigestAlgorithm } from './digest-response.js';
import { NonceCountTracker } from './nonce-count-tracker.js';
import { DEFAULT_NONCE_LIFETIME_MS, NonceService, type NonceCheck } from './nonce.js';

/** Finds the stored HA1 of a user for an algorithm; undefined for an unknown user. */
export type LookupHa1 = (
  username: string,
  realm: string,
  algorithm: DigestAlgorithm,
) => string | undefined | Promise<string | undefined>;

export type DigestFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown-user'
  | 'wrong-password'
  | 'stale'
  | 'replay'
  | 'realm-mismatch'
  | 'uri-mismatch'
  | 'algorithm'
  /** The nonce was not issued by this server (forged, or from another realm) and the response
   *  does not verify either. */
  | 'invalid-nonce';

export type DigestVerifyResult =
  | { ok: true; username: string; realm: string; algorithm: DigestAlgorithm }
  | {
      ok: false;
      reason: DigestFailureReason;
      /** For the log: what was wrong, without secrets. */
      message: string;
      /** The username the credentials claimed, when there were any. */
      username?: string;
      /** Whether this failure should count against the source (FailureRateLimiter): guesses
       *  and forgeries do; a first request without credentials, a stale nonce or a client
       *  configuration mismatch do not. */
      penalize: boolean;
    };

export interface DigestChallengeResult {
  /** 401 from a UAS or registrar, 407 from a proxy (§22.1, §22.3). */
  status: 401 | 407;
  headerName: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** One value per algorithm, most preferred first: add them as separate header fields in this
   *  order (RFC 8760 §2.3; §2.4: a UAC uses the topmost one it supports). */
  values: string[];
}

export interface DigestAuthenticatorOptions {
  logger: Logger;
  /** Nonce HMAC key, ≥ 32 bytes. */
  secret: Buffer;
  previousSecrets?: readonly Buffer[];
  /** Default 300 s. */
  nonceLifetimeMs?: number;
  /** Algorithms offered, most preferred first. Default SHA-256 then MD5 (RFC 8760 §2.3–2.4: a UAS
   *  lists its preferred algorithm first; MD5 stays for older clients). */
  algorithms?: readonly DigestAlgorithm[];
  /** Accept RFC 2069 responses without qop. They carry no nonce-count, so no replay check is
   *  possible within the nonce lifetime: off by default. */
  allowNoQop?: boolean;
  /** Compare digest-uri with the Request-URI (default true). */
  checkUri?: boolean;
  /** Nonces whose nonce-count history is kept (memory bound). */
  maxTrackedNonces?: number;
  clock?: () => number;
}

export interface DigestVerifyInput {
  method: string;
  /** The Request-URI as received. */
  requestUri: string;
  /** Authorization (UAS, registrar) or Proxy-Authorization (proxy) value(s); undefined when
   *  the request has none. */
  headerValue: string | readonly string[] | undefined;
  realm: string;
  lookupHa1: LookupHa1;
}

const NC = /^[0-9a-fA-F]{8}$/u;

export class DigestAuthenticator {
  readonly #logger: Logger;
  readonly #nonces: NonceService;
  readonly #counts: NonceCountTracker;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #allowNoQop: boolean;
  readonly #checkUri: boolean;

  constructor(options: DigestAuthenticatorOptions) {
    this.#logger = options.logger;
    const lifetimeMs = options.nonceLifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    const clock = options.clock ?? Date.now;
    this.#nonces = new NonceService({
      secret: options.secret,
      lifetimeMs,
      clock,
      ...(options.previousSecrets ? { previousSecrets: options.previousSecrets } : {}),
    });
    this.#counts = new NonceCountTracker({
      lifetimeMs,
      clock,
      ...(options.maxTrackedNonces !== undefined ? { maxEntries: options.maxTrackedNonces } : {}),
    });
    const algorithms = options.algorithms ?? DIGEST_ALGORITHMS;
    if (algorithms.length === 0 || algorithms.some((a) => !DIGEST_ALGORITHMS.includes(a))) {
      throw new Error(`digest algorithms must be a non-empty list of ${DIGEST_ALGORITHMS.join(', ')}`);
    }
    this.#algorithms = [...new Set(algorithms)];
    this.#allowNoQop = options.allowNoQop ?? false;
    this.#checkUri = options.checkUri ?? true;
  }

  /** Challenge values for a 401 (`proxy: false`) or 407 (`proxy: true`). One nonce serves every
   *  algorithm; `stale` tells the client its password was right and only the nonce is old. */
  challenge(input: { realm: string; proxy: boolean; stale?: boolean }): DigestChallengeResult {
    const nonce = this.#nonces.issue(input.realm);
    const values = this.#algorithms.map((algorithm) =>
      formatDigestChallenge({
        realm: input.realm,
        nonce,
        algorithm,
        qop: ['auth'],
        ...(input.stale ? { stale: true } : {}),
      }),
    );
    return input.proxy
      ? { status: 407, headerName: 'Proxy-Authenticate', values }
      : { status: 401, headerName: 'WWW-Authenticate', values };
  }

  async verify(input: DigestVerifyInput): Promise<DigestVerifyResult> {
    const result = await this.#verify(input);
    if (result.ok) {
      this.#logger.debug({ user: result.username, realm: result.realm }, 'digest authentication succeeded');
    } else {
      // Guesses and forgeries at info; the everyday ones (first request, stale nonce) at debug.
      const level = result.penalize ? 'info' : 'debug';
      this.#logger[level]({ reason: result.reason, user: result.username, realm: input.realm }, result.message);
    }
    return result;
  }

  async #verify(input: DigestVerifyInput): Promise<DigestVerifyResult> {
    const picked = pickCredentials(input.headerValue, input.realm);
    if ('reason' in picked) return picked;
    const credentials = picked.credentials;
    const username = credentials.username;
    const fail = (reason: DigestFailureReason, message: string, penalize: boolean): DigestVerifyResult => ({
      ok: false,
      reason,
      message,
      username,
      penalize,
    });

    const algorithm = parseDigestAlgorithm(credentials.algorithm);
    if (!algorithm || !this.#algorithms.includes(algorithm)) {
      return fail('algorithm', `digest algorithm ${credentials.algorithm ?? 'MD5 (default)'} is not offered`, false);
    }

    let qop: 'auth' | undefined;
    let nc = 0;
    if (credentials.qop === undefined) {
      if (!this.#allowNoQop) return fail('malformed', 'credentials without qop (RFC 2069 form) are not accepted', true);
    } else if (credentials.qop.toLowerCase() !== 'auth') {
      return fail('malformed', `qop ${credentials.qop} was not offered (only auth)`, true);
    } else {
      qop = 'auth';
      if (credentials.nc === undefined || !NC.test(credentials.nc)) return fail('malformed', 'qop=auth needs nc of 8 hex digits', true);
      if (credentials.cnonce === undefined || credentials.cnonce.length === 0) return fail('malformed', 'qop=auth needs a cnonce', true);
      nc = Number.parseInt(credentials.nc, 16);
      if (nc === 0) return fail('malformed', 'nonce-count starts at 00000001', true);
    }
    const hexLength = digestHexLength(algorithm);
    if (credentials.response.length !== hexLength || !/^[0-9a-fA-F]+$/u.test(credentials.response)) {
      return fail('malformed', `response is not ${hexLength} hex digits for ${algorithm}`, true);
    }

    if (this.#checkUri && !uriMatches(credentials.uri, input.requestUri)) {
      return fail('uri-mismatch', `digest uri ${credentials.uri} does not name the Request-URI ${input.requestUri}`, false);
    }

    const nonce: NonceCheck = this.#nonces.check(credentials.nonce, input.realm);

    const ha1 = await input.lookupHa1(username, input.realm, algorithm);
    if (ha1 === undefined) return fail('unknown-user', `no user "${username}" in realm ${input.realm}`, true);
    const expected = computeDigestResponse({
      algorithm,
      ha1,
      nonce: credentials.nonce,
      method: input.method,
      uri: credentials.uri,
      ...(qop ? { qop, nc: credentials.nc as string, cnonce: credentials.cnonce as string } : {}),
    });
    if (!hexDigestsEqual(expected, credentials.response)) {
      return nonce.status === 'invalid'
        ? fail('invalid-nonce', `nonce was not issued by this server for realm ${input.realm}`, true)
        : fail('wrong-password', `wrong ${algorithm} digest response for "${username}"`, true);
    }
    if (nonce.status === 'invalid') {
      return fail('stale', 'correct response on a nonce this server does not know (restart or key rotation): stale', false);
    }
    if (nonce.status === 'stale') return fail('stale', 'nonce expired', false);

    if (qop) {
      const count = this.#counts.check(credentials.nonce, nonce.issuedAt, nc);
      if (count === 'replay') return fail('replay', `nonce-count ${credentials.nc} was already used with this nonce`, true);
      if (count === 'unknown-history') return fail('stale', 'nonce-count history for this nonce is gone: stale', false);
    }
    return { ok: true, username, realm: input.realm, algorithm };
  }
}

type Picked = { credentials: DigestCredentials } | Extract<DigestVerifyResult, { ok: false }>;

function pickCredentials(headerValue: string | readonly string[] | undefined, realm: string): Picked {
  const values = headerValue === undefined ? [] : typeof headerValue === 'string' ? [headerValue] : headerValue;
  let otherRealm: DigestCredentials | undefined;
  let malformed: string | undefined;
  const schemes: string[] = [];
  for (const value of values) {
    const parsed = parseDigestCredentials(value);
    if (parsed.kind === 'digest') {
      if (parsed.value.realm === realm) return { credentials: parsed.value };
      otherRealm ??= parsed.value;
    } else if (parsed.kind === 'malformed') {
      malformed ??= parsed.error;
    } else {
      schemes.push(parsed.scheme);
    }
  }
  if (malformed !== undefined) {
    return { ok: false, reason: 'malformed', message: `unparseable credentials: ${malformed}`, penalize: true };
  }
  if (otherRealm) {
    return {
      ok: false,
      reason: 'realm-mismatch',
      message: `credentials are for realm "${otherRealm.realm}", expected "${realm}"`,
      username: otherRealm.username,
      penalize: false,
    };
  }
  const message =
    schemes.length > 0 ? `no Digest credentials (scheme ${schemes.join(', ')} not supported)` : 'no credentials';
  return { ok: false, reason: 'missing', message, penalize: false };
}

function uriMatches(digestUri: string, requestUri: string): boolean {
  return digestUri === requestUri || contactUrisEquivalent(digestUri, requestUri);
}
