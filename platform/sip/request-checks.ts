/**
 * The semantic checks a UAS (RFC 3261 §8.2) or a proxy (§16.3) applies to a request that parsed,
 * and the checks a UAC or proxy applies to a received response (§8.1.3.3, §18.1.2,
 * RFC 4475 §3.1.2.5, §3.1.2.19, §3.3.10). Pure functions: each returns a verdict — accept, reject
 * with a status (and the headers that response must carry), or drop silently.
 */
import { Field } from './header-field.js';
import { headerKey, SINGLETON_HEADERS } from './header-names.js';
import type { SipMessage } from './message.js';
import type { SipRequest } from './sip-request.js';
import type { SipResponse } from './sip-response.js';
import { SipParseException } from './message.js';
import { STANDARD_METHODS } from './start-line.js';
import { splitTopLevel } from './split-list.js';
import type { HeaderField, SipParseError } from './types.js';

export type ElementRole = 'uas' | 'proxy';

export interface RequestCheckOptions {
  role: ElementRole;
  /** Request-URI schemes this element handles (§8.2.2.1, §16.3 step 2). Default sip, sips, tel. */
  uriSchemes?: readonly string[];
  /** UAS: the methods it implements (§8.2.1): others get 405 when standard, else 501.
   *  Undefined: no method check (every method is passed on). */
  methods?: readonly string[];
  /** Option tags supported: Require (UAS, §8.2.2.3) or Proxy-Require (proxy, §16.3 step 5). */
  extensions?: readonly string[];
  /** UAS: body media types it understands (§8.2.3). Default application/sdp. */
  contentTypes?: readonly string[];
  /** UAS: content codings it understands besides identity (§8.2.3). Default none. */
  contentEncodings?: readonly string[];
}

export type RequestVerdict =
  | { action: 'accept' }
  /** Answer with this status; `headers` go into the response (Unsupported, Allow, Accept …). */
  | { action: 'reject'; status: number; reason: string; code: string; headers: HeaderField[] }
  /** No response possible or wanted (an ACK, §17.2.3 / §8.2). */
  | { action: 'drop'; code: string; reason: string };

export type ResponseVerdict = { action: 'accept' } | { action: 'drop'; code: string; reason: string };

const ACCEPT: RequestVerdict = { action: 'accept' };
const DEFAULT_SCHEMES = ['sip', 'sips', 'tel'];
const DEFAULT_CONTENT_TYPES = ['application/sdp'];
const MAX_UINT32 = 4294967295;

function reject(request: SipRequest, status: number, code: string, reason: string, headers: HeaderField[] = []): RequestVerdict {
  // An ACK is never answered (§17.1.1.3, §8.2): drop it instead.
  if (request.method === 'ACK') return { action: 'drop', code, reason };
  return { action: 'reject', status, reason, code, headers };
}

function listValues(message: SipMessage, name: string): string[] {
  const out: string[] = [];
  for (const value of message.getHeaders(name)) {
    for (const item of splitTopLevel(value)) if (item.length > 0) out.push(item);
  }
  return out;
}

// ---- checks common to both roles ----------------------------------------------------------------

/**
 * Reasonable syntax beyond the grammar (§8.2, §16.3 step 1): singleton headers at most once
 * (§7.3.1, RFC 4475 §3.3.8) and the CSeq method equal to the request method (RFC 4475 §3.1.2.17;
 * 501 for an unknown method, §3.1.2.18).
 */
export function checkSyntax(request: SipRequest, knownMethods: ReadonlySet<string> = STANDARD_METHODS): RequestVerdict {
  const duplicate = duplicateSingleton(request.headerFields);
  if (duplicate !== undefined) {
    const written = request.headerFields.find((field) => headerKey(field.name) === duplicate)?.name ?? duplicate;
    return reject(request, 400, 'duplicate-header', `Multiple ${written} header fields`);
  }
  let cseqMethod: string;
  try {
    cseqMethod = request.cseq.method;
  } catch (e) {
    if (e instanceof SipParseException) return reject(request, e.error.status, e.error.code, e.error.reason);
    throw e;
  }
  if (cseqMethod !== request.method) {
    const status = knownMethods.has(request.method) ? 400 : 501;
    return reject(request, status, 'cseq-method-mismatch', 'CSeq method does not match request method');
  }
  return ACCEPT;
}

