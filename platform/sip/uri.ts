/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966) and opaque absolute URIs.
 * Everything stays as written (escapes, parameter spelling) so that a URI re-serializes exactly;
 * decodePercent() gives decoded values on demand.
 */
import { HNV, isAlpha, isChar, isDigit, isHex, PARAMCHAR, PASSWORD, URIC, USER } from './chars.js';
import { decodePercent } from './escape.js';
import { formatHost, parseHostPort } from './host.js';
import { cloneParams, Params } from './params.js';
import { Fault, fail, sipError } from './parse-errors.js';
import { SipParseException } from './sip-parse-exception.js';
import type { AbsoluteUri, ParamList, SipUri, TelUri, Uri } from './types.js';

/** Scan characters of class `flag` or `%HH` escapes from `i`; returns the index after them. */
function scanEscaped(s: string, i: number, end: number, flag: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2)) || i + 2 >= end) fail('Bad % escape');
      i += 3;
    } else if (isChar(c, flag)) {
      i++;
    } else {
      break;
    }
  }
  return i;
}

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); returns the index of the colon. */
function scanScheme(s: string, start: number, end: number): number {
  if (start >= end || !isAlpha(s.charCodeAt(start))) fail('Bad URI scheme');
  let i = start + 1;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 58) return i;
    if (!(isAlpha(c) || isDigit(c) || c === 43 || c === 45 || c === 46)) fail('Bad URI scheme');
    i++;
  }
  return fail('Missing URI scheme');
}

/** `;name[=value]` repeated, values of class `flag`. Returns the index after the list. */
function parseUriParams(s: string, i: number, end: number, params: Params, flag: number, stopAt: number): number {
  while (i < end && s.charCodeAt(i) === 59) {
    const nameStart = i + 1;
    const nameEnd = scanEscaped(s, nameStart, end, flag);
    if (nameEnd === nameStart) fail('Empty URI parameter');
    if (nameEnd < end && s.charCodeAt(nameEnd) === 61) {
      const valueStart = nameEnd + 1;
      const valueEnd = scanEscaped(s, valueStart, end, flag);
      if (valueEnd === valueStart) fail('Empty URI parameter value');
      params.append(s.slice(nameStart, nameEnd), s.slice(valueStart, valueEnd));
      i = valueEnd;
    } else {
      params.append(s.slice(nameStart, nameEnd), null);
      i = nameEnd;
    }
    if (i < end && s.charCodeAt(i) !== 59 && s.charCodeAt(i) !== stopAt) fail('Bad character in URI parameter');
  }
  return i;
}

function parseSipUri(s: string, schemeEnd: number, end: number, scheme: 'sip' | 'sips'): SipUri {
  let i = schemeEnd + 1;
  let user: string | undefined;
  let password: string | undefined;
  // userinfo ends at the only "@": no character class after the host allows one (§25.1).
  const at = s.indexOf('@', i);
  if (at >= 0 && at < end) {
    const userEnd = scanEscaped(s, i, at, USER);
    if (userEnd === i) fail('Empty user part in URI');
    user = s.slice(i, userEnd);
    if (userEnd < at) {
      if (s.charCodeAt(userEnd) !== 58) fail('Bad character in URI user part');
      const pwEnd = scanEscaped(s, userEnd + 1, at, PASSWORD);
      if (pwEnd !== at) fail('Bad character in URI password');
      password = s.slice(userEnd + 1, at);
    }
    i = at + 1;
  }
  const hp = parseHostPort(s, i, end);
  i = hp.end;
  const params = new Params();
  const headers = new Params();
  if (i < end && s.charCodeAt(i) !== 59 && s.charCodeAt(i) !== 63) fail('Bad character after URI host');
  i = parseUriParams(s, i, end, params, PARAMCHAR, 63);
  if (i < end && s.charCodeAt(i) === 63) {
    i++;
    for (;;) {
      const nameEnd = scanEscaped(s, i, end, HNV);
      if (nameEnd === i || s.charCodeAt(nameEnd) !== 61 || nameEnd >= end) fail('Bad URI header');
      const valueEnd = scanEscaped(s, nameEnd + 1, end, HNV);
      headers.append(s.slice(i, nameEnd), s.slice(nameEnd + 1, valueEnd));
      i = valueEnd;
      if (i < end && s.charCodeAt(i) === 38) {
        i++;
        continue;
      }
      break;
    }
  }
  if (i !== end) fail('Bad character in URI');
  // Every property present (maybe undefined) so that all SIP URIs share one hidden class.
  return { kind: 'sip', scheme, user, password, host: hp.host, hostIsIPv6: hp.hostIsIPv6, port: hp.port, params, headers };
}

