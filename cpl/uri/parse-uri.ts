/**
 * A small URI parser for CPL matching, self-contained on purpose (the engine must not depend on
 * the SIP message layer). It understands what RFC 3880 §4.1.1 needs: SIP/SIPS URIs (RFC 3261
 * §19.1.1), tel URLs (RFC 3966) and, for any other scheme, just the scheme.
 */
import { normalizeHost, type NormalHost } from './host.js';
import { decodePercent } from './percent.js';

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly text: string;
  /** Decoded user part (may contain telephone-subscriber parameters after `;`), or null. */
  readonly user: string | null;
  readonly password: string | null;
  /** The host as written (brackets kept for IPv6). */
  readonly host: string;
  readonly normalHost: NormalHost;
  /** Explicit port, or null. RFC 3880 §4.1.1: an absent port is not 5060. */
  readonly port: number | null;
  /** Parameter names lower-cased; values decoded, null for a bare flag. */
  readonly params: ReadonlyMap<string, string | null>;
  readonly headers: ReadonlyMap<string, string>;
}

export interface TelUri {
  readonly scheme: 'tel';
  readonly text: string;
  /** The telephone-subscriber number as written, without parameters. */
  readonly number: string;
  readonly params: ReadonlyMap<string, string | null>;
}

export interface OtherUri {
  readonly scheme: string;
  readonly text: string;
}

export type ParsedUri = SipUri | TelUri | OtherUri;

export function isSipUri(uri: ParsedUri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

export function isTelUri(uri: ParsedUri): uri is TelUri {
  return uri.scheme === 'tel';
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Parses an absolute URI; null when it is not one (or a sip/tel URI is malformed). */
export function parseUri(input: string): ParsedUri | null {
  const text = input.trim();
  const m = SCHEME.exec(text);
  if (m === null || m[1] === undefined) return null;
  const scheme = m[1].toLowerCase();
  const rest = text.slice(m[0].length);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(scheme, text, rest);
  if (scheme === 'tel') return parseTel(text, rest);
  if (rest.length === 0 || /[\s<>"]/.test(rest)) return null;
  return { scheme, text };
}

function parseSip(scheme: 'sip' | 'sips', text: string, rest: string): SipUri | null {
  if (/[\s<>"]/.test(rest)) return null;
  const at = rest.indexOf('@');
  let user: string | null = null;
  let password: string | null = null;
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (rawUser.length === 0) return null;
    user = decodePercent(rawUser);
    if (colon >= 0) password = decodePercent(userinfo.slice(colon + 1));
  }
  const end = firstIndexOf(hostPart, ';?');
  const hostport = end >= 0 ? hostPart.slice(0, end) : hostPart;
  const tail = end >= 0 ? hostPart.slice(end) : '';
  const hp = splitHostPort(hostport);
  if (hp === null) return null;
  const q = tail.indexOf('?');
  const paramText = q >= 0 ? tail.slice(0, q) : tail;
  const headerText = q >= 0 ? tail.slice(q + 1) : '';
  return {
    scheme,
    text,
    user,
    password,
    host: hp.host,
    normalHost: normalizeHost(hp.host),
    port: hp.port,
    params: parseParams(paramText),
    headers: parseHeaders(headerText),
  };
}

function splitHostPort(text: string): { host: string; port: number | null } | null {
  let host: string;
  let portText: string | null = null;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    host = text.slice(0, close + 1);
    const after = text.slice(close + 1);
    if (after.length > 0) {
      if (!after.startsWith(':')) return null;
      portText = after.slice(1);
    }
  } else {
    const colon = text.lastIndexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    if (colon >= 0) portText = text.slice(colon + 1);
  }
  if (!/^(\[[0-9A-Fa-f:.%A-Za-z]+\]|[A-Za-z0-9._~!$&'()*+,=%-]+)$/.test(host)) return null;
  if (portText === null) return { host, port: null };
  if (!/^\d{1,10}$/.test(portText)) return null;
  return { host, port: Number(portText) };
}

function parseTel(text: string, rest: string): TelUri | null {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  if (number.length === 0 || !/^\+?[0-9A-Fa-f*#().\-]+$/.test(number)) return null;
  return { scheme: 'tel', text, number, params: parseParams(semi >= 0 ? rest.slice(semi) : '') };
}

/** `;a=b;c` → map (names lower-cased, values decoded). */
export function parseParams(text: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const part of text.split(';')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    const name = decodePercent(eq >= 0 ? part.slice(0, eq) : part).toLowerCase();
    out.set(name, eq >= 0 ? decodePercent(part.slice(eq + 1)) : null);
  }
  return out;
}

function parseHeaders(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    out.set(decodePercent(eq >= 0 ? part.slice(0, eq) : part).toLowerCase(), decodePercent(eq >= 0 ? part.slice(eq + 1) : ''));
  }
  return out;
}

function firstIndexOf(text: string, chars: string): number {
  for (let i = 0; i < text.length; i++) if (chars.includes(text[i] ?? '')) return i;
  return -1;
}
