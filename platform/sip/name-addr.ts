/**
 * name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1): From, To, Contact,
 * Route, Record-Route, Reply-To, Refer-To …
 */
import { isChar, isLws, TOKEN } from './chars.js';
import { quote, unquote } from './escape.js';
import { parseHeaderParams, scanQuoted } from './header-params.js';
import { Params } from './params.js';
import { Fault, fail, sipError } from './parse-errors.js';
import { SipParseException } from './sip-parse-exception.js';
import type { NameAddr, Uri } from './types.js';
import { formatUri, parseUriRange } from './uri.js';

/** display-name = *(token LWS) / quoted-string: true when s[start, end) is a token list. */
function isTokenList(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!isChar(c, TOKEN) && !isLws(c)) return false;
  }
  return true;
}

/** Collapse LWS runs of an unquoted display name to single spaces. */
function tokenListText(s: string, start: number, end: number): string {
  let out = '';
  let space = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (isLws(c)) {
      space = out.length > 0;
    } else {
      if (space) out += ' ';
      space = false;
      out += s[i];
    }
  }
  return out;
}

/** Parse one name-addr or addr-spec (with its header params) from s[start, end); throws Fault. */
export function parseNameAddrRange(s: string, start: number, end: number): NameAddr {
  let i = start;
  while (i < end && isLws(s.charCodeAt(i))) i++;
  while (end > i && isLws(s.charCodeAt(end - 1))) end--;
  if (i >= end) fail('Empty address');
  let displayName: string | undefined;
  let uri: Uri;
  const first = s.charCodeAt(i);
  let lt = -1;
  if (first === 34) {
    const close = scanQuoted(s, i, end);
    displayName = unquote(s.slice(i, close));
    i = close;
    while (i < end && isLws(s.charCodeAt(i))) i++;
    if (i >= end || s.charCodeAt(i) !== 60) fail('Missing <> after display name');
    lt = i;
  } else if (first === 60) {
    lt = i;
  } else {
    const angle = s.indexOf('<', i);
    if (angle >= 0 && angle < end) {
      if (isTokenList(s, i, angle)) {
        // RFC 4475 §3.1.1.6: no LWS before "<" is accepted (a known grammar bug).
        displayName = tokenListText(s, i, angle);
        lt = angle;
      } else {
        // A "<" after a colon or semicolon belongs to an addr-spec's parameters; else a
        // display name with non-token characters (RFC 4475 §3.1.2.15).
        let colon = -1;
        for (let k = i; k < angle; k++) {
          const c = s.charCodeAt(k);
          if (c === 58 || c === 59) {
            colon = k;
            break;
          }
        }
        if (colon < 0) fail('Display name must be a token list or a quoted string');
      }
    }
  }
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0 || gt >= end) fail('Missing > after URI');
    if (isLws(s.charCodeAt(lt + 1)) || isLws(s.charCodeAt(gt - 1))) fail('Whitespace inside <>');
    uri = parseUriRange(s, lt + 1, gt);
    i = gt + 1;
  } else {
    // addr-spec: the URI ends at the first ";" — parameters after it are header parameters,
    // not URI parameters (RFC 3261 §20.10, RFC 4475 §3.3.12). A URI with "?" or "," must be
    // in <> (§20), so they are errors here (RFC 4475 §3.1.2.13).
    let j = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === 59 || isLws(c)) break;
      if (c === 63 || c === 44) fail('URI with "?" or "," must be enclosed in <>');
      j++;
    }
    uri = parseUriRange(s, i, j);
    i = j;
  }
  const params = new Params();
  if (i < end) parseHeaderParams(s, i, end, params);
  return { displayName, uri, params };
}

/** Parse a name-addr or addr-spec with header parameters. Throws SipParseException. */
export function parseNameAddr(text: string): NameAddr {
  try {
    return parseNameAddrRange(text, 0, text.length);
  } catch (e) {
    if (e instanceof Fault) throw new SipParseException(sipError('bad-header', `${e.detail} in address`));
    throw e;
  }
}

/** Always the name-addr form (<…>), which is safe for any URI (RFC 3261 §20). */
export function formatNameAddr(n: NameAddr): string {
  const display = n.displayName !== undefined && n.displayName !== '' ? `${quote(n.displayName)} ` : '';
  return `${display}<${formatUri(n.uri)}>${n.params.toString()}`;
}

/** `tag` header parameter, or undefined. */
export function tagOf(n: NameAddr): string | undefined {
  const tag = n.params.get('tag');
  return tag === null || tag === undefined ? undefined : tag;
}

/** A header param value with quotes and quoted-pairs resolved. */
export function paramText(value: string | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : unquote(value);
}
