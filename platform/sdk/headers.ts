/**
 * Header collections and From/To parsing for the guest SDK. Pure code (it runs inside the
 * isolate): no Node APIs. Names compare case-insensitively (RFC 3261 §7.3.1).
 */
import type { WireHeaders } from './protocol.js';
import type { HeaderInit, Party, SipHeaders } from './types.js';

/** Headers the container owns (JSR 289 system headers); apps may read but not write them. */
const SYSTEM_HEADERS = new Set(['via', 'call-id', 'cseq', 'from', 'to', 'record-route', 'route', 'content-length', 'max-forwards']);

const lower = (name: string): string => name.toLowerCase();

/**
 * Splits a header section (`Name: value` lines joined by CRLF, as the host sends it) into
 * `[name, value]` pairs, one per line. A line starting with space or tab continues the one before
 * (RFC 3261 §7.3.1 folding) and joins it with one space; a bare LF also ends a line. Comma lists
 * stay one field, as they came.
 */
export function parseHeaderSection(text: string): WireHeaders {
  const fields: WireHeaders = [];
  if (text === '') return fields;
  for (const line of text.split(/\r?\n/)) {
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      const last = fields[fields.length - 1];
      if (last !== undefined) last[1] = `${last[1]} ${line.trim()}`.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

/**
 * Headers over a `[name, value]` list, recording what changed for the host. Built from a header
 * section string, the list is parsed on first use: an app that never reads headers (a plain
 * proxy) pays nothing for them (issue 5, crossing cost).
 */
export class HeaderList implements SipHeaders {
  #section: string | undefined;
  #list: WireHeaders | undefined;
  readonly #writable: boolean;
  /** Names set or appended (lower case) → the resulting fields; and names deleted. */
  readonly changed = new Set<string>();
  readonly removed = new Set<string>();

  /** `fields`: pairs, or a header section (`Name: value` lines joined by CRLF). */
  constructor(fields: WireHeaders | string, writable: boolean) {
    if (typeof fields === 'string') this.#section = fields;
    else this.#list = fields.map(([name, value]) => [name, value]);
    this.#writable = writable;
  }

  get #fields(): WireHeaders {
    if (this.#list === undefined) {
      this.#list = parseHeaderSection(this.#section ?? '');
      this.#section = undefined;
    }
    return this.#list;
  }

  get(name: string): string | undefined {
    const key = lower(name);
    return this.#fields.find(([n]) => lower(n) === key)?.[1];
  }

  getAll(name: string): string[] {
    const key = lower(name);
    return this.#fields.filter(([n]) => lower(n) === key).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  entries(): Array<[string, string]> {
    return this.#fields.map(([n, v]) => [n, v]);
  }

  set(name: string, value: string): void {
    this.#check(name, value);
    const key = lower(name);
    const at = this.#fields.findIndex(([n]) => lower(n) === key);
    const kept = this.#fields.filter(([n]) => lower(n) !== key);
    kept.splice(at < 0 ? kept.length : at, 0, [name, value]);
    this.#fields.splice(0, this.#fields.length, ...kept);
    this.changed.add(key);
    this.removed.delete(key);
  }

  append(name: string, value: string): void {
    this.#check(name, value);
    this.#fields.push([name, value]);
    this.changed.add(lower(name));
    this.removed.delete(lower(name));
  }

  delete(name: string): void {
    this.#check(name, '');
    const key = lower(name);
    const kept = this.#fields.filter(([n]) => lower(n) !== key);
    this.#fields.splice(0, this.#fields.length, ...kept);
    this.changed.delete(key);
    this.removed.add(key);
  }

  /** Every field of the changed names, for the host to apply (RFC 3050 §5.6.1.2 merge rules). */
  changedFields(): WireHeaders {
    if (this.changed.size === 0) return [];
    return this.#fields.filter(([n]) => this.changed.has(lower(n))).map(([n, v]) => [n, v]);
  }

  #check(name: string, value: string): void {
    if (!this.#writable) throw new Error('these headers are read only');
    if (!/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) throw new Error(`"${name}" is not a header name`);
    if (SYSTEM_HEADERS.has(lower(name))) throw new Error(`${name} is a system header; the container owns it`);
    if (/[\r\n]/.test(value)) throw new Error('header values may not contain line breaks');
  }
}

/** `[name, value]` pairs from the forms `reply()` accepts, checked like app writes. */
export function headerPairs(init: HeaderInit | undefined): WireHeaders {
  if (init === undefined) return [];
  const pairs: Array<readonly [string, string]> = Array.isArray(init) ? [...(init as ReadonlyArray<readonly [string, string]>)] : Object.entries(init);
  const list = new HeaderList([], true);
  for (const [name, value] of pairs) list.append(name, String(value));
  return list.entries();
}

/** Parses a From/To value: `"Name" <uri>;tag=x`, `<uri>`, or a bare `uri;tag=x` (RFC 3261 §20.20). */
export function parseParty(value: string | undefined): Party {
  const text = (value ?? '').trim();
  let displayName: string | undefined;
  let uri: string;
  let params: string;
  const open = text.indexOf('<');
  const close = text.indexOf('>', open);
  if (open >= 0 && close > open) {
    const name = text.slice(0, open).trim().replace(/^"(.*)"$/, '$1');
    displayName = name === '' ? undefined : name;
    uri = text.slice(open + 1, close);
    params = text.slice(close + 1);
  } else {
    const semi = text.indexOf(';');
    uri = semi < 0 ? text : text.slice(0, semi);
    params = semi < 0 ? '' : text.slice(semi);
  }
  const tag = /;\s*tag=([^;\s]+)/i.exec(params)?.[1];
  const { user, host } = uriParts(uri);
  return { uri, user, host, displayName, tag };
}

/** User and host of a sip:/sips:/tel: URI. */
export function uriParts(uri: string): { user: string | undefined; host: string | undefined } {
  const match = /^(?:sips?|tel):(?:([^@;?]*)@)?([^;?:>]*)/i.exec(uri.trim());
  if (match === null) return { user: undefined, host: undefined };
  if (/^tel:/i.test(uri.trim())) return { user: match[2], host: undefined };
  return { user: match[1] === undefined ? undefined : match[1], host: match[2] === '' ? undefined : match[2] };
}
