/**
 * Server policy for what scripts may contain (RFC 3880 §13: "Script servers SHOULD allow server
 * administrators to control the details of what CPL operations are permitted").
 */
import type { CplParseLimits } from '../parse/limits.js';
import { DEFAULT_TIME_RULE_LIMITS, type TimeRuleLimits } from '../time/time-rule.js';

export interface CplValidateOptions {
  readonly limits?: Partial<CplParseLimits>;
  /** Extension namespaces this server understands (RFC 3880 §11). Anything else is rejected. */
  readonly supportedExtensions?: readonly string[];
  /** URI schemes accepted for `location` urls (§5.1). Default sip, sips, tel. */
  readonly locationSchemes?: readonly string[];
  /**
   * URI prefixes accepted as `lookup` sources besides "registration" (§5.2). Default none:
   * URI sources are a server-side request forgery risk (cpl.md §11.5).
   */
  readonly lookupSources?: readonly string[];
  readonly timeRules?: Partial<TimeRuleLimits>;
  /** Longest proxy/lookup timeout in seconds; longer ones are shortened with a warning. */
  readonly maxTimeoutSeconds?: number;
}

export interface ResolvedPolicy {
  readonly supportedExtensions: ReadonlySet<string>;
  readonly locationSchemes: ReadonlySet<string>;
  readonly lookupSources: readonly string[];
  readonly timeRules: TimeRuleLimits;
  readonly maxTimeoutSeconds: number;
  readonly maxOutputsPerSwitch: number;
}

export const DEFAULT_LOCATION_SCHEMES = ['sip', 'sips', 'tel'] as const;
export const DEFAULT_MAX_TIMEOUT_SECONDS = 300;

export function resolvePolicy(options: CplValidateOptions | undefined, maxOutputsPerSwitch: number): ResolvedPolicy {
  return {
    supportedExtensions: new Set(options?.supportedExtensions ?? []),
    locationSchemes: new Set((options?.locationSchemes ?? DEFAULT_LOCATION_SCHEMES).map((s) => s.toLowerCase())),
    lookupSources: options?.lookupSources ?? [],
    timeRules: { ...DEFAULT_TIME_RULE_LIMITS, ...options?.timeRules },
    maxTimeoutSeconds: options?.maxTimeoutSeconds ?? DEFAULT_MAX_TIMEOUT_SECONDS,
    maxOutputsPerSwitch,
  };
}
