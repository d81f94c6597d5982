import { describe, expect, it } from 'vitest';
import { compileSafeRegex, MAX_MATCH_INPUT, type SafeRegex } from './safe-regex.js';

function compile(pattern: string): SafeRegex {
  const result = compileSafeRegex(pattern);
  if (!result.ok) throw new Error(result.error);
  return result.regex;
}

function refusal(pattern: string): string {
  const result = compileSafeRegex(pattern);
  if (result.ok) throw new Error(`expected '${pattern}' to be refused`);
  return result.error;
}

/** Patterns whose JS RegExp meaning equals ours (no POSIX-only syntax), for a differential test. */
const PATTERNS = [
  '', 'a', 'abc', '^abc', 'abc$', '^abc$', '^$', 'a|b', '^(a|bc)+$', 'a*', 'a+b', 'a?b?c', '(ab)*c',
  'a{2}', '^a{2,3}$', 'a{2,}b', '[abc]+', '[^abc]', '[a-c]x', '\\d+', '^\\d{3}-\\d{4}$', '\\w+@\\w+',
  '\\s', '\\S+', '.', '^.$', 'a.c', '(?:ab|cd)e', 'example\\.com', '^sip:', 'ims\\.(example|test)\\.com$',
  '^\\+1555', '[.]', 'x{', '[a-]', '(a|)b', '((a|b)c)*d', '^(?:a*)*$', '(a+)+$',
  '\\.', 'a$|^b', '(^a|b$)', 'a{0}b', 'a{0,1}', '\\x41', '[\\d.]+', '\\D', '\\W', '[\\-]',
];

const INPUTS = [
  '', 'a', 'b', 'ab', 'abc', 'xabcx', 'aa', 'aaa', 'aab', 'c', 'bc', 'abab', 'ababc', 'ac', 'axc',
  '123-4567', '555', 'alice@example', 'sip:alice@ims.example.com', 'ims.test.com', '+15551230001',
  ' ', 'x{', ']', '-', 'a-', 'A', 'cd', 'cde', 'acd', 'bcd', '.', 'example.com', 'exampleXcom', 'aaaaaaaaaaaaaaaaaaaaaaa!',
];

describe('safe regex: same answers as RegExp.test for ordinary patterns', () => {
  for (const pattern of PATTERNS) {
    it(`/${pattern}/`, () => {
      const ours = compile(pattern);
      const reference = new RegExp(pattern);
      for (const input of INPUTS) expect([input, ours.test(input)]).toEqual([input, reference.test(input)]);
    });
  }
});

describe('safe regex: POSIX and Perl forms', () => {
  it('understands POSIX bracket classes', () => {
    const digits = compile('^[[:digit:]]+$');
    expect(digits.test('0123')).toBe(true);
    expect(digits.test('01a3')).toBe(false);
    expect(compile('[[:alpha:][:digit:]]').test('-9-')).toBe(true);
    expect(compile('^[^[:space:]]+$').test('no spaces')).toBe(false);
  });

  it("takes a ']' first in a bracket expression as a literal (POSIX), unlike JS", () => {
    expect(compile('^[]a]+$').test(']a]')).toBe(true);
    expect(compile('^[^]a]$').test('b')).toBe(true);
    expect(compile('^[^]a]$').test(']')).toBe(false);
  });

  it('matches case-insensitively after a leading (?i), ASCII letters only', () => {
    const re = compile('(?i)^Presence$');
    expect(re.test('PRESENCE')).toBe(true);
    expect(re.test('presence')).toBe(true);
    expect(compile('(?i)[^a]').test('A')).toBe(false);
  });

  it('treats lazy quantifiers as their greedy form (only "does it match" is asked)', () => {
    expect(compile('a+?b').test('aaab')).toBe(true);
  });
});

describe('safe regex: refusals name what is wrong', () => {
  it.each([
    ['(a)\\1', /backreference '\\1'/],
    ['(?<n>a)\\k<n>', /backreference '\\k'/],
    ['a(?=b)', /lookaround/],
    ['(?<!a)b', /lookaround/],
    ['\\bword', /word-boundary/],
    ['a**', /stacked quantifiers/],
    ['a{2}{3}', /stacked quantifiers/],
    ['*a', /nothing to repeat/],
    ['^*', /anchor cannot be quantified/],
    ['a{1,300}', /repetition count over 255/],
    ['a{3,2}', /maximum below its minimum/],
    ['(ab', /missing '\)'/],
    ['ab)', /unmatched '\)'/],
    ['[ab', /missing '\]'/],
    ['[[:nope:]]', /unknown character class/],
    ['[z-a]', /range out of order/],
    ['\\q', /unknown escape/],
    ['a\\', /lone backslash/],
    ['(?x)a', /unsupported group syntax/],
  ])('%s', (pattern, message) => {
    expect(refusal(pattern)).toMatch(message);
  });

  it('refuses patterns that expand to too many automaton states', () => {
    expect(refusal('(((a{255}){255}))')).toMatch(/pattern too large: more than 1000 automaton states/);
    expect(refusal('a'.repeat(1025))).toMatch(/longer than 1024/);
  });

  it('gives the offset of the fault', () => {
    const result = compileSafeRegex('abc(?=x)');
    expect(result).toMatchObject({ ok: false, offset: 3 });
  });
});

describe('safe regex: hostile patterns are matched in linear time', () => {
  // Each of these takes exponential (or high polynomial) time in a backtracking engine on the
  // input below; here each test must finish well inside the test timeout.
  const hostile: Array<[string, boolean]> = [
    ['(a+)+$', false],
    ['(a|a)*$', true], // matches the empty string at the end
    ['(a|aa)+$', false],
    ['^(a*)*$', false],
    ['(.*a){12}$', false],
    ['(\\w+\\s?)*$', true],
    ['.*.*.*.*.*=x$', false],
  ];
  const input = `${'a'.repeat(4095)}!`;
  for (const [pattern, expected] of hostile) {
    it(`${pattern} on 4096 characters`, () => {
      const re = compile(pattern);
      const started = performance.now();
      for (let i = 0; i < 5; i++) expect(re.test(input)).toBe(expected);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  }

  it('stays bounded for the largest patterns allowed whose DFA cannot be cached', () => {
    let seed = 7;
    let text = '';
    for (let i = 0; i < MAX_MATCH_INPUT; i++) {
      seed = (seed * 48271) % 2147483647;
      text += seed % 2 === 0 ? 'a' : 'b';
    }
    for (const pattern of ['(a|b)*a(a|b){255}c', '[ab]*a[ab]{255}$']) {
      const re = compile(pattern);
      const started = performance.now();
      re.test(text);
      re.test(text);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('does not match inputs longer than the input cap at all', () => {
    const re = compile('a');
    expect(re.test('a'.repeat(MAX_MATCH_INPUT))).toBe(true);
    expect(re.test('a'.repeat(MAX_MATCH_INPUT + 1))).toBe(false);
  });

  it('keeps answering correctly when its DFA outgrows the cache and it falls back to the NFA', () => {
    // Tracking the last 10 characters needs about 2^10 DFA states; the cache holds 256.
    const re = compile('a[ab]{9}$');
    const reference = /a[ab]{9}$/;
    let seed = 12345;
    let text = '';
    for (let i = 0; i < 4000; i++) {
      seed = (seed * 48271) % 2147483647;
      text += seed % 2 === 0 ? 'a' : 'b';
    }
    for (let end = 1; end < text.length; end += 13) {
      expect(re.test(text.slice(0, end))).toBe(reference.test(text.slice(0, end)));
    }
  });
});
