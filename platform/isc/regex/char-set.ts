/**
 * Sets of UTF-16 code units as sorted, disjoint, inclusive ranges `[lo0, hi0, lo1, hi1, …]`.
 * The iFC regex engine matches code units (SIP headers, URIs and SDP are ASCII in practice).
 */
export type CharSet = readonly number[];

export const MAX_CODE_UNIT = 0xffff;

export const ANY: CharSet = [0, MAX_CODE_UNIT];

export function single(code: number): CharSet {
  return [code, code];
}

export function range(lo: number, hi: number): CharSet {
  return [lo, hi];
}

/** Sorted, merged union. */
export function union(...sets: CharSet[]): CharSet {
  const pairs: Array<[number, number]> = [];
  for (const set of sets) for (let i = 0; i < set.length; i += 2) pairs.push([set[i]!, set[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const last = out.length - 1;
    if (last > 0 && lo <= out[last]! + 1) out[last] = Math.max(out[last]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function negate(set: CharSet): CharSet {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > next) out.push(next, set[i]! - 1);
    next = set[i + 1]! + 1;
  }
  if (next <= MAX_CODE_UNIT) out.push(next, MAX_CODE_UNIT);
  return out;
}

export function contains(set: CharSet, code: number): boolean {
  for (let i = 0; i < set.length; i += 2) {
    if (code < set[i]!) return false;
    if (code <= set[i + 1]!) return true;
  }
  return false;
}

/** Adds the other ASCII case of every ASCII letter in the set (the `(?i)` flag). */
export function foldAsciiCase(set: CharSet): CharSet {
  const extra: number[] = [];
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i]!;
    const hi = set[i + 1]!;
    const upperLo = Math.max(lo, 65);
    const upperHi = Math.min(hi, 90);
    if (upperLo <= upperHi) extra.push(upperLo + 32, upperHi + 32);
    const lowerLo = Math.max(lo, 97);
    const lowerHi = Math.min(hi, 122);
    if (lowerLo <= lowerHi) extra.push(lowerLo - 32, lowerHi - 32);
  }
  return extra.length === 0 ? set : union(set, extra);
}

const DIGIT: CharSet = [48, 57];
const WORD: CharSet = union([48, 57], [65, 90], [95, 95], [97, 122]);
/** \s as in JS for the ASCII range: space, \t \n \v \f \r. */
const SPACE: CharSet = union([9, 13], [32, 32]);

/** Perl-style class escapes `\d \w \s` and their negations. */
export function classEscape(letter: string): CharSet | undefined {
  switch (letter) {
    case 'd': return DIGIT;
    case 'D': return negate(DIGIT);
    case 'w': return WORD;
    case 'W': return negate(WORD);
    case 's': return SPACE;
    case 'S': return negate(SPACE);
    default: return undefined;
  }
}

/** POSIX bracket classes `[:name:]` (POSIX.1-2017 XBD §9.3.5, C locale). */
const POSIX_CLASSES: Record<string, CharSet> = {
  alpha: union([65, 90], [97, 122]),
  digit: DIGIT,
  alnum: union([48, 57], [65, 90], [97, 122]),
  upper: [65, 90],
  lower: [97, 122],
  space: SPACE,
  blank: union([9, 9], [32, 32]),
  punct: union([33, 47], [58, 64], [91, 96], [123, 126]),
  xdigit: union([48, 57], [65, 70], [97, 102]),
  cntrl: union([0, 31], [127, 127]),
  print: [32, 126],
  graph: [33, 126],
  word: WORD,
};

export function posixClass(name: string): CharSet | undefined {
  return POSIX_CLASSES[name];
}
