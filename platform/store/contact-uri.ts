/**
 * Contact URI comparison for the location service (RFC 3261 §10.3 step 7, which compares
 * bindings "using the URI comparison rules" of §19.1.4). Works on strings: the store must not
 * depend on the full message parser, and a binding keeps its Contact URI exactly as registered.
 *
 * What is normalised (§19.1.4):
 * - scheme lower-cased; sip and sips never match each other;
 * - `%HH` escapes of characters outside the reserved set are decoded, the others written with
 *   upper-case hex ("characters other than those in the reserved set are equivalent to their
 *   %HH encoding");
 * - user and password compared case-sensitively, everything else case-insensitively (host,
 *   parameter names and values, header names);
 * - IPv6 references written in canonical (compressed, lower-case) form;
 * - port kept as written: an absent port does not match an explicit 5060;
 * - parameter and header order ignored.
 *
 * `contactKey` holds the parts that must be equal for two URIs to match — scheme, userinfo,
 * host, port, the user/ttl/method/maddr/transport parameters (present in only one URI they never
 * match) and the URI headers (never ignored). Other parameters match when present in both with
 * equal values and are ignored when present in one only, which no single key can express:
 * `contactUrisEquivalent` checks them on the few bindings that share a key.
 *
 * URIs of other schemes (tel:, urn:, …) and SIP URIs that do not parse compare as exact strings
 * apart from the scheme's case.
 */

/** A SIP or SIPS URI split into the parts §19.1.4 compares, already normalised. */
export interface ComparableSipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** Parameter name (lower-case) → value (lower-case, unescaped) or null for `;lr`. */
  params: Map<string, string | null>;
  /** Header name (lower-case) → value (unescaped, case kept). */
  headers: Map<string, string>;
}

/** Parameters that never match when present in only one of the URIs (§19.1.4). The RFC's
 *  examples make transport one of them: `sip:bob@biloxi.com` ≠ `sip:bob@biloxi.com;transport=udp`. */
const STRICT_PARAMS = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

// RFC 3261 §25.1 reserved = ";" / "/" / "?" / ":" / "@" / "&" / "=" / "+" / "$" / ","
const RESERVED = new Set([';', '/', '?', ':', '@', '&', '=', '+', '$', ',']);

/** Split a sip:/sips: URI; undefined when it is not one or does not parse. */
export function parseComparableSipUri(text: string): ComparableSipUri | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = text.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') return undefined;
  let rest = text.slice(colon + 1);
  if (rest.length === 0 || /[\s<>"]/u.test(rest)) return undefined;

  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const pw = userinfo.indexOf(':');
    user = normalizeEscapes(pw >= 0 ? userinfo.slice(0, pw) : userinfo);
    if (pw >= 0) password = normalizeEscapes(userinfo.slice(pw + 1));
    if (user === undefined || user.length === 0 || (pw >= 0 && password === undefined)) return undefined;
  }

  const query = rest.indexOf('?');
  const headerText = query >= 0 ? rest.slice(query + 1) : undefined;
  if (query >= 0) rest = rest.slice(0, query);
  const [hostport = '', ...paramTexts] = rest.split(';');

  const hostAndPort = splitHostPort(hostport);
  if (!hostAndPort) return undefined;

  const params = new Map<string, string | null>();
  for (const paramText of paramTexts) {
    if (paramText.length === 0) continue;
    const eq = paramText.indexOf('=');
    const name = normalizeEscapes(eq >= 0 ? paramText.slice(0, eq) : paramText)?.toLowerCase();
    const value = eq >= 0 ? normalizeEscapes(paramText.slice(eq + 1))?.toLowerCase() : null;
    if (name === undefined || name.length === 0 || value === undefined) return undefined;
    if (params.has(name)) return undefined; // §19.1.1: a parameter name appears at most once
    params.set(name, value);
  }

  const headers = new Map<string, string>();
  if (headerText !== undefined && headerText.length > 0) {
    for (const headerPart of headerText.split('&')) {
      const eq = headerPart.indexOf('=');
      if (eq <= 0) return undefined;
      const name = normalizeEscapes(headerPart.slice(0, eq))?.toLowerCase();
      const value = normalizeEscapes(headerPart.slice(eq + 1));
      if (name === undefined || value === undefined) return undefined;
      headers.set(name, value);
    }
  }

  return {
    scheme,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    host: hostAndPort.host,
    ...(hostAndPort.port !== undefined ? { port: hostAndPort.port } : {}),
    params,
    headers,
  };
}

/**
 * The comparison key stored beside each binding. Equal keys are necessary for §19.1.4
 * equivalence; `contactUrisEquivalent` decides the rest.
 */
export function contactKey(uri: string): string {
  const parsed = parseComparableSipUri(uri);
  if (!parsed) return `raw:${lowerScheme(uri)}`;
  const strict = [...parsed.params]
    .filter(([name]) => STRICT_PARAMS.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const headers = [...parsed.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([
    parsed.scheme,
    parsed.user ?? null,
    parsed.password ?? null,
    parsed.host,
    parsed.port ?? null,
    strict,
    headers,
  ]);
}

/** RFC 3261 §19.1.4 equivalence of two URIs given as strings. */
export function contactUrisEquivalent(a: string, b: string): boolean {
  if (contactKey(a) !== contactKey(b)) return false;
  const left = parseComparableSipUri(a);
  const right = parseComparableSipUri(b);
  if (!left || !right) return true; // both raw with equal keys
  for (const [name, value] of left.params) {
    if (STRICT_PARAMS.has(name) || !right.params.has(name)) continue;
    if (right.params.get(name) !== value) return false;
  }
  return true;
}

function splitHostPort(hostport: string): { host: string; port?: number } | undefined {
  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) return undefined;
    const literal = canonicalIPv6(hostport.slice(1, close));
    if (literal === undefined) return undefined;
    host = `[${literal}]`;
    const after = hostport.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) return undefined;
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(':');
    const name = normalizeEscapes(colon >= 0 ? hostport.slice(0, colon) : hostport);
    if (name === undefined || name.length === 0) return undefined;
    host = name.toLowerCase();
    if (colon >= 0) portText = hostport.slice(colon + 1);
  }
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/u.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}

function canonicalIPv6(literal: string): string | undefined {
  if (!/^[0-9a-fA-F:.]+$/u.test(literal)) return undefined;
  try {
    // The WHATWG URL parser writes IPv6 in the RFC 5952 form: compressed, lower-case.
    const hostname = new URL(`http://[${literal}]/`).hostname;
    return hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** Decode `%HH` when it stands for an unreserved printable ASCII character; upper-case the hex
 *  of the rest. Undefined for a broken escape. */
function normalizeEscapes(text: string): string | undefined {
  if (!text.includes('%')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/u.test(hex)) return undefined;
    const code = Number.parseInt(hex, 16);
    const decoded = String.fromCharCode(code);
    out += code > 0x20 && code < 0x7f && !RESERVED.has(decoded) && decoded !== '%' ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

function lowerScheme(uri: string): string {
  const colon = uri.indexOf(':');
  return colon > 0 ? uri.slice(0, colon).toLowerCase() + uri.slice(colon) : uri;
}
