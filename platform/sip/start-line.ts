/**
 * Start lines (RFC 3261 §7.1, §7.2, §25.1): Request-Line and Status-Line, strict about
 * whitespace (RFC 4475 §3.1.2.8–10) but modelling what the sender meant, so that a 400 can still
 * be built. A bad SIP version is reported as 505 (§8.2.1, §21.5.6).
 */
import { isChar, isDigit, isWsp, TOKEN } from './chars.js';
import { Fault, safeText, sipError } from './parse-errors.js';
import type { SipParseError, Uri } from './types.js';
import { parseUriRange } from './uri.js';

/** Methods RFC 3261 and its extensions define (the IANA method registry). */
export const STANDARD_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'SUBSCRIBE', 'NOTIFY',
  'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
]);

/** Placeholder for a Request-URI that could not be parsed, so a 400 can still be built. */
function unparsedUri(text: string): Uri {
  return { kind: 'absolute', scheme: '', opaque: text };
}

/** "SIP/2.0" case-insensitively (SIP-Version, §25.1). */
function isSip20(s: string, start: number, end: number): boolean {
  return (
    end - start === 7 &&
    (s.charCodeAt(start) | 32) === 115 &&
    (s.charCodeAt(start + 1) | 32) === 105 &&
    (s.charCodeAt(start + 2) | 32) === 112 &&
    s.charCodeAt(start + 3) === 47 &&
    s.charCodeAt(start + 4) === 50 &&
    s.charCodeAt(start + 5) === 46 &&
    s.charCodeAt(start + 6) === 48
  );
}

/** "SIP/" 1*DIGIT "." 1*DIGIT — some SIP version, maybe not ours. */
function isSipVersion(s: string, start: number, end: number): boolean {
  if (end - start < 7 || (s.charCodeAt(start) | 32) !== 115 || (s.charCodeAt(start + 1) | 32) !== 105) return false;
  if ((s.charCodeAt(start + 2) | 32) !== 112 || s.charCodeAt(start + 3) !== 47) return false;
  let i = start + 4;
  const major = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i === major || s.charCodeAt(i) !== 46) return false;
  const minor = ++i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  return i > minor && i === end;
}

function checkVersion(s: string, start: number, end: number, errors: SipParseError[]): boolean {
  if (isSip20(s, start, end)) return true;
  if (isSipVersion(s, start, end)) {
    // RFC 3261 §8.2.1 / §21.5.6; RFC 4475 §3.1.2.16.
    errors.push(sipError('version-not-supported', 'Version Not Supported'));
    return true;
  }
  return false;
}

function parseRequestUri(s: string, start: number, end: number, errors: SipParseError[]): Uri {
  if (s.charCodeAt(start) === 60) {
    // RFC 4475 §3.1.2.7: reject rather than guess.
    errors.push(sipError('bad-request-uri', 'Request-URI must not be enclosed in <>'));
    return unparsedUri(s.slice(start, end));
  }
  try {
    const uri = parseUriRange(s, start, end);
    // §19.1.1 table: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (uri.kind === 'sip' && uri.headers.size > 0) {
      errors.push(sipError('bad-request-uri', 'Headers not allowed in Request-URI'));
    }
    return uri;
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    errors.push(sipError('bad-request-uri', `${e.detail} in Request-URI`));
    return unparsedUri(s.slice(start, end));
  }
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version (§7.1), single SPs, nothing trailing.
 * A line with extra whitespace is rejected (RFC 4475 §3.1.2.8–10) but still modelled, so the
 * caller can answer with a 400.
 */
