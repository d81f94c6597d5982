/**
 * Parsing one whole message: a UDP datagram or a frame cut by StreamFramer (RFC 3261 §7, §18.3).
 *
 * The datagram is decoded once, the header section split into fields and the start line parsed;
 * the headers every element needs get the checks of mandatory-checks.ts, so that a request can
 * be answered with a 400 (505 for the version) that names the fault. Everything else is parsed
 * when first read (typed getters), and those getters throw SipParseException for faults the
 * eager checks do not see. Never throws.
 */
import { isAscii } from 'node:buffer';
import { isLws } from './chars.js';
import { Field, type WireSource } from './header-field.js';
import { splitFields } from './header-lines.js';
import { checkMandatory } from './mandatory-checks.js';
import { registerPackedReader } from './message.js';
import { SipRequest } from './sip-request.js';
import { SipResponse } from './sip-response.js';
import { Fault, safeText, sipError } from './parse-errors.js';
import { parseContentLength } from './scalars.js';
import { isResponseLine, parseRequestLine, parseStatusLine } from './start-line.js';
import type { SipParseError } from './types.js';

export { STANDARD_METHODS } from './start-line.js';

export interface ParseResult {
  /** Undefined when the data has no recognisable start line (not a SIP message at all). */
  message?: SipRequest | SipResponse;
  /** Every problem found, each with the status to answer with; empty when well-formed. */
  errors: SipParseError[];
}

/**
 * Content-Length for a datagram (§18.3): the body is exactly Content-Length octets; extra octets
 * after it are ignored (RFC 4475 §3.1.1.8); a Content-Length beyond the datagram is an error
 * (§3.1.2.2); without Content-Length the body is the rest of the datagram.
 * Returns the body length to use.
 */
function datagramBodyLength(fields: Field[], available: number, errors: SipParseError[]): number {
  let declared: number | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.key !== 'content-length') continue;
    let value: number;
    try {
      value = parseContentLength(field.value);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      errors.push(sipError('bad-content-length', e.detail.startsWith('Negative') ? e.detail : `Bad Content-Length: ${safeText(field.value, 20)}`));
      return available;
    }
    if (declared !== undefined && declared !== value) {
      // RFC 4475 §3.3.9: conflicting values are a framing error.
      errors.push(sipError('bad-content-length', 'Multiple conflicting Content-Length values'));
      return available;
    }
    declared = value;
  }
  if (declared === undefined) return available;
  if (declared > available) {
    errors.push(sipError('truncated-body', 'Content-Length larger than message'));
    return available;
  }
  return declared;
}

/** `text` is exactly the decimal spelling of `n` (no leading zeros, no sign). */
function spellsNumber(text: string, n: number): boolean {
  for (let i = text.length - 1; i >= 0; i--) {
    if (text.charCodeAt(i) !== 48 + (n % 10)) return false;
    n = Math.floor(n / 10);
    if (n === 0) return i === 0;
  }
  return false;
}

/** A Content-Length line is copied verbatim only when it states the body's real length. */
function unrawContentLength(fields: Field[], bodyLength: number): void {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.key === 'content-length' && field.rawStart >= 0 && !spellsNumber(field.value, bodyLength)) {
      fields[i] = new Field(field.name, field.value, field.key);
    }
  }
}

function wireSource(
  data: Buffer,
  start: number,
  startEnd: number,
  lineEnd: number,
  canonicalLine: boolean,
  tailStart: number,
  body: Buffer,
  fields: Field[],
  textEnd: number,
): WireSource {
  // The start line is copied only when its CRLF is really there.
  const lineOk = canonicalLine && startEnd === lineEnd - 1 && lineEnd < textEnd;
  const lineStart = lineOk ? start : -1;
  const lineStop = lineOk ? start + lineEnd + 1 : -1;
  // Whole message in serialized form: contiguous raw fields, exactly one Content-Length.
  let whole = lineOk && tailStart >= 0;
  let at = lineStop;
  let lengths = 0;
  for (let i = 0; whole && i < fields.length; i++) {
    const field = fields[i]!;
    if (field.rawStart !== at) whole = false;
    at = field.rawEnd;
    if (field.key === 'content-length') lengths++;
  }
  whole = whole && lengths === 1 && at === tailStart;
  const wholeEnd = whole ? tailStart + 2 + body.length : -1;
  return { data, lineStart, lineEnd: lineStop, tailStart, body, wholeEnd };
}

