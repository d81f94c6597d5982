/**
 * The location service (RFC 3261 §10, §16.5): which contacts an address-of-record in one of our
 * domains is reachable at now. A read-only view over the bindings the registrar writes.
 */
import { decodeUser, parseUri, type Uri } from '../sip/index.js';
import type { Binding, BindingRepository } from '../store/binding-repository.js';
import { StoreError } from '../store/errors.js';
import type { UserRepository } from '../store/user-repository.js';
import { BindingCache, type BindingCacheOptions } from './binding-cache.js';

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
  /**
   * Keep lookups in memory (binding-cache.ts). Without this option the cache is on when the
   * binding repository offers `changeVersion()` (a value that changes with every committed
   * write, from any process); otherwise every lookup reads the store.
   */
  cache?: BindingCacheOptions | false;
}

/** A binding repository that can tell whether the store changed (see binding-cache.ts). */
interface VersionedRepository {
  changeVersion?: () => unknown;
}

export class LocationService {
  readonly #bindings: BindingRepository;
  readonly #users: UserRepository | undefined;
  readonly #domains: ReadonlySet<string>;
  readonly #clock: () => number;
  readonly #cache: BindingCache | undefined;

  constructor(options: LocationServiceOptions) {
    this.#bindings = options.bindings;
    this.#users = options.users;
    this.#domains = new Set(options.domains.map((domain) => domain.toLowerCase()));
    this.#clock = options.clock ?? Date.now;
    this.#cache = options.cache === false ? undefined : createCache(options.cache, options.bindings);
  }

  /** Whether lookups are answered from memory when they can be. */
  get cached(): boolean {
    return this.#cache !== undefined;
  }

  /** Forget what is known about `aor` (the registrar calls this after writing its bindings). */
  invalidate(aor: string): void {
    this.#cache?.invalidate(aor);
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
    const now = this.#clock();
    const cache = this.#cache;
    const hit = cache?.get(aor, now);
    if (hit) {
      const bindings = hit.bindings.filter((binding) => binding.expiresAt > now);
      if (bindings.length > 0) return { kind: 'found', aor, bindings };
      return hit.known === false ? { kind: 'unknown-user', aor } : { kind: 'no-bindings', aor };
    }
    const readAt = cache?.version();
    let bindings: Binding[];
    try {
      bindings = await this.#bindings.listActive(aor, now);
    } catch (error) {
      // A user part no AOR can have (store/aor.ts rules) names nobody here.
      if (error instanceof StoreError && error.code === 'invalid-user') return { kind: 'unknown-user', aor };
      throw error;
    }
    if (bindings.length > 0) {
      cache?.set(aor, bindings.slice(), undefined, readAt);
      return { kind: 'found', aor, bindings };
    }
    const known = this.#users ? (await this.#users.get(aor)) !== undefined : undefined;
    cache?.set(aor, [], known, readAt);
    return known === false ? { kind: 'unknown-user', aor } : { kind: 'no-bindings', aor };
  }
}

function createCache(options: BindingCacheOptions | undefined, bindings: BindingRepository): BindingCache | undefined {
  if (options) return new BindingCache(options);
  const versioned = bindings as BindingRepository & VersionedRepository;
  if (typeof versioned.changeVersion !== 'function') return undefined;
  return new BindingCache({ version: () => versioned.changeVersion?.() });
}
