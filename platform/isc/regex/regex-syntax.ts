/**
 * Parser for the regular expressions of iFC trigger points (TS 29.228 Annex F refers to POSIX
 * regular expressions; the reference S-CSCFs use POSIX ERE and Perl-style boost regex).
 *
 * Accepted: POSIX ERE (`. [] [^] [[:digit:]] * + ? {n} {n,} {n,m} | () ^ $`) plus the Perl
 * forms operators write in practice: `\d \w \s` (and negations), `\t \n \r \f \v \xHH \uHHHH`,
 * backslash escapes inside brackets, `(?:…)`, `(?<name>…)`, lazy quantifiers (`*?`, matched as
 * greedy: only "does it match" matters) and a leading `(?i)` for ASCII case-insensitivity.
 *
 * Refused, with the reason: backreferences (`\1`, `\k<n>`) and lookaround — they are not regular
 * and are what makes backtracking engines exponential; `\b`; stacked quantifiers (`a**`);
 * repetition counts over 255 (POSIX RE_DUP_MAX). Everything accepted compiles to a finite
 * automaton (regex-automaton.ts), so matching time is linear in the input whatever the pattern.
 */
import { ANY, type CharSet, classEscape, foldAsciiCase, negate, posixClass, single, union } from './char-set.js';

export type RegexNode =
  | { type: 'empty' }
  | { type: 'chars'; set: CharSet }
  | { type: 'seq'; items: RegexNode[] }
  | { type: 'alt'; options: RegexNode[] }
  | { type: 'repeat'; node: RegexNode; min: number; max: number }
  | { type: 'assert'; kind: 'start' | 'end' };

export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
  /** 0-based index into the pattern. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/** POSIX RE_DUP_MAX: the largest repetition count a POSIX system must accept. */
export const MAX_REPEAT = 255;

export function parseRegex(pattern: string): { root: RegexNode; ignoreCase: boolean } {
  let start = 0;
  let ignoreCase = false;
  if (pattern.startsWith('(?i)')) {
    ignoreCase = true;
    start = 4;
  }
  const parser = new Parser(pattern, start, ignoreCase);
  return { root: parser.parseAll(), ignoreCase };
}

class Parser {
  #pos: number;
  constructor(
    private readonly src: string,
    start: number,
    private readonly ignoreCase: boolean,
  ) {
    this.#pos = start;
  }