export function parseRequestLine(s: string, end: number, errors: SipParseError[]): { method: string; uri: Uri; version: string; canonical: boolean } | undefined {
  const sp1 = s.indexOf(' ');
  const sp2 = sp1 < 0 || sp1 >= end ? -1 : s.indexOf(' ', sp1 + 1);
  if (sp1 > 0 && sp2 > sp1 + 1 && sp2 < end - 1) {
    // Fast path: exactly two single spaces and no other whitespace.
    let clean = true;
    for (let i = sp2 + 1; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9) {
        clean = false;
        break;
      }
    }
    for (let i = 0; clean && i < sp1; i++) if (!isChar(s.charCodeAt(i), TOKEN)) return undefined;
    // Searching backwards from the end of the start line looks at that line only.
    if (s.lastIndexOf('\t', end) >= 0) clean = false;
    if (clean) {
      if (!checkVersion(s, sp2 + 1, end, errors)) return undefined;
      const uri = parseRequestUri(s, sp1 + 1, sp2, errors);
      return { method: s.slice(0, sp1), uri, version: s.slice(sp2 + 1, end), canonical: true };
    }
  }
  // Slow path: split at whitespace runs to see what the sender meant.
  const parts: Array<[number, number]> = [];
  let i = 0;
  while (i < end) {
    while (i < end && isWsp(s.charCodeAt(i))) i++;
    if (i >= end) break;
    const from = i;
    while (i < end && !isWsp(s.charCodeAt(i))) i++;
    parts.push([from, i]);
  }
  if (parts.length < 3) return undefined;
  const [mFrom, mTo] = parts[0]!;
  for (let k = mFrom; k < mTo; k++) if (!isChar(s.charCodeAt(k), TOKEN)) return undefined;
  const [vFrom, vTo] = parts[parts.length - 1]!;
  if (!checkVersion(s, vFrom, vTo, errors)) return undefined;
  const method = s.slice(mFrom, mTo);
  const version = s.slice(vFrom, vTo);
  if (parts.length > 3) {
    errors.push(sipError('bad-request-uri', 'Whitespace in Request-URI'));
    return { method, uri: unparsedUri(s.slice(parts[1]![0], parts[parts.length - 2]![1])), version, canonical: false };
  }
  // RFC 4475 §3.1.2.9 and §3.1.2.10: reject, naming which whitespace is wrong.
  const onlyTrailing = !isWsp(s.charCodeAt(0)) && s.charCodeAt(parts[0]![1]) === 32 && parts[1]![0] === parts[0]![1] + 1 && parts[2]![0] === parts[1]![1] + 1;
  errors.push(sipError('bad-start-line', onlyTrailing ? 'Trailing whitespace in Request-Line' : 'Extra whitespace in Request-Line'));
  const [uFrom, uTo] = parts[1]!;
  return { method, uri: parseRequestUri(s, uFrom, uTo, errors), version, canonical: false };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (§7.2). */
export function parseStatusLine(s: string, end: number, errors: SipParseError[]): { status: number; reason: string; version: string } | undefined {
  const sp = s.indexOf(' ');
  if (sp < 0 || sp >= end) return undefined;
  if (!checkVersion(s, 0, sp, errors)) return undefined;
  let i = sp + 1;
  const codeStart = i;
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  if (i === codeStart || (i < end && s.charCodeAt(i) !== 32)) return undefined;
  // Status-Code = 3DIGIT, 100–699 (§21). Longer values are modelled as read (when they fit a
  // double) and reported, so the receiver can drop the response (RFC 4475 §3.1.2.19).
  const digits = i - codeStart;
  const status = digits > 15 ? Number.MAX_SAFE_INTEGER : Number(s.slice(codeStart, i));
  if (digits !== 3 || status < 100 || status > 699) {
    errors.push(sipError('bad-status-code', `Bad status code ${safeText(s.slice(codeStart, i), 20)}`));
  }
  // Reason-Phrase may be empty; a missing SP before it is tolerated (RFC 4475 §3.1.1.13).
  const reason = i < end ? s.slice(i + 1, end) : '';
  return { status, reason, version: s.slice(0, sp) };
}

export function isResponseLine(s: string): boolean {
  return (
    s.length > 4 &&
    (s.charCodeAt(0) | 32) === 115 &&
    (s.charCodeAt(1) | 32) === 105 &&
    (s.charCodeAt(2) | 32) === 112 &&
    s.charCodeAt(3) === 47
  );
}

