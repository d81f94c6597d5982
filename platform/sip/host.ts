/**
 * host, hostport and IPv6 references (RFC 3261 §25.1, RFC 5118 §4.10). Index-based so that
 * callers can validate a slice of a larger string without copying it.
 */
import { HOST, isAlpha, isChar, isDigit, isHex } from './chars.js';
import { fail } from './parse-errors.js';

/** IPv4address: four decimal octets 0–255 (1–3 digits each). */
export function isIPv4(s: string, start = 0, end = s.length): boolean {
  let parts = 0;
  let i = start;
  while (i <= end) {
    let value = 0;
    let digits = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      value = value * 10 + (s.charCodeAt(i) - 48);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || value > 255) return false;
    parts++;
    if (i === end) return parts === 4;
    if (s.charCodeAt(i) !== 46 || parts === 4) return false;
    i++;
  }
  return false;
}

/**
 * IPv6address (RFC 4291 §2.2 text forms, as in RFC 3261 §25.1). With `lenient`, also the
 * three-colon form `2001:db8:::192.0.2.1` that the RFC 3261 ABNF generates by mistake: RFC 5118
 * §4.10 asks receivers to be robust and read it as `2001:db8::192.0.2.1`.
 */
export function isIPv6(text: string, lenient = true): boolean {
  let t = text;
  if (lenient) {
    const triple = t.indexOf(':::');
    if (triple >= 0) {
      const rest = t.slice(triple + 3);
      if (!isIPv4(rest) || t.indexOf('::', triple + 3) >= 0) return false;
      t = `${t.slice(0, triple)}::${rest}`;
    }
  }
  if (t.length < 2) return false;
  const doubleColon = t.indexOf('::');
  if (doubleColon >= 0 && t.indexOf('::', doubleColon + 1) >= 0) return false;
  let groups = 0;
  const countGroups = (part: string, allowV4: boolean): boolean => {
    if (part.length === 0) return true;
    const pieces = part.split(':');
    for (let p = 0; p < pieces.length; p++) {
      const piece = pieces[p]!;
      if (allowV4 && p === pieces.length - 1 && piece.includes('.')) {
        if (!isIPv4(piece)) return false;
        groups += 2;
        continue;
      }
      if (piece.length === 0 || piece.length > 4) return false;
      for (let i = 0; i < piece.length; i++) if (!isHex(piece.charCodeAt(i))) return false;
      groups++;
    }
    return true;
  };
  if (doubleColon < 0) return countGroups(t, true) && groups === 8;
  const head = t.slice(0, doubleColon);
  const tail = t.slice(doubleColon + 2);
  if (!countGroups(head, false) || !countGroups(tail, true)) return false;
  return groups <= 7;
}

/**
 * hostname / IPv4address (§25.1): labels of alphanum and "-", not starting or ending with "-",
 * the top label starting with a letter — unless the whole host is an IPv4 address.
 */
export function isHostname(s: string, start = 0, end = s.length): boolean {
  return end > start && scanHostname(s, start, end) === end;
}

export interface HostPort {
  host: string;
  hostIsIPv6: boolean;
  port: number | undefined;
  /** Index after the hostport. */
  end: number;
}

/**
 * Scan a hostname or IPv4address at `start` in one pass; returns the index after it, or -1
 * when the characters there do not form one (§25.1: labels of alphanum and "-", not starting or
 * ending with "-", the top label starting with a letter; or four decimal octets).
 */
export function scanHostname(s: string, start: number, end: number): number {
  let i = start;
  let labelStart = start;
  let topFirst = 0;
  let numeric = true;
  let dots = 0;
  let lastDot = -1;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (i === labelStart || s.charCodeAt(i - 1) === 45) return -1;
      dots++;
      lastDot = i;
      labelStart = i + 1;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
      if (i === labelStart) topFirst = c;
      numeric = false;
    } else if (c >= 48 && c <= 57) {
      if (i === labelStart) topFirst = c;
    } else if (c === 45) {
      if (i === labelStart) return -1;
      numeric = false;
    } else {
      break;
    }
    i++;
  }
  if (i === start) return -1;
  if (numeric) return dots === 3 && lastDot !== i - 1 && isIPv4(s, start, i) ? i : -1;
  // A trailing dot (fully qualified name) is allowed; the top label is then the one before it.
  if (lastDot === i - 1) {
    if (s.charCodeAt(i - 2) === 45) return -1;
    let k = i - 2;
    while (k > start && s.charCodeAt(k - 1) !== 46) k--;
    topFirst = s.charCodeAt(k);
  } else if (s.charCodeAt(i - 1) === 45) {
    return -1;
  }
  return isAlpha(topFirst) ? i : -1;
}

/** Parse a port: 1*DIGIT, 0–65535. */
export function parsePort(s: string, start: number, end: number): number {
  if (end <= start || end - start > 5) fail('Bad port');
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) fail('Bad port');
    value = value * 10 + (c - 48);
  }
  if (value > 65535) fail('Bad port');
  return value;
}

/**
 * hostport at `start`: `[IPv6]`, IPv4 or hostname, then an optional `:port`. Stops at the first
 * character that cannot continue it; the caller checks what follows.
 */
export function parseHostPort(s: string, start: number, end: number): HostPort {
  let i = start;
  let host: string;
  let hostIsIPv6 = false;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end) fail('Unterminated IPv6 reference');
    host = s.slice(i + 1, close);
    if (!isIPv6(host)) fail('Bad IPv6 reference');
    hostIsIPv6 = true;
    i = close + 1;
  } else {
    const hostEnd = scanHostname(s, start, end);
    if (hostEnd < 0) {
      while (i < end && isChar(s.charCodeAt(i), HOST)) i++;
      // RFC 5118 §4.2: an IPv6 address needs [ ]; say so rather than "bad port".
      if (s.charCodeAt(i) === 58 && s.indexOf(':', i + 1) > i && s.indexOf(':', i + 1) < end) fail('IPv6 address not enclosed in [ ]');
      fail(i === start ? 'Missing host' : 'Bad host');
    }
    host = s.slice(start, hostEnd);
    i = hostEnd;
  }
  let port: number | undefined;
  if (i < end && s.charCodeAt(i) === 58) {
    const portStart = i + 1;
    i = portStart;
    while (i < end && isDigit(s.charCodeAt(i))) i++;
    port = parsePort(s, portStart, i);
  }
  return { host, hostIsIPv6, port, end: i };
}

/** `host` or `[host]` for serialization. */
export function formatHost(host: string, hostIsIPv6: boolean): string {
  return hostIsIPv6 ? `[${host}]` : host;
}
