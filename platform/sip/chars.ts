/**
 * Character classes of the RFC 3261 §25.1 grammar as lookup tables, so that the hot path scans
 * with one array read per character instead of regular expressions (no backtracking).
 */

export const TOKEN = 1;
/** word (§25.1, Call-ID): token characters plus ( ) < > : \ DQUOTE / [ ] ? { } */
export const WORD = 2;
/** user (§25.1): unreserved / "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" (escapes checked apart) */
export const USER = 4;
/** password: unreserved / "&" / "=" / "+" / "$" / "," */
export const PASSWORD = 8;
/** paramchar: param-unreserved ("[" "]" "/" ":" "&" "+" "$") / unreserved */
export const PARAMCHAR = 16;
/** hname / hvalue characters: hnv-unreserved ("[" "]" "/" "?" ":" "+" "$") / unreserved */
export const HNV = 32;
/** hostname characters (alphanum "-" "."); IPv4 is a subset. */
export const HOST = 64;
/** Characters allowed in an opaque absolute URI (uric / "#" / "%"), no whitespace. */
export const URIC = 128;

const table = new Uint8Array(128);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)]! |= flag;
}

const alphanum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const mark_ = "-_.!~*'()";
const unreserved = alphanum + mark_;

mark(alphanum + "-.!%*_+`'~", TOKEN);
mark(alphanum + "-.!%*_+`'~" + '()<>:\\"/[]?{}', WORD);
mark(unreserved + '&=+$,;?/', USER);
mark(unreserved + '&=+$,', PASSWORD);
mark(unreserved + '[]/:&+$', PARAMCHAR);
mark(unreserved + '[]/?:+$', HNV);
mark(alphanum + '-.', HOST);
mark(unreserved + ';/?:@&=+$,[]#%', URIC);

/** True when the character code has the class `flag` (never for non-ASCII). */
export function isChar(code: number, flag: number): boolean {
  return code < 128 && (table[code]! & flag) !== 0;
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

export function isAlpha(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** SP or HTAB (WSP, RFC 5234). */
export function isWsp(code: number): boolean {
  return code === 32 || code === 9;
}

/** Whitespace that may appear in an unfolded value (LWS became SP; CR/LF kept only if raw). */
export function isLws(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** Trim SP, HTAB, CR and LF only: String#trim would also strip Unicode spaces such as the
 *  U+FEFF that RFC 4475 §3.1.1.2 puts at the start of a header value. */
export function trimLws(s: string, start = 0, end = s.length): string {
  while (start < end && isLws(s.charCodeAt(start))) start++;
  while (end > start && isLws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}
