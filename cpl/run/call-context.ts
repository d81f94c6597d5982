/**
 * The facts of one call, parsed lazily and at most once per run: addresses for address-switch
 * (RFC 3880 §4.1.1: origin = From, destination = Request-URI, original-destination = To) and
 * headers for string-, language- and priority-switch.
 */
import { parseNameAddr } from '../uri/name-addr.js';
import { parseUri, type ParsedUri } from '../uri/parse-uri.js';
import type { AddressField, StringField } from '../compile/compiled-script.js';
import type { CplAddressInput, CplCallFacts } from './host.js';

export interface CallAddress {
  readonly text: string;
  readonly uri: ParsedUri | null;
  readonly display: string | null;
}

/** RFC 3261 §7.3.3 compact forms of the headers CPL reads. */
const COMPACT: Readonly<Record<string, string>> = { s: 'subject' };

export class CallContext {
  private readonly addresses = new Map<AddressField, CallAddress>();
  private headerMap: Map<string, string[]> | null = null;

  constructor(readonly call: CplCallFacts) {}

  address(field: AddressField): CallAddress {
    let a = this.addresses.get(field);
    if (a === undefined) {
      a = field === 'destination' ? toAddress(this.call.requestUri, true) : toAddress(field === 'origin' ? this.call.from : this.call.to, false);
      this.addresses.set(field, a);
    }
    return a;
  }

  /** All values of a header (in order), or null when absent. */
  header(name: string): readonly string[] | null {
    if (this.headerMap === null) {
      this.headerMap = new Map();
      for (const [raw, value] of Object.entries(this.call.headers ?? {})) {
        const key = raw.toLowerCase();
        const canonical = COMPACT[key] ?? key;
        const list = this.headerMap.get(canonical) ?? [];
        if (typeof value === 'string') list.push(value);
        else list.push(...(value as readonly string[]));
        this.headerMap.set(canonical, list);
      }
    }
    return this.headerMap.get(name) ?? null;
  }

  /**
   * string-switch fields (§4.2): header values "used verbatim"; several instances are joined with
   * ", " (cpl.md open point 17). `display` "is not used, and is never present" in SIP.
   */
  stringField(field: StringField): string | null {
    if (field === 'display') return null;
    const values = this.header(field);
    return values === null ? null : values.map((v) => v.trim()).join(', ');
  }
}

function toAddress(input: CplAddressInput, bareUri: boolean): CallAddress {
  if (typeof input !== 'string') {
    const display = input.display === undefined || input.display === null || input.display === '' ? null : input.display;
    return { text: input.uri, uri: parseUri(input.uri), display };
  }
  if (bareUri) return { text: input.trim(), uri: parseUri(input), display: null };
  const na = parseNameAddr(input);
  if (na === null) return { text: input, uri: null, display: null };
  return { text: na.uri, uri: parseUri(na.uri), display: na.display };
}
