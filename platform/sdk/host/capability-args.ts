/**
 * Checks of the JSON arguments apps pass to capabilities (`ctx.uac`, `ctx.calls`): the guest is
 * untrusted, so every string that ends up in a SIP message is one line, every header an
 * extension header the core does not write itself (RFC 3261 §8.1.1: Via, Call-ID, CSeq, From,
 * To, Max-Forwards, Contact and the Content-* fields are the UAC core's).
 */
import type { JsonValue } from '../../container/index.js';
import { parseUri } from '../../sip/index.js';

export const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/u;
const MAX_HEADERS = 20;
/** Header fields the core writes itself; an app may not set them. */
const CORE_OWNED = new Set(['via', 'max-forwards', 'cseq', 'call-id', 'from', 'to', 'content-length', 'content-type', 'route', 'record-route', 'contact']);

/** The arguments object of a host call ({} when the app sent something else). */
export function argsObject(args: JsonValue): { [key: string]: JsonValue } {
  return args !== null && typeof args === 'object' && !Array.isArray(args) ? args : {};
}

/** A non-empty, one-line string. */
export function text(value: JsonValue | undefined, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} must be a non-empty string`);
  if (/[\r\n]/u.test(value)) throw new Error(`${what} must be one line`);
  return value;
}

/** A `sip:`/`sips:` URI; returns its host part. */
export function sipUri(value: JsonValue | undefined, what: string): { uri: string; host: string } {
  const uri = text(value, what);
  if (uri.length > 2048) throw new Error(`${what} is longer than 2048 characters`);
  let parsed;
  try {
    parsed = parseUri(uri);
  } catch (error) {
    throw new Error(`${what} "${uri}" is not a SIP URI: ${(error as Error).message}`);
  }
  if (parsed.kind !== 'sip') throw new Error(`${what} "${uri}" is not a sip: or sips: URI`);
  return { uri, host: parsed.host };
}

export function headerList(value: JsonValue | undefined): Array<{ name: string; value: string }> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_HEADERS) throw new Error(`headers must be a list of at most ${MAX_HEADERS} { name, value }`);
  return value.map((entry) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new Error('each header is { name, value }');
    const name = text(entry.name, 'header name');
    if (!TOKEN.test(name)) throw new Error(`"${name}" is not a header name`);
    if (CORE_OWNED.has(name.toLowerCase())) throw new Error(`the server writes ${name} itself`);
    return { name, value: text(entry.value, `value of ${name}`) };
  });
}

const MAX_BODY_CHARS = 16_384;

/** A message body: any text (it may span lines; only header values must be one line), up to
 *  16 KiB; undefined when absent or empty. */
export function bodyText(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error('body must be a string');
  if (value.length > MAX_BODY_CHARS) throw new Error(`a body is limited to ${MAX_BODY_CHARS} characters`);
  return value;
}
