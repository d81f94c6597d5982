/**
 * Cheap structural checks that parseMessage runs eagerly on headers it does not parse yet
 * (From, To, the Via values below the top one). They allocate nothing and mostly use native
 * string search, and they catch the faults RFC 4475 §3.1.2 expects a 400 for (unterminated
 * quotes, spaces inside <>, non-token display names, empty parameters). The full grammar is
 * applied when the header is first read (typed getters), which reports anything subtler.
 */
import { HOST, isChar, isDigit, isLws, TOKEN } from './chars.js';
import { isIPv6, scanHostname } from './host.js';

/** Index after the quoted-string opening at `i`, or -1 when it is not terminated. */
function quotedEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const quote = s.indexOf('"', j);
    if (quote < 0) return -1;
    // The quote is escaped when preceded by an odd number of backslashes.
    let backslashes = 0;
    for (let k = quote - 1; k > i && s.charCodeAt(k) === 92; k--) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    j = quote + 1;
  }
}

/** Header parameters in s[i, end): every ";" must be followed by a token (no empty
 *  parameters); quoted values must be terminated (and may hold ";"). */
function paramsShape(s: string, i: number, end = s.length): string | undefined {
  const quote = s.indexOf('"', i);
  if (quote < 0 || quote >= end) {
    for (let semi = s.indexOf(';', i); semi >= 0 && semi < end; semi = s.indexOf(';', semi + 1)) {
      if (!tokenFollows(s, semi + 1, end)) return 'Empty parameter';
    }
    return undefined;
  }
  for (let k = i; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c === 34) {
      const close = quotedEnd(s, k);
      if (close < 0 || close > end) return 'Unterminated quoted string';
      k = close - 1;
    } else if (c === 59 && !tokenFollows(s, k + 1, end)) {
      return 'Empty parameter';
    }
  }
  return undefined;
}

function tokenFollows(s: string, k: number, end = s.length): boolean {
  while (k < end && isLws(s.charCodeAt(k))) k++;
  return k < end && isChar(s.charCodeAt(k), TOKEN);
}

/**
 * name-addr / addr-spec shape (§20.10, §25.1): balanced quotes, display name a token list or a
 * quoted string, `<` closed by `>` with no whitespace inside, an addr-spec without `?` or `,`,
 * no empty parameters. Returns the fault or undefined.
 */
export function nameAddrShape(s: string): string | undefined {
  let i = 0;
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  if (i >= s.length) return 'Empty address';
  let lt = -1;
  if (s.charCodeAt(i) === 34) {
    const end = quotedEnd(s, i);
    if (end < 0) return 'Unterminated quoted string';
    lt = end;
    while (lt < s.length && isLws(s.charCodeAt(lt))) lt++;
    if (s.charCodeAt(lt) !== 60) return 'Missing <> after display name';
  } else {
    lt = s.indexOf('<', i);
    if (lt >= 0) {
      for (let k = i; k < lt; k++) {
        const c = s.charCodeAt(k);
        if (isChar(c, TOKEN) || isLws(c)) continue;
        if (c === 58 || c === 59) {
          lt = -1; // an addr-spec whose parameters hold a "<"
          break;
        }
        return 'Display name must be a token list or a quoted string';
      }
    }
  }
  let after: number;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) return 'Missing > after URI';
    const space = s.indexOf(' ', lt);
    if ((space >= 0 && space < gt) || isLws(s.charCodeAt(lt + 1))) return 'Whitespace inside <>';
    const colon = s.indexOf(':', lt);
    if (colon < 0 || colon > gt) return 'Missing URI scheme';
    after = gt + 1;
  } else {
    let k = i;
    while (k < s.length) {
      const c = s.charCodeAt(k);
      if (c === 59 || isLws(c)) break;
      if (c === 63 || c === 44) return 'URI with "?" or "," must be enclosed in <>';
      k++;
    }
    const colon = s.indexOf(':', i);
    if (colon < 0 || colon > k) return 'Missing URI scheme';
    after = k;
  }
  return paramsShape(s, after);
}

/** Reported by viaListShape when the top branch is the magic cookie alone (RFC 4475 §3.2.1). */
export const COOKIE_ONLY_BRANCH = 'Via branch has no transaction id after the magic cookie';

function skipLws(s: string, k: number, end: number): number {
  while (k < end && isLws(s.charCodeAt(k))) k++;
  return k;
}

function skipToken(s: string, k: number, end: number): number {
  while (k < end && isChar(s.charCodeAt(k), TOKEN)) k++;
  return k;
}

/** s at k spells the lower-case `word`, ignoring the case of letters. */
function isWord(s: string, k: number, word: string): boolean {
  for (let j = 0; j < word.length; j++) if ((s.charCodeAt(k + j) | 32) !== word.charCodeAt(j)) return false;
  return true;
}

