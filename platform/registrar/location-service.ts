/**
 * The location service (RFC 3261 §10, §16.5): which contacts an address-of-record in one of our
 * domains is reachable at now. A read-only view over the bindings the registrar writes.
 */
import { decodeUser, parseUri, type Uri } from '../sip/index.js';
import type { Binding, BindingRepository } from '../store/binding-repository.js';
import { StoreError } from '../store/errors.js';
import type { UserRepository } from '../store/user-repository.js';

export type LocationResult =
  /** Unexpired bindings, highest q first. */
  | { kind: 'found'; aor: string; bindings: Binding[] }
  /** A user of ours with nothing registered (a proxy answers 480, §21.4.18). */
  | { kind: 'no-bindings'; aor: string }
  /** No such user in our domain (404, §21.4.4). */
  | { kind: 'unknown-user'; aor: string }
  /** The URI is not in a domain we are responsible for (or not a SIP URI with a user). */
  | { kind: 'not-ours' };

export interface LocationServiceOptions {
  bindings: BindingRepository;
  /** Tells known users from unknown ones; without it every AOR counts as known. */
  users?: UserRepository;
  domains: readonly string[];
  clock?: () => number;
}

export class LocationService {
  readonly #bindings: BindingRepository;
  readonly #users: UserRepository | undefined;
  readonly #domains: ReadonlySet<string>;
  readonly #clock: () => number;

  constructor(options: LocationServiceOptions) {
    this.#bindings = options.bindings;
    this.#users = options.users;
    this.#domains = new Set(options.domains.map((domain) => domain.toLowerCase()));
    this.#clock = options.clock ?? Date.now;
  }

  isOurDomain(host: string): boolean {
    return this.#domains.has(host.toLowerCase());
  }

  /**
   * The AOR key of a URI in one of our domains: `user@domain`, user part unescaped, domain
   * lower-cased, parameters dropped (§10.3 step 5: "all URI parameters MUST be removed ... and
   * all escaped characters MUST be converted to their unescaped form"). Undefined otherwise.
   */
  aorOf(uri: Uri): string | undefined {
    if (uri.kind !== 'sip' || uri.user === undefined || !this.isOurDomain(uri.host)) return undefined;
    const user = decodeUser(uri);
    return user === undefined || user.length === 0 ? undefined : `${user}@${uri.host.toLowerCase()}`;
  }

  async lookup(target: Uri | string): Promise<LocationResult> {
    let uri: Uri;
    try {
      uri = typeof target === 'string' ? parseUri(target) : target;
    } catch {
      return { kind: 'not-ours' };
    }
    const aor = this.aorOf(uri);
    if (aor === undefined) return { kind: 'not-ours' };
    let bindings: Binding[];
    try {
      bindings = await this.#bindings.listActive(aor, this.#clock());
    } catch (error) {
      // A user part no AOR can have (store/aor.ts rules) names nobody here.
      if (error instanceof StoreError && error.code === 'invalid-user') return { kind: 'unknown-user', aor };
      throw error;
    }
    if (bindings.length > 0) return { kind: 'found', aor, bindings };
    if (this.#users && !(await this.#users.get(aor))) return { kind: 'unknown-user', aor };
    return { kind: 'no-bindings', aor };
  }
}
