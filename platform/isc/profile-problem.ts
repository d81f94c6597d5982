/**
 * What is wrong with a profile document, and where. Loading returns these (an expected outcome),
 * it never throws for a bad document.
 */
export interface ProfileProblem {
  /** 1-based; 0 when the problem concerns the whole document. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  message: string;
}

export function problem(line: number, column: number, message: string): ProfileProblem {
  return { line, column, message };
}

/** `profile.xml:12:7: <Priority> …` — the form compilers use, so editors can jump to it. */
export function formatProblem(source: string, p: ProfileProblem): string {
  if (p.line === 0) return `${source}: ${p.message}`;
  return `${source}:${p.line}:${p.column === 0 ? 1 : p.column}: ${p.message}`;
}

/** Size limits for profile documents (a Cx User-Data AVP is small; these are generous). */
export interface ProfileLimits {
  /** Document size in UTF-8 bytes. */
  maxBytes: number;
  /** Element nesting depth (XML) or structure depth (YAML). */
  maxDepth: number;
  /** Elements in an XML document. */
  maxElements: number;
  /** iFCs in one service profile. */
  maxFilterCriteria: number;
  /** SPTs in one trigger point. */
  maxSpts: number;
}

export const DEFAULT_PROFILE_LIMITS: ProfileLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 32,
  maxElements: 100_000,
  maxFilterCriteria: 1000,
  maxSpts: 256,
};