const SINGLETON_INDEX: ReadonlyMap<string, number> = new Map(SINGLETON_HEADERS.map((key, i) => [key, i]));
/** Per singleton, the pass of duplicateSingleton that saw it last (no allocation per request). */
const seenIn = new Float64Array(SINGLETON_HEADERS.length);
let pass = 0;

/** The first key of SINGLETON_HEADERS (in that order) present more than once, if any. */
function duplicateSingleton(fields: readonly HeaderField[]): string | undefined {
  pass++;
  let repeated = false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    // Parsed and edited fields carry their key; only fields given as plain objects need one.
    const index = SINGLETON_INDEX.get(field instanceof Field ? field.key : headerKey(field.name));
    if (index === undefined) continue;
    if (seenIn[index] === pass) {
      repeated = true;
      break;
    }
    seenIn[index] = pass;
  }
  if (!repeated) return undefined;
  const counts = new Map<string, number>();
  for (const field of fields) {
    const key = headerKey(field.name);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return SINGLETON_HEADERS.find((key) => (counts.get(key) ?? 0) > 1);
}

/** §8.2.2.1, §16.3 step 2: 416 for a Request-URI scheme the element does not handle. */
export function checkUriScheme(request: SipRequest, schemes: readonly string[] = DEFAULT_SCHEMES): RequestVerdict {
  const scheme = request.uri.scheme.toLowerCase();
  if (schemes.some((s) => s.toLowerCase() === scheme)) return ACCEPT;
  return reject(request, 416, 'unsupported-uri-scheme', `Unsupported URI Scheme: ${scheme.slice(0, 30)}`);
}

/**
 * §8.2.2.3 (Require at a UAS) and §16.3 step 5 (Proxy-Require at a proxy): 420 Bad Extension
 * with an Unsupported header listing the unknown option tags. Option tags compare exactly
 * (§19.2: they are case-sensitive). CANCEL and ACK are never rejected for Require (§8.2.2.3).
 */
export function checkRequire(request: SipRequest, header: 'Require' | 'Proxy-Require', supported: readonly string[] = []): RequestVerdict {
  if (request.method === 'ACK' || request.method === 'CANCEL') return ACCEPT;
  const unknown = listValues(request, header).filter((tag) => !supported.includes(tag));
  if (unknown.length === 0) return ACCEPT;
  return reject(request, 420, 'bad-extension', `Bad Extension: ${unknown.join(', ').slice(0, 60)}`, [
    { name: 'Unsupported', value: unknown.join(', ') },
  ]);
}

function checkParses(request: SipRequest, read: () => unknown): RequestVerdict {
  try {
    read();
    return ACCEPT;
  } catch (e) {
    if (e instanceof SipParseException) return reject(request, e.error.status, e.error.code, e.error.reason);
    throw e;
  }
}

// ---- UAS -----------------------------------------------------------------------------------------

/** §8.2.1: 405 (with Allow) for a known method we do not implement, 501 for an unknown one. */
export function checkMethod(request: SipRequest, methods: readonly string[]): RequestVerdict {
  if (methods.includes(request.method)) return ACCEPT;
  if (STANDARD_METHODS.has(request.method)) {
    return reject(request, 405, 'method-not-allowed', 'Method Not Allowed', [{ name: 'Allow', value: methods.join(', ') }]);
  }
  return reject(request, 501, 'not-implemented', 'Not Implemented');
}

/** A registrar needs a SIP or SIPS address-of-record in To (§10.3 step 5, RFC 4475 §3.3.4). */
export function checkRegisterTo(request: SipRequest): RequestVerdict {
  if (request.method !== 'REGISTER') return ACCEPT;
  if (request.to.uri.kind === 'sip') return ACCEPT;
  return reject(request, 400, 'bad-register-to', 'To must be a SIP or SIPS URI in REGISTER');
}