/** Parse one message (a UDP datagram or a framed stream message). Never throws. */
export function parseMessage(data: Buffer): ParseResult {
  const errors: SipParseError[] = [];
  let start = 0;
  // §7.5: CRLFs before the start line are ignored.
  while (start < data.length && (data[start] === 13 || data[start] === 10)) start++;
  if (start >= data.length) return { errors: [sipError('bad-start-line', 'Empty message')] };
  // One latin1 decode (a copy, octet for octet) finds the empty line; the header section is
  // re-decoded as UTF-8 only when it holds non-ASCII octets (display names, reason phrases).
  const all = data.toString('latin1', start);
  // Lines end in CRLF (§7); a message whose start line ends in a bare LF is read with LF line
  // ends (the RFC 5118 archive files are stored that way).
  const firstLf = all.indexOf('\n');
  const bareLf = firstLf > 0 && all.charCodeAt(firstLf - 1) !== 13;
  let headerLength = bareLf ? all.indexOf('\n\n') : all.indexOf('\r\n\r\n');
  let separator = bareLf ? 2 : 4;
  if (bareLf && headerLength >= 0 && all.charCodeAt(headerLength - 1) === 13) {
    // "\r\n\n": a CRLF line followed by a bare-LF empty line.
    headerLength--;
    separator = 3;
  }
  if (headerLength < 0) {
    // No empty line: the datagram ends the header section (RFC 5118 §4.10 archive bytes).
    headerLength = all.length;
    separator = 0;
  }
  const headerEnd = start + headerLength;
  const bodyStart = headerEnd + separator;
  const ascii = isAscii(data) || isAscii(data.subarray(start, headerEnd));
  // For ASCII the decoded datagram itself is the header text (up to textEnd): no copy.
  const text = ascii ? all : data.toString('utf8', start, headerEnd);
  const textEnd = ascii ? headerLength : text.length;
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0 || lineEnd > textEnd) lineEnd = textEnd;
  const startEnd = lineEnd > 0 && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
  // Octet offsets equal string offsets only for ASCII; otherwise everything is re-serialized.
  const base = ascii ? start : -1;
  const crlfAfter = separator === 4;
  let message: SipRequest | SipResponse;
  if (isResponseLine(text)) {
    const line = parseStatusLine(text, startEnd, errors);
    if (line === undefined) return { errors: [sipError('bad-start-line', `Malformed Status-Line: ${safeText(text.slice(0, startEnd))}`)] };
    const fields = splitFields(text, lineEnd + 1, textEnd, errors, base, crlfAfter);
    const bodyLength = datagramBodyLength(fields, data.length - bodyStart, errors);
    unrawContentLength(fields, bodyLength);
    const body = data.subarray(bodyStart, bodyStart + bodyLength);
    const wire = ascii ? wireSource(data, start, startEnd, lineEnd, true, crlfAfter ? headerEnd + 2 : -1, body, fields, textEnd) : undefined;
    message = SipResponse.fromParts(line.status, line.reason, line.version, fields, body, wire);
    checkMandatory(message, fields, errors);
  } else {
    const line = parseRequestLine(text, startEnd, errors);
    if (line === undefined) {
      const sipish = startEnd > 0 && !isLws(text.charCodeAt(0));
      return { errors: [sipError('bad-start-line', sipish ? `Malformed Request-Line: ${safeText(text.slice(0, startEnd))}` : 'Not a SIP message')] };
    }
    const fields = splitFields(text, lineEnd + 1, textEnd, errors, base, crlfAfter);
    const bodyLength = datagramBodyLength(fields, data.length - bodyStart, errors);
    unrawContentLength(fields, bodyLength);
    const body = data.subarray(bodyStart, bodyStart + bodyLength);
    const wire = ascii ? wireSource(data, start, startEnd, lineEnd, line.canonical, crlfAfter ? headerEnd + 2 : -1, body, fields, textEnd) : undefined;
    message = SipRequest.fromParts(line.method, line.uri, line.version, fields, body, wire);
    checkMandatory(message, fields, errors);
  }
  return { message, errors };
}

// Compacted messages (SipMessage.compact) are read back with this parser.
registerPackedReader((octets) => parseMessage(octets).message);