  parseAll(): RegexNode {
    const node = this.#alternation();
    if (this.#pos < this.src.length) throw this.#error(`unmatched ')'`, this.#pos);
    return node;
  }

  #alternation(): RegexNode {
    const options = [this.#sequence()];
    while (this.#peek() === '|') {
      this.#pos++;
      options.push(this.#sequence());
    }
    return options.length === 1 ? options[0]! : { type: 'alt', options };
  }

  #sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.#pos < this.src.length) {
      const c = this.#peek();
      if (c === '|' || c === ')') break;
      items.push(this.#quantified());
    }
    if (items.length === 0) return { type: 'empty' };
    return items.length === 1 ? items[0]! : { type: 'seq', items };
  }

  #quantified(): RegexNode {
    const atomAt = this.#pos;
    let node = this.#atom();
    const bounds = this.#quantifier();
    if (bounds === undefined) return node;
    if (node.type === 'assert') throw this.#error(`nothing to repeat: an anchor cannot be quantified`, atomAt);
    if (this.#peek() === '?') this.#pos++; // lazy: same language, and we only ask "does it match"
    const stacked = this.#pos;
    if (this.#quantifier() !== undefined) {
      throw this.#error(`stacked quantifiers ('${this.src.slice(atomAt, this.#pos)}'): use one quantifier or a group`, stacked);
    }
    node = { type: 'repeat', node, min: bounds.min, max: bounds.max };
    return node;
  }

  /** `* + ? {n} {n,} {n,m}` at the cursor (consumed), or undefined. */
  #quantifier(): { min: number; max: number } | undefined {
    const c = this.#peek();
    if (c === '*') return this.#take({ min: 0, max: Infinity });
    if (c === '+') return this.#take({ min: 1, max: Infinity });
    if (c === '?') return this.#take({ min: 0, max: 1 });
    if (c !== '{') return undefined;
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.#pos, this.#pos + 16));
    if (!match) return undefined; // a '{' that is not an interval is a literal (as in Perl and JS)
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT)) {
      throw this.#error(`repetition count over ${MAX_REPEAT} in '${match[0]}'`, this.#pos);
    }
    if (max < min) throw this.#error(`repetition '${match[0]}' has its maximum below its minimum`, this.#pos);
    this.#pos += match[0].length;
    return { min, max };
  }

  #take<T>(value: T): T {
    this.#pos++;
    return value;
  }

  #atom(): RegexNode {
    const at = this.#pos;
    const c = this.src[this.#pos++]!;
    switch (c) {
      case '(':
        return this.#group(at);
      case '[':
        return this.#chars(this.#bracket(at));
      case '.':
        return { type: 'chars', set: ANY };
      case '^':
        return { type: 'assert', kind: 'start' };
      case '$':
        return { type: 'assert', kind: 'end' };
      case '\\':
        return this.#escape(at);
      case '*':
      case '+':
      case '?':
        throw this.#error(`nothing to repeat before '${c}'`, at);
      case '{':
        this.#pos = at;
        if (this.#quantifier() !== undefined) throw this.#error(`nothing to repeat before '{'`, at);
        this.#pos = at + 1;
        return this.#literal(c.charCodeAt(0));
      default:
        return this.#literal(c.charCodeAt(0));
    }
  }

  #group(at: number): RegexNode {
    if (this.#peek() === '?') {
      const rest = this.src.slice(this.#pos, this.#pos + 3);
      if (rest.startsWith('?:')) {
        this.#pos += 2;
      } else if (rest.startsWith('?=') || rest.startsWith('?!') || rest.startsWith('?<=') || rest.startsWith('?<!')) {
        throw this.#error(`lookaround assertions '(${rest}…)' are not supported: iFC patterns must be regular expressions (POSIX ERE)`, at);
      } else if (/^\?<[A-Za-z]/.test(rest)) {
        const close = this.src.indexOf('>', this.#pos);
        if (close < 0) throw this.#error(`unterminated group name`, at);
        this.#pos = close + 1;
      } else {
        throw this.#error(`unsupported group syntax '(${rest}…)' (only (?:…), (?<name>…) and a leading (?i) are accepted)`, at);
      }
    }
    const inner = this.#alternation();
    if (this.#peek() !== ')') throw this.#error(`unterminated group: missing ')'`, at);
    this.#pos++;
    return inner;
  }

  #escape(at: number): RegexNode {
    if (this.#pos >= this.src.length) throw this.#error(`pattern ends with a lone backslash`, at);
    const c = this.src[this.#pos++]!;
    const set = classEscape(c);
    if (set) return { type: 'chars', set };
    if (c === 'b' || c === 'B') throw this.#error(`word-boundary assertion '\\${c}' is not supported`, at);
    if (/[1-9]/.test(c) || c === 'k') {
      throw this.#error(`backreference '\\${c}' is not supported: iFC patterns must be regular expressions (POSIX ERE)`, at);
    }
    return this.#literal(this.#escapedCode(c, at));
  }

  /** The code unit of an escape outside a class: `\t`, `\x41`, `\.` … */
  #escapedCode(c: string, at: number): number {
    switch (c) {
      case 't': return 9;
      case 'n': return 10;
      case 'v': return 11;
      case 'f': return 12;
      case 'r': return 13;
      case 'x': return this.#hex(2, at);
      case 'u': return this.#hex(4, at);
      default:
        if (/[A-Za-z0-9]/.test(c)) throw this.#error(`unknown escape '\\${c}'`, at);
        return c.charCodeAt(0);
    }
  }

  #hex(digits: number, at: number): number {
    const text = this.src.slice(this.#pos, this.#pos + digits);
    if (text.length !== digits || !/^[0-9A-Fa-f]+$/.test(text)) throw this.#error(`bad hexadecimal escape`, at);
    this.#pos += digits;
    return parseInt(text, 16);
  }

  #bracket(at: number): CharSet {
    let negated = false;
    if (this.#peek() === '^') {
      negated = true;
      this.#pos++;
    }
    const parts: CharSet[] = [];
    let first = true;
    for (;;) {
      if (this.#pos >= this.src.length) throw this.#error(`unterminated bracket expression: missing ']'`, at);
      const itemAt = this.#pos;
      const c = this.src[this.#pos]!;
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      if (c === '[' && /^\[[:=.]/.test(this.src.slice(this.#pos, this.#pos + 2))) {
        parts.push(this.#posixItem(itemAt));
        continue;
      }
      const lo = this.#bracketChar();
      if (typeof lo !== 'number') {
        parts.push(lo);
        continue;
      }
      if (this.#peek() === '-' && this.src[this.#pos + 1] !== ']' && this.#pos + 1 < this.src.length) {
        this.#pos++;
        const hi = this.#bracketChar();
        if (typeof hi !== 'number') throw this.#error(`a class cannot end a range`, itemAt);
        if (hi < lo) throw this.#error(`range out of order in bracket expression`, itemAt);
        parts.push([lo, hi]);
      } else {
        parts.push(single(lo));
      }
    }
    const set = union(...parts);
    return negated ? negate(this.ignoreCase ? foldAsciiCase(set) : set) : set;
  }

  /** One bracket member: a code unit, or a class for `\d`-style escapes. */
  #bracketChar(): number | CharSet {
    const at = this.#pos;
    const c = this.src[this.#pos++]!;
    if (c !== '\\') return c.charCodeAt(0);
    if (this.#pos >= this.src.length) throw this.#error(`pattern ends with a lone backslash`, at);
    const e = this.src[this.#pos++]!;
    const set = classEscape(e);
    if (set) return set;
    if (e === 'b') return 8; // inside a class \b is backspace, as in Perl and JS
    return this.#escapedCode(e, at);
  }

  #posixItem(at: number): CharSet {
    const kind = this.src[this.#pos + 1]!;
    const end = this.src.indexOf(`${kind}]`, this.#pos + 2);
    if (end < 0) throw this.#error(`unterminated '[${kind}' in bracket expression`, at);
    const name = this.src.slice(this.#pos + 2, end);
    this.#pos = end + 2;
    if (kind !== ':') throw this.#error(`collating elements and equivalence classes '[${kind}${name}${kind}]' are not supported`, at);
    const set = posixClass(name);
    if (!set) throw this.#error(`unknown character class '[:${name}:]'`, at);
    return set;
  }

  #literal(code: number): RegexNode {
    const set = single(code);
    return { type: 'chars', set: this.ignoreCase ? foldAsciiCase(set) : set };
  }

  #chars(set: CharSet): RegexNode {
    return { type: 'chars', set: this.ignoreCase ? foldAsciiCase(set) : set };
  }

  #peek(): string | undefined {
    return this.src[this.#pos];
  }

  #error(message: string, offset: number): RegexSyntaxError {
    return new RegexSyntaxError(message, offset);
  }
}