/** §8.2.3: 415 for a body type or coding the UAS does not understand, with Accept / Accept-Encoding. */
export function checkContent(
  request: SipRequest,
  contentTypes: readonly string[] = DEFAULT_CONTENT_TYPES,
  contentEncodings: readonly string[] = [],
): RequestVerdict {
  if (request.body.length === 0) return ACCEPT;
  const type = request.contentType;
  if (type !== undefined && !contentTypes.some((t) => t.toLowerCase() === type)) {
    return reject(request, 415, 'unsupported-media-type', `Unsupported Media Type: ${type.slice(0, 40)}`, [
      { name: 'Accept', value: contentTypes.join(', ') },
    ]);
  }
  const encodings = listValues(request, 'Content-Encoding').map((e) => e.toLowerCase());
  const unknown = encodings.filter((e) => e !== 'identity' && !contentEncodings.some((c) => c.toLowerCase() === e));
  if (unknown.length > 0) {
    return reject(request, 415, 'unsupported-media-type', `Unsupported Content-Encoding: ${unknown.join(', ').slice(0, 40)}`, [
      { name: 'Accept-Encoding', value: contentEncodings.length > 0 ? contentEncodings.join(', ') : 'identity' },
    ]);
  }
  return ACCEPT;
}

/** Whether an Accept entry (`type/sub`, `type/*`, `*\/*`, maybe with q=0) admits `type`. */
function accepts(entry: string, type: string): boolean {
  const parts = entry.split(';');
  const range = parts[0]!.trim().toLowerCase();
  for (const param of parts.slice(1)) {
    const [name, value] = param.split('=');
    if (name?.trim().toLowerCase() === 'q' && Number(value) === 0) return false;
  }
  if (range === '*/*' || range === type) return true;
  return range.endsWith('/*') && type.startsWith(range.slice(0, -1));
}

/**
 * An INVITE whose Accept rules out every body type the UAS can answer with gets 406
 * (§21.4.7, RFC 4475 §3.3.15).
 */
export function checkAccept(request: SipRequest, contentTypes: readonly string[] = DEFAULT_CONTENT_TYPES): RequestVerdict {
  if (request.method !== 'INVITE' || !request.hasHeader('Accept')) return ACCEPT;
  const entries = listValues(request, 'Accept');
  if (entries.length === 0) return ACCEPT; // an empty Accept means no body is wanted
  if (contentTypes.some((type) => entries.some((entry) => accepts(entry, type.toLowerCase())))) return ACCEPT;
  return reject(request, 406, 'not-acceptable', `Not Acceptable: Accept excludes ${contentTypes.join(', ').slice(0, 40)}`, [
    { name: 'Accept', value: contentTypes.join(', ') },
  ]);
}

// ---- proxy ---------------------------------------------------------------------------------------

/** §16.3 step 3: a request with Max-Forwards 0 is not forwarded: 483 Too Many Hops. */
export function checkMaxForwards(request: SipRequest): RequestVerdict {
  const maxForwards = request.maxForwards;
  if (maxForwards === 0) return reject(request, 483, 'too-many-hops', 'Too Many Hops');
  return ACCEPT;
}

// ---- the pipelines -------------------------------------------------------------------------------

/** All checks for the role, in RFC order; the first failing check decides. */
export function checkRequest(request: SipRequest, options: RequestCheckOptions): RequestVerdict {
  const known = options.role === 'uas' && options.methods ? new Set([...STANDARD_METHODS, ...options.methods]) : STANDARD_METHODS;
  const steps: Array<() => RequestVerdict> =
    options.role === 'uas'
      ? [
          () => checkSyntax(request, known),
          () => (options.methods ? checkMethod(request, options.methods) : ACCEPT),
          () => checkUriScheme(request, options.uriSchemes),
          () => checkRegisterTo(request),
          () => checkRequire(request, 'Require', options.extensions),
          () => checkParses(request, () => request.contacts),
          () => checkParses(request, () => request.recordRoutes),
          () => checkContent(request, options.contentTypes, options.contentEncodings),
          () => checkAccept(request, options.contentTypes),
        ]
      : [
          () => checkSyntax(request, known),
          () => checkUriScheme(request, options.uriSchemes),
          () => checkMaxForwards(request),
          () => checkRequire(request, 'Proxy-Require', options.extensions),
          () => checkParses(request, () => request.routes),
        ];
  for (const step of steps) {
    let verdict: RequestVerdict;
    try {
      verdict = step();
    } catch (e) {
      if (!(e instanceof SipParseException)) throw e;
      verdict = reject(request, e.error.status, e.error.code, e.error.reason);
    }
    if (verdict.action !== 'accept') return verdict;
  }
  return ACCEPT;
}

