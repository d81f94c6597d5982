/**
 * Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 §4.5 bracketed received).
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), LWS allowed around "/" and ":".
 */
import { isChar, isDigit, isLws, TOKEN } from './chars.js';
import { parseHeaderParams } from './header-params.js';
import { formatHost, isHostname, isIPv4, isIPv6, parseHostPort } from './host.js';
import { cloneParams, equalsIgnoreCase, Params } from './params.js';
import { Fault, fail, sipError } from './parse-errors.js';
import { SipParseException } from './sip-parse-exception.js';
import { nextTopLevelComma } from './split-list.js';
import type { Via } from './types.js';

export const MAGIC_COOKIE = 'z9hG4bK';

function skip(s: string, i: number, end: number): number {
  while (i < end && isLws(s.charCodeAt(i))) i++;
  return i;
}

function scanToken(s: string, i: number, end: number, what: string): number {
  const start = i;
  while (i < end && isChar(s.charCodeAt(i), TOKEN)) i++;
  if (i === start) fail(`Bad ${what}`);
  return i;
}

function isUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

function isDigits(value: string, maxLength: number): boolean {
  if (value.length === 0 || value.length > maxLength) return false;
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

function stripBrackets(value: string): string {
  return value.charCodeAt(0) === 91 && value.charCodeAt(value.length - 1) === 93 ? value.slice(1, -1) : value;
}

/** Checks of the via-params RFC 3261 and RFC 3581 define; other params are generic-param. */
function checkViaParams(params: Params): void {
  for (let n = 0; n < params.size; n++) {
    const name = params.nameAt(n);
    const value = params.valueAt(n);
    switch (name.length) {
      case 6:
        if (equalsIgnoreCase(name, 'branch') && value === null) fail('Empty branch');
        break;
      case 3:
        if (equalsIgnoreCase(name, 'ttl') && (value === null || !isDigits(value, 3) || Number(value) > 255)) fail('Bad ttl');
        break;
      case 5:
        if (equalsIgnoreCase(name, 'rport')) {
          if (value !== null && (!isDigits(value, 5) || Number(value) > 65535)) fail('Bad rport');
        } else if (equalsIgnoreCase(name, 'maddr')) {
          if (value === null) fail('Empty maddr');
          const bare = stripBrackets(value);
          if (!isHostname(bare) && !isIPv6(bare)) fail('Bad maddr');
        }
        break;
      case 8:
        if (equalsIgnoreCase(name, 'received')) {
          if (value === null) fail('Empty received');
          // RFC 5118 §4.5: accept an IPv6 received value with or without [ ].
          const bare = stripBrackets(value);
          if (!isIPv4(bare) && !isIPv6(bare)) fail('Bad received');
        }
        break;
      default:
        break;
    }
  }
}

/** One via-parm from s[start, end); throws Fault. */
export function parseViaRange(s: string, start: number, end: number): Via {
  let i = skip(s, start, end);
  if (i >= end) fail('Empty value');
  const nameEnd = scanToken(s, i, end, 'protocol name');
  const name = s.slice(i, nameEnd);
  i = skip(s, nameEnd, end);
  if (s.charCodeAt(i) !== 47) fail('Bad sent-protocol');
  i = skip(s, i + 1, end);
  const versionEnd = scanToken(s, i, end, 'protocol version');
  const version = s.slice(i, versionEnd);
  i = skip(s, versionEnd, end);
  if (s.charCodeAt(i) !== 47) fail('Bad sent-protocol');
  i = skip(s, i + 1, end);
  const transportEnd = scanToken(s, i, end, 'transport');
  let transport = s.slice(i, transportEnd);
  if (!isUpper(transport)) transport = transport.toUpperCase();
  i = transportEnd;
  if (i >= end || !isLws(s.charCodeAt(i))) fail('Missing sent-by');
  i = skip(s, i, end);
  // sent-by = host [ COLON port ]; COLON allows LWS around it (§25.1).
  const hp = parseHostPort(s, i, end);
  let after = hp.end;
  let port = hp.port;
  if (port === undefined) {
    const k = skip(s, after, end);
    if (k < end && s.charCodeAt(k) === 58) {
      let p = skip(s, k + 1, end);
      const portStart = p;
      while (p < end && isDigit(s.charCodeAt(p))) p++;
      if (p === portStart || p - portStart > 5 || Number(s.slice(portStart, p)) > 65535) fail('Bad port');
      port = Number(s.slice(portStart, p));
      after = p;
    }
  }
  const params = new Params();
  parseHeaderParams(s, after, end, params);
  checkViaParams(params);
  const protocol = `${name}/${version}`;
  return { protocol, transport, host: hp.host, hostIsIPv6: hp.hostIsIPv6, port, params };
}

/** Parse every via-parm of one header value (from `from`) into `out`; throws Fault. */
export function parseViaList(s: string, out: Via[], from = 0): void {
  const end = s.length;
  let start = from;
  for (;;) {
    const comma = s.indexOf(',', start) < 0 ? end : nextTopLevelComma(s, start, end);
    out.push(parseViaRange(s, start, comma));
    if (comma >= end) return;
    start = comma + 1;
  }
}

/** Parse a Via header value (one or more comma-separated via-parms). Throws SipParseException. */
export function parseVia(text: string): Via[] {
  const out: Via[] = [];
  try {
    parseViaList(text, out);
  } catch (e) {
    if (e instanceof Fault) throw new SipParseException(sipError('bad-via', `${e.detail} in Via`));
    throw e;
  }
  return out;
}

export function formatVia(v: Via): string {
  const port = v.port === undefined ? '' : `:${v.port}`;
  return `${v.protocol}/${v.transport} ${formatHost(v.host, v.hostIsIPv6)}${port}${v.params.toString()}`;
}

export function cloneVia(v: Via): Via {
  const copy: Via = { ...v, params: cloneParams(v.params) };
  return copy;
}

/** The branch parameter, or undefined when absent or valueless. */
export function branchOf(v: Via): string | undefined {
  const branch = v.params.get('branch');
  return branch === null ? undefined : branch;
}
