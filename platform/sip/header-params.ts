/**
 * Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string (RFC 3261 §25.1). SEMI and EQUAL allow LWS around
 * them. Values are kept as written (quoted strings keep their quotes).
 */
import { isChar, isLws, TOKEN } from './chars.js';
import type { Params } from './params.js';
import { fail } from './parse-errors.js';

/** Index after a quoted-string starting at `i` (which holds the DQUOTE). */
export function scanQuoted(s: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 34) return j + 1;
  }
  return fail('Unterminated quoted string');
}

/** Characters of a token or host gen-value (token chars plus "[", "]" and ":" for IPv6). */
function isGenValueChar(c: number): boolean {
  return isChar(c, TOKEN) || c === 91 || c === 93 || c === 58;
}

/**
 * Parse header parameters from `i` to `end` into `params`. Everything in s[i, end) must be
 * parameters (leading LWS allowed).
 */
export function parseHeaderParams(s: string, i: number, end: number, params: Params): void {
  for (;;) {
    while (i < end && isLws(s.charCodeAt(i))) i++;
    if (i >= end) return;
    if (s.charCodeAt(i) !== 59) fail('Unexpected character before parameter');
    i++;
    while (i < end && isLws(s.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < end && isChar(s.charCodeAt(i), TOKEN)) i++;
    if (i === nameStart) fail(i < end && s.charCodeAt(i) === 59 ? 'Empty parameter' : i >= end ? 'Empty parameter' : 'Bad parameter name');
    const name = s.slice(nameStart, i);
    let j = i;
    while (j < end && isLws(s.charCodeAt(j))) j++;
    if (j < end && s.charCodeAt(j) === 61) {
      j++;
      while (j < end && isLws(s.charCodeAt(j))) j++;
      const valueStart = j;
      if (j < end && s.charCodeAt(j) === 34) {
        j = scanQuoted(s, j, end);
      } else {
        while (j < end && isGenValueChar(s.charCodeAt(j))) j++;
      }
      if (j === valueStart) fail(`Empty value of parameter ${name}`);
      params.append(name, s.slice(valueStart, j));
      i = j;
    } else {
      params.append(name, null);
    }
  }
}