/**
 * What to do with a request that has parse errors: answer statelessly with the first error's
 * status (a 505 wins, §8.2.1 checks the version first), or drop an ACK or a message with no
 * usable start line.
 */
export function verdictForParseErrors(message: SipMessage | undefined, errors: readonly SipParseError[]): RequestVerdict | ResponseVerdict {
  const first = errors.find((e) => e.status === 505) ?? errors[0];
  if (first === undefined) return ACCEPT;
  if (message === undefined || message.kind === 'response') return { action: 'drop', code: first.code, reason: first.reason };
  return reject(message as SipRequest, first.status, first.code, first.reason);
}

// ---- responses -----------------------------------------------------------------------------------

export interface ResponseCheckOptions {
  /** 'uac': the response ends here (§8.1.3.3); 'proxy': it will be forwarded (§16.7). */
  role: 'uac' | 'proxy';
}

function isDigits(value: string, maxDigits: number): boolean {
  if (value.length === 0 || value.length > maxDigits) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** delta-seconds at the start of a value (Retry-After, Expires) fits 32 bits. */
function fitsUint32(value: string): boolean {
  const digits = /^\s*([0-9]+)/.exec(value)?.[1];
  if (digits === undefined) return true; // not a delta (Expires may be a date in RFC 2543)
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  return trimmed.length < 10 || (trimmed.length === 10 && Number(trimmed) <= MAX_UINT32);
}

const BROADCAST = '255.255.255.255';

/**
 * Checks on a received response. A response is never answered: anything wrong drops it
 * (RFC 4475 §3.1.2.5 overlarge scalars, §3.1.2.19 overlarge status code). A UAC drops a response
 * with more than one Via (§8.1.3.3); a proxy drops one whose next Via would send it to a
 * broadcast address (RFC 4475 §3.3.10).
 */
export function checkResponse(response: SipResponse, options: ResponseCheckOptions, errors: readonly SipParseError[] = []): ResponseVerdict {
  const drop = (code: string, reason: string): ResponseVerdict => ({ action: 'drop', code, reason });
  const first = errors[0];
  if (first !== undefined) return drop(first.code, first.reason);
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 699) {
    return drop('bad-status-code', 'Status code out of range');
  }
  for (const name of ['Retry-After', 'Expires', 'Min-Expires', 'RSeq']) {
    for (const value of response.getHeaders(name)) {
      if (!fitsUint32(value)) return drop('overlarge-value', `${name} value too large`);
    }
  }
  for (const warning of listValues(response, 'Warning')) {
    const code = warning.split(/\s/, 1)[0] ?? '';
    if (!isDigits(code, 3) || code.length !== 3) return drop('bad-warning', 'Warning code is not 3 digits');
  }
  let vias;
  try {
    vias = response.via;
  } catch (e) {
    if (e instanceof SipParseException) return drop(e.error.code, e.error.reason);
    throw e;
  }
  if (options.role === 'uac') {
    if (vias.length !== 1) return drop('via-count', 'A response to a UAC must carry exactly one Via');
    return { action: 'accept' };
  }
  const next = vias[1];
  if (next !== undefined) {
    const target = next.params.get('maddr') ?? next.params.get('received') ?? next.host;
    if (target === BROADCAST || next.host === BROADCAST) return drop('broadcast-via', 'Next Via is a broadcast address');
  }
  return { action: 'accept' };
}
