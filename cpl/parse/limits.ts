/**
 * Upload limits (cpl.md §11.2: "Limits on bytes (suggest 64-256 KB), depth (suggest 64-128;
 * libxml2's default hard limit is 256), node count, attribute length and number of outputs per
 * switch. The errors must name the limit."). RFC 3880 §13: servers control what scripts may do.
 */
export interface CplParseLimits {
  /** Script size in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Element nesting depth (the root `<cpl>` is depth 1). */
  readonly maxDepth: number;
  /** Number of elements in the script. */
  readonly maxElements: number;
  /** Characters in one attribute value. */
  readonly maxAttributeLength: number;
  /** Attributes (including namespace declarations) on one element. */
  readonly maxAttributesPerElement: number;
  /** Outputs of one switch. */
  readonly maxOutputsPerSwitch: number;
}

export const DEFAULT_PARSE_LIMITS: CplParseLimits = {
  maxBytes: 128 * 1024,
  maxDepth: 64,
  maxElements: 5000,
  maxAttributeLength: 2048,
  maxAttributesPerElement: 32,
  maxOutputsPerSwitch: 256,
};

export function resolveLimits(partial: Partial<CplParseLimits> | undefined): CplParseLimits {
  return { ...DEFAULT_PARSE_LIMITS, ...partial };
}
