/**
 * Scalar header values: CSeq (§20.16, 32-bit), Max-Forwards (§20.22, 0–255), Content-Length
 * (§20.14), Call-ID (§20.8 callid = word [ "@" word ]). Overlarge values are errors, never
 * wrapped or truncated (RFC 4475 §3.1.2.4, §3.1.2.5).
 */
import { isChar, isDigit, isLws, TOKEN, WORD } from './chars.js';
import { fail } from './parse-errors.js';
import type { CSeq } from './types.js';

export const MAX_UINT32 = 4294967295;

/** 1*DIGIT in s[start, end) as a number, failing above `max` (leading zeros allowed). */
export function parseDigits(s: string, start: number, end: number, max: number, what: string): number {
  if (end <= start) fail(`Empty ${what.toLowerCase()}`);
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) fail(`Bad ${what.toLowerCase()}`);
    value = value * 10 + (c - 48);
    if (value > max) fail(`${what} out of range`);
  }
  return value;
}

export function parseCSeq(s: string): CSeq {
  let i = 0;
  const end = s.length;
  while (i < end && isLws(s.charCodeAt(i))) i++;
  const numStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i === numStart) fail('Bad sequence number');
  const seq = parseDigits(s, numStart, i, MAX_UINT32, 'Sequence number');
  if (i >= end || !isLws(s.charCodeAt(i))) fail('Missing method');
  while (i < end && isLws(s.charCodeAt(i))) i++;
  const methodStart = i;
  while (i < end && isChar(s.charCodeAt(i), TOKEN)) i++;
  if (i === methodStart) fail('Missing method');
  const method = s.slice(methodStart, i);
  while (i < end && isLws(s.charCodeAt(i))) i++;
  if (i !== end) fail('Bad method');
  return { seq, method };
}

export function parseMaxForwards(s: string): number {
  return parseDigits(s, 0, s.length, 255, 'Value');
}

/** Content-Length: 1*DIGIT. A leading "-" is named, for RFC 4475 §3.1.2.3. */
export function parseContentLength(s: string): number {
  if (s.charCodeAt(0) === 45) fail('Negative Content-Length');
  return parseDigits(s, 0, s.length, Number.MAX_SAFE_INTEGER, 'Value');
}

const WORD_CLASS = "[A-Za-z0-9\\-.!%*_+`'~()<>:\\\\\"/\\[\\]?{}]";
/** callid = word [ "@" word ]. The character class excludes "@", so matching is linear. */
const CALL_ID = new RegExp(`^${WORD_CLASS}+(?:@${WORD_CLASS}+)?$`);

/** callid = word [ "@" word ] */
export function checkCallId(s: string): void {
  if (CALL_ID.test(s)) return;
  if (s.length === 0) fail('Empty Call-ID');
  let at = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 64) {
      if (at || i === 0 || i === s.length - 1) fail('Bad Call-ID');
      at = true;
    } else if (!isChar(c, WORD)) {
      fail('Bad character in Call-ID');
    }
  }
}
