/**
 * Digest authentication of requests from our users (RFC 3261 §22, RFC 8760):
 * - REGISTER to one of our domains: 401 with WWW-Authenticate (§22.1, §10.3 step 3); the user
 *   may only change the bindings of its own AOR, the To URI (§10.3 step 4: else 403).
 * - other initial requests whose From is in one of our domains: 407 with Proxy-Authenticate
 *   (§22.3); the user may only send as itself (From must be its AOR, else 403), so no one calls
 *   as someone else. Our credentials are removed before forwarding (they are for us only).
 * - ACK and CANCEL are never challenged (§22.1: they cannot be resubmitted); in-dialog requests
 *   are not either (the dialog was authenticated when it was set up).
 *
 * Unknown users, wrong passwords and replayed nonces all get the same fresh challenge, so a
 * response never reveals whether a user exists. Failures that look like guessing count against
 * the source address; a blocked source gets 403 (logged) without its credentials being looked at.
 */
import type { DigestAuthenticator } from '../auth/digest-authenticator.js';
import { parseDigestCredentials } from '../auth/digest-header.js';
import type { FailureRateLimiter } from '../auth/failure-rate-limiter.js';
import { checkIdentity } from '../auth/identity.js';
import type { Logger } from '../log/logger.js';
import { formatUri, type SipRequest, type Uri } from '../sip/index.js';
import type { DigestAlgorithm } from '../store/ha1.js';
import type { UserRepository } from '../store/user-repository.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';
import { isInDialog } from './route-stage.js';

export interface AuthenticatedIdentity {
  username: string;
  realm: string;
  /** `username@realm` */
  aor: string;
}

export interface AuthStageOptions {
  authenticator: DigestAuthenticator;
  users: UserRepository;
  domains: readonly string[];
  logger: Logger;
  /** Counts failures per source address; blocked sources get 403. */
  limiter?: FailureRateLimiter;
  /** Challenge initial non-REGISTER requests from our domains with 407 (default true). */
  authenticateRequests?: boolean;
}

const identities = new WeakMap<SipRequest, AuthenticatedIdentity>();

/** Who the auth stage proved the request comes from (undefined: not authenticated). */
export function authenticatedIdentity(request: SipRequest): AuthenticatedIdentity | undefined {
  return identities.get(request);
}

export class AuthStage implements RequestStage {
  readonly name = 'auth';
  readonly #options: AuthStageOptions;
  readonly #domains: ReadonlySet<string>;
  readonly #logger: Logger;

  constructor(options: AuthStageOptions) {
    this.#options = options;
    this.#domains = new Set(options.domains.map((domain) => domain.toLowerCase()));
    this.#logger = options.logger.child({ stage: 'auth' });
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request } = incoming;
    const scope = this.#scope(request);
    if (!scope) return 'continue';
    const { realm, proxy, subject } = scope;
    const source = incoming.transaction.flow.remote.address;

    const limiter = this.#options.limiter;
    if (limiter?.check(source).blocked) {
      this.#logger.warn({ source, method: request.method, realm }, 'request from a source blocked for failed authentications refused');
      incoming.reply(403, 'Forbidden');
      return 'handled';
    }

    const headerName = proxy ? 'Proxy-Authorization' : 'Authorization';
    const values = request.getHeaders(headerName);
    const result = await this.#options.authenticator.verify({
      method: request.method,
      requestUri: formatUri(request.uri),
      headerValue: values.length > 0 ? values : undefined,
      realm,
      lookupHa1: (username, userRealm, algorithm) => this.#lookupHa1(username, userRealm, algorithm),
    });

    if (!result.ok) {
      if (result.penalize && limiter) {
        const state = limiter.recordFailure(source);
        if (state.blocked) this.#logger.warn({ source, retryAfterMs: state.retryAfterMs }, 'source blocked after repeated authentication failures');
      }
      const challenge = this.#options.authenticator.challenge({ realm, proxy, stale: result.reason === 'stale' });
      const reason = challenge.status === 401 ? 'Unauthorized' : 'Proxy Authentication Required';
      incoming.reply(challenge.status, reason, challenge.values.map((value) => ({ name: challenge.headerName, value })));
      return 'handled';
    }

    const identity = checkIdentity(result.username, result.realm, formatUri(subject));
    if (!identity.ok) {
      this.#logger.info({ user: result.username, realm, method: request.method }, identity.message);
      incoming.reply(403, 'Forbidden');
      return 'handled';
    }
    identities.set(request, { username: result.username, realm: result.realm, aor: `${result.username}@${result.realm}` });
    if (proxy) removeOwnCredentials(request, realm);
    return 'continue';
  }

  /** Which requests are ours to authenticate, in which realm, against which URI. */
  #scope(request: SipRequest): { realm: string; proxy: boolean; subject: Uri } | undefined {
    if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
    try {
      if (request.method === 'REGISTER') {
        const uri = request.uri;
        if (uri.kind !== 'sip' || !this.#domains.has(uri.host.toLowerCase())) return undefined;
        return { realm: uri.host.toLowerCase(), proxy: false, subject: request.to.uri };
      }
      if (this.#options.authenticateRequests === false || isInDialog(request)) return undefined;
      const from = request.from.uri;
      if (from.kind !== 'sip' || !this.#domains.has(from.host.toLowerCase())) return undefined;
      return { realm: from.host.toLowerCase(), proxy: true, subject: from };
    } catch {
      return undefined; // unreadable From/To: the validate stage answers 400
    }
  }

  async #lookupHa1(username: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined> {
    let user;
    try {
      user = await this.#options.users.get(`${username}@${realm}`);
    } catch {
      return undefined; // not a possible AOR: as unknown as any other
    }
    if (!user) return undefined;
    return algorithm === 'SHA-256' ? user.ha1Sha256 : user.ha1Md5;
  }
}

/** §22.3: credentials for our realm were for us; other realms' are passed on untouched. */
function removeOwnCredentials(request: SipRequest, realm: string): void {
  const values = request.getHeaders('Proxy-Authorization');
  const kept = values.filter((value) => {
    const parsed = parseDigestCredentials(value);
    return parsed.kind !== 'digest' || parsed.value.realm !== realm;
  });
  if (kept.length === values.length) return;
  request.removeHeader('Proxy-Authorization');
  for (const value of kept) request.addHeader('Proxy-Authorization', value);
}
