/**
 * Compiled service profiles per user, keyed by the stored text's hash (as the CPL engine caches
 * scripts): a new upload takes effect on the next request, an unchanged one is not recompiled.
 * Stored profiles are loaded leniently (isc.md §12 #14): a profile once accepted keeps serving
 * with its broken iFCs skipped rather than leave the user without services.
 */
import type { Logger } from '../../log/logger.js';
import { IfcEngine, type IfcEngineOptions } from '../ifc-engine.js';
import type { ImsSubscription } from '../ifc-model.js';
import { loadProfile } from '../profile-parser.js';

/** Where profile texts come from (the SQLite repository in the server). */
export interface ProfileTextSource {
  /** The stored profile of `aor` (`user@domain`) with its hash, or undefined. */
  head(aor: string): Promise<{ hash: string } | undefined>;
  get(aor: string): Promise<{ text: string; hash: string } | undefined>;
}

export interface CompiledProfile {
  hash: string;
  subscription: ImsSubscription;
  /** One engine per ServiceProfile, same index as `subscription.serviceProfiles`. */
  engines: IfcEngine[];
}

export class ProfileCache {
  readonly #source: ProfileTextSource;
  readonly #logger: Logger;
  readonly #options: IfcEngineOptions;
  readonly #cache = new Map<string, CompiledProfile>();

  constructor(source: ProfileTextSource, logger: Logger, options: IfcEngineOptions = {}) {
    this.#source = source;
    this.#logger = logger;
    this.#options = options;
  }

  async profileOf(aor: string): Promise<CompiledProfile | undefined> {
    const head = await this.#source.head(aor);
    if (!head) {
      this.#cache.delete(aor);
      return undefined;
    }
    const cached = this.#cache.get(aor);
    if (cached && cached.hash === head.hash) return cached;
    const stored = await this.#source.get(aor);
    if (!stored) return undefined;
    const loaded = loadProfile(stored.text, { strict: false });
    if (!loaded.ok) {
      this.#logger.warn({ aor, problems: loaded.problems.slice(0, 3) }, 'stored service profile does not load; no iFCs for this user');
      return undefined;
    }
    const engines = loaded.subscription.serviceProfiles.map((profile) => IfcEngine.compile(profile.initialFilterCriteria, this.#logger, this.#options));
    const compiled = { hash: stored.hash, subscription: loaded.subscription, engines };
    this.#cache.set(aor, compiled);
    return compiled;
  }
}