/**
 * sent-protocol LWS sent-by at s[i, end) (§20.42): the start of a via-parm. The sent-by host is
 * checked in full for the top value (responses are routed by it); below it, its first character.
 */
function sentProtocolShape(s: string, i: number, end: number, top: boolean): string | undefined {
  // protocol-name SLASH protocol-version SLASH transport, LWS allowed around the slashes.
  let k = i;
  if (s.startsWith('SIP/2.0/', i)) {
    // The usual spelling: only the transport is left to scan.
    k = skipToken(s, i + 8, end);
    if (k === i + 8) return 'Bad sent-protocol';
  } else {
    for (let part = 0; part < 3; part++) {
      const from = k;
      k = skipToken(s, k, end);
      if (k === from) return 'Bad sent-protocol';
      if (part < 2) {
        k = skipLws(s, k, end);
        if (s.charCodeAt(k) !== 47) return 'Bad sent-protocol';
        k = skipLws(s, k + 1, end);
      }
    }
  }
  if (k >= end || !isLws(s.charCodeAt(k))) return 'Missing sent-by';
  k = skipLws(s, k, end);
  if (top) return sentByShape(s, k, end);
  const c = s.charCodeAt(k);
  return c === 91 || isChar(c, HOST) ? undefined : 'Missing sent-by';
}

/** sent-by = host [ COLON port ], followed by LWS, ";" or the end of the value. */
function sentByShape(s: string, k: number, end: number): string | undefined {
  if (s.charCodeAt(k) === 91) {
    const close = s.indexOf(']', k);
    if (close < 0 || close >= end || !isIPv6(s.slice(k + 1, close))) return 'Bad IPv6 reference';
    k = close + 1;
  } else {
    const hostEnd = scanHostname(s, k, end);
    if (hostEnd < 0) return k >= end ? 'Missing sent-by' : 'Bad host';
    k = hostEnd;
  }
  k = skipLws(s, k, end);
  if (s.charCodeAt(k) === 58) {
    const from = skipLws(s, k + 1, end);
    let port = 0;
    for (k = from; k < end && isDigit(s.charCodeAt(k)); k++) port = port * 10 + s.charCodeAt(k) - 48;
    if (k === from || k - from > 5 || port > 65535) return 'Bad port';
    k = skipLws(s, k, end);
  }
  return k >= end || s.charCodeAt(k) === 59 ? undefined : 'Bad character after sent-by';
}

/** Whether the via-parm at s[i, end) has `branch=z9hG4bK` and nothing after the cookie. */
function cookieOnlyBranch(s: string, i: number, end: number): boolean {
  for (let semi = s.indexOf(';', i); semi >= 0 && semi < end; semi = s.indexOf(';', semi + 1)) {
    const k = skipLws(s, semi + 1, end);
    if (k + 6 > end || !isWord(s, k, 'branch')) continue;
    let v = skipLws(s, k + 6, end);
    if (s.charCodeAt(v) !== 61) return false;
    v = skipLws(s, v + 1, end);
    let e = v;
    while (e < end && isChar(s.charCodeAt(e), TOKEN)) e++;
    return e - v === 7 && s.startsWith('z9hG4bK', v);
  }
  return false;
}

/**
 * Via values from `start` (§20.42): no empty values between commas, each a sent-protocol and
 * sent-by, no empty parameters. With `top`, the first value's branch must carry a transaction
 * id after the magic cookie (COOKIE_ONLY_BRANCH). Returns the fault or undefined.
 */
export function viaListShape(s: string, start: number, top = false): string | undefined {
  let i = start;
  let first = top;
  while (i < s.length) {
    i = skipLws(s, i, s.length);
    if (i >= s.length || s.charCodeAt(i) === 44) return 'Empty value';
    let comma = s.indexOf(',', i);
    if (comma >= 0 && s.indexOf('"', i) >= 0) {
      // Quoted parameter values are rare in Via; scan them properly.
      let k = i;
      comma = -1;
      while (k < s.length) {
        const c = s.charCodeAt(k);
        if (c === 34) {
          const close = quotedEnd(s, k);
          if (close < 0) return 'Unterminated quoted string';
          k = close;
          continue;
        }
        if (c === 44) {
          comma = k;
          break;
        }
        k++;
      }
    }
    const end = comma < 0 ? s.length : comma;
    const fault = sentProtocolShape(s, i, end, first) ?? paramsShape(s, i, end);
    if (fault !== undefined) return fault;
    if (first && cookieOnlyBranch(s, i, end)) return COOKIE_ONLY_BRANCH;
    first = false;
    if (comma < 0) return undefined;
    i = comma + 1;
  }
  return 'Empty value';
}