/** tel URI (RFC 3966): the number up to the first ";", then parameters. */
function parseTelUri(s: string, schemeEnd: number, end: number): TelUri {
  const start = schemeEnd + 1;
  let i = start;
  while (i < end && s.charCodeAt(i) !== 59) {
    const c = s.charCodeAt(i);
    if (!(isHex(c) || c === 43 || c === 45 || c === 46 || c === 40 || c === 41 || c === 42 || c === 35)) fail('Bad tel number');
    i++;
  }
  if (i === start) fail('Empty tel number');
  const number = s.slice(start, i);
  const params = new Params();
  i = parseUriParams(s, i, end, params, PARAMCHAR, -1);
  if (i !== end) fail('Bad character in tel URI');
  return { kind: 'tel', scheme: 'tel', number, params };
}

function parseAbsoluteUri(s: string, start: number, schemeEnd: number, end: number): AbsoluteUri {
  if (schemeEnd + 1 >= end) fail('Empty URI');
  for (let i = schemeEnd + 1; i < end; i++) {
    if (!isChar(s.charCodeAt(i), URIC)) fail('Bad character in URI');
  }
  return { kind: 'absolute', scheme: s.slice(start, schemeEnd), opaque: s.slice(schemeEnd + 1, end) };
}

/** Lower-case scheme names we model, compared without allocating. */
function schemeOf(s: string, start: number, colon: number): 'sip' | 'sips' | 'tel' | undefined {
  const len = colon - start;
  if (len !== 3 && len !== 4) return undefined;
  const a = s.charCodeAt(start) | 32;
  const b = s.charCodeAt(start + 1) | 32;
  const c = s.charCodeAt(start + 2) | 32;
  if (len === 3) {
    if (a === 115 && b === 105 && c === 112) return 'sip';
    if (a === 116 && b === 101 && c === 108) return 'tel';
    return undefined;
  }
  return a === 115 && b === 105 && c === 112 && (s.charCodeAt(start + 3) | 32) === 115 ? 'sips' : undefined;
}

/** Parse s[start, end) as a URI; throws Fault. */
export function parseUriRange(s: string, start: number, end: number): Uri {
  const colon = scanScheme(s, start, end);
  const scheme = schemeOf(s, start, colon);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, colon, end, scheme);
  if (scheme === 'tel') return parseTelUri(s, colon, end);
  return parseAbsoluteUri(s, start, colon, end);
}

/** Parse a URI (sip, sips, tel or any absolute URI). Throws SipParseException when malformed. */
export function parseUri(text: string): Uri {
  try {
    return parseUriRange(text, 0, text.length);
  } catch (e) {
    if (e instanceof Fault) throw new SipParseException(sipError('bad-uri', `${e.detail}: ${text.length > 80 ? `${text.slice(0, 80)}...` : text}`));
    throw e;
  }
}

function formatUriHeaders(headers: ParamList): string {
  let out = '';
  for (const [name, value] of headers.entries()) out += `${out ? '&' : '?'}${name}=${value ?? ''}`;
  return out;
}

export function formatUri(uri: Uri): string {
  switch (uri.kind) {
    case 'sip': {
      let out = `${uri.scheme}:`;
      if (uri.user !== undefined) out += uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
      out += formatHost(uri.host, uri.hostIsIPv6);
      if (uri.port !== undefined) out += `:${uri.port}`;
      if (uri.params.size > 0) out += uri.params.toString();
      if (uri.headers.size > 0) out += formatUriHeaders(uri.headers);
      return out;
    }
    case 'tel':
      return `tel:${uri.number}${uri.params.toString()}`;
    case 'absolute':
      // An empty scheme marks a Request-URI that did not parse; it is kept as received.
      return uri.scheme === '' ? uri.opaque : `${uri.scheme}:${uri.opaque}`;
  }
}

/** The user part of a SIP URI with %HH escapes decoded once (RFC 3261 §19.1.2). */
export function decodeUser(uri: SipUri): string | undefined {
  return uri.user === undefined ? undefined : decodePercent(uri.user);
}

/** A deep copy of a URI (params and headers are copied, not shared). */
export function cloneUri(uri: Uri): Uri {
  switch (uri.kind) {
    case 'sip': {
      const copy: SipUri = { ...uri, params: cloneParams(uri.params), headers: cloneParams(uri.headers) };
      return copy;
    }
    case 'tel':
      return { ...uri, params: cloneParams(uri.params) };
    case 'absolute':
      return { ...uri };
  }
}
