/**
 * Splitting comma-separated header values at the top level only (RFC 3261 §7.3.1): commas
 * inside quoted strings (with quoted-pairs) and inside <…> belong to the element.
 */
import { trimLws } from './chars.js';

/**
 * Index of the next top-level comma in s[start, end), or `end` when there is none. An
 * unterminated quoted string runs to `end` (the element parser reports it).
 */
export function nextTopLevelComma(s: string, start: number, end: number): number {
  let inQuote = false;
  let inAngle = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 60) {
      inAngle = true;
    } else if (c === 62) {
      inAngle = false;
    } else if (c === 44 && !inAngle) {
      return i;
    }
  }
  return end;
}

/** The elements of a comma list, each trimmed; empty elements are kept as '' (malformed). */
export function splitTopLevel(value: string): string[] {
  if (value.indexOf(',') < 0) return [value];
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const comma = nextTopLevelComma(value, start, value.length);
    out.push(trimLws(value, start, comma));
    if (comma >= value.length) return out;
    start = comma + 1;
  }
}
