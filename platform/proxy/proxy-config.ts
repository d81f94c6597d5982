/**
 * Configuration of the §16 proxy core. Every value has a default; the server maps its config
 * file onto this, tests pass small timers.
 */

export interface ProxyConfig {
  /**
   * Timer C (§16.6 step 11, §16.8): how long an INVITE branch may stay without a provisional
   * response before it is cancelled / treated as 408. The RFC says it "MUST be greater than
   * 3 minutes"; the default is 185 s. Tests may set it lower.
   */
  timerCMs: number;
  /**
   * How long a group of branches that is not the last one rings before the next group starts
   * (sequential forking by q, §16.6: "the proxy ... MAY wait ... before trying the next").
   * A per-request `timeoutMs` overrides it.
   */
  sequentialTimeoutMs: number;
  /** Record-Route initial requests unless a request's options say otherwise (§16.6 step 4). */
  recordRoute: boolean;
  /** Recurse on 3xx contacts (§16.7 step 4) unless a request's options say otherwise. */
  recurseOn3xx: boolean;
  /** Upper bound of branches one response context may create, recursion included. */
  maxBranches: number;
  /** Option tags this proxy understands in Proxy-Require (§16.3 item 5); none by default. */
  proxyExtensions: readonly string[];
}

export const DEFAULT_PROXY_CONFIG: Readonly<ProxyConfig> = Object.freeze({
  timerCMs: 185_000,
  sequentialTimeoutMs: 20_000,
  recordRoute: true,
  recurseOn3xx: false,
  maxBranches: 16,
  proxyExtensions: [],
});

export function resolveProxyConfig(partial: Partial<ProxyConfig> = {}): ProxyConfig {
  const config: ProxyConfig = { ...DEFAULT_PROXY_CONFIG, ...partial };
  for (const name of ['timerCMs', 'sequentialTimeoutMs', 'maxBranches'] as const) {
    const value = config[name];
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`proxy config: ${name} must be a positive number, got ${value}`);
  }
  return config;
}
