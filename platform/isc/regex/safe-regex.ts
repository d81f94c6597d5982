/**
 * Compiling iFC regular expressions safely: parse (refusing non-regular constructs), build a
 * finite automaton, and test inputs in time linear in their length — a hostile pattern such as
 * `(a+)+$` cannot make evaluation hang. Inputs longer than MAX_MATCH_INPUT are not matched at all
 * (the test answers false and the explanation says so), which bounds the worst case absolutely:
 * MAX_MATCH_INPUT × MAX_NFA_STATES automaton steps (measured: about 35 ms for the worst pattern
 * allowed on the longest input; ordinary iFC patterns cost 50–150 ns per test).
 */
import { Automaton, PatternTooLargeError } from './regex-automaton.js';
import { parseRegex, RegexSyntaxError } from './regex-syntax.js';

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 1024;
/** Longest input matched, in UTF-16 code units (a header value, a Request-URI part, an SDP line). */
export const MAX_MATCH_INPUT = 4096;

export interface SafeRegex {
  readonly source: string;
  /** True when the pattern matches somewhere in `input` (unanchored search, as POSIX regexec). */
  test(input: string): boolean;
}

export type CompileResult = { ok: true; regex: SafeRegex } | { ok: false; error: string; offset?: number };

export function compileSafeRegex(pattern: string): CompileResult {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, error: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  }
  try {
    const { root } = parseRegex(pattern);
    const automaton = new Automaton(root);
    return {
      ok: true,
      regex: {
        source: pattern,
        test: (input) => input.length <= MAX_MATCH_INPUT && automaton.test(input),
      },
    };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, error: error.message, offset: error.offset };
    if (error instanceof PatternTooLargeError) return { ok: false, error: error.message };
    throw error;
  }
}

/** "invalid regular expression 'a(b': unterminated group: missing ')' (at character 2)". */
export function describeRegexError(pattern: string, result: { error: string; offset?: number }): string {
  const where = result.offset === undefined ? '' : ` (at character ${result.offset + 1})`;
  return `invalid regular expression '${pattern}': ${result.error}${where}`;
}
