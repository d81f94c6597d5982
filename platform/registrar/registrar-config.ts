/**
 * Registrar policy (RFC 3261 §10.3): the domains it keeps bindings for and the expiry limits.
 * Times in seconds, as on the wire.
 */
export interface RegistrarConfig {
  /** Domains this registrar is responsible for (§10.3: "A registrar has to know (for example,
   *  through configuration) the set of domain(s) for which it maintains bindings"). */
  domains: readonly string[];
  /** Shortest expiry accepted; shorter (but non-zero) ones get 423 with Min-Expires (§10.3 step 7). */
  minExpires: number;
  /** Longest expiry granted; longer requests are shortened (§10.3 step 7: the registrar "MAY
   *  shorten the expiration interval"). */
  maxExpires: number;
  /** Used when neither the Contact nor the request has an expiry (§10.3 step 7: "a locally-
   *  configured default value"). */
  defaultExpires: number;
  /** Active bindings per AOR; a REGISTER that would exceed it is refused (403). */
  maxContactsPerAor: number;
  /** How often expired bindings are removed and reported (milliseconds). */
  sweepIntervalMs: number;
}

export const DEFAULT_REGISTRAR_CONFIG: Readonly<RegistrarConfig> = Object.freeze({
  domains: ['localhost'],
  minExpires: 60,
  maxExpires: 3600,
  defaultExpires: 3600,
  maxContactsPerAor: 10,
  sweepIntervalMs: 30_000,
});

export function resolveRegistrarConfig(partial: Partial<RegistrarConfig> = {}): RegistrarConfig {
  const config: RegistrarConfig = { ...DEFAULT_REGISTRAR_CONFIG, ...partial };
  for (const name of ['minExpires', 'maxExpires', 'defaultExpires', 'maxContactsPerAor', 'sweepIntervalMs'] as const) {
    const value = config[name];
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`registrar config: ${name} must be a non-negative integer, got ${value}`);
  }
  if (config.maxExpires < config.minExpires) {
    throw new RangeError(`registrar config: maxExpires (${config.maxExpires}) is below minExpires (${config.minExpires})`);
  }
  if (config.defaultExpires < config.minExpires || config.defaultExpires > config.maxExpires) {
    throw new RangeError(`registrar config: defaultExpires (${config.defaultExpires}) must lie between minExpires and maxExpires`);
  }
  config.domains = config.domains.map((domain) => domain.toLowerCase());
  return config;
}
