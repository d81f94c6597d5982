/**
 * The SIP message model (RFC 3261 §7, §20, §25). Pure data: no I/O, no timers, no logging.
 *
 * This file is the contract between the message layer and every layer above it
 * (transport, transaction, proxy, services). Implementations live beside it:
 * uri.ts, params.ts, name-addr.ts, via.ts, header-names.ts, message.ts, parse-message.ts
 * (with start-line.ts, header-lines.ts, mandatory-checks.ts, shape-checks.ts), serialize.ts,
 * framing.ts, status-codes.ts, build.ts, request-checks.ts; index.ts exports the public API.
 */

/** A parameter list (uri-parameters, header params, Via params) in wire order.
 *  Names compare case-insensitively; a value of `null` means the parameter has no value
 *  (`;lr`), which is not the same as an empty value. */
export interface ParamList {
  get(name: string): string | null | undefined;
  has(name: string): boolean;
  set(name: string, value: string | null): void;
  delete(name: string): boolean;
  entries(): IterableIterator<[string, string | null]>;
  readonly size: number;
  /** `;a=b;c` — empty string when there are none. */
  toString(): string;
}

/** sip: and sips: URIs (RFC 3261 §19.1). `user`/`password` are kept as written (escaped);
 *  decodeUser() gives the %HH-decoded octets as a string (RFC 3261 §19.1.2). */
export interface SipUri {
  readonly kind: 'sip';
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Host as written, without brackets for IPv6 references. */
  host: string;
  /** True when `host` is an IPv6 reference (it is serialized in [ ]). */
  hostIsIPv6: boolean;
  port?: number;
  params: ParamList;
  /** URI headers (`?Route=...`), values as written (escaped). */
  headers: ParamList;
}

/** tel: URIs (RFC 3966). */
export interface TelUri {
  readonly kind: 'tel';
  scheme: 'tel';
  number: string;
  params: ParamList;
}

/** Any other absolute URI, kept opaque (RFC 3261 §25.1 absoluteURI). */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  scheme: string;
  /** Everything after `scheme:`, verbatim. */
  opaque: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

/** name-addr / addr-spec with its header parameters (From, To, Contact, Route, Record-Route, …). */
export interface NameAddr {
  /** Decoded display name (quotes removed, quoted-pairs resolved); undefined when absent. */
  displayName?: string;
  uri: Uri;
  /** Header parameters after the address (`;tag=…`, `;q=0.5`, `;expires=…`). */
  params: ParamList;
}

/** One Via value (RFC 3261 §20.42, RFC 3581). */
export interface Via {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-cased transport token: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  transport: string;
  host: string;
  hostIsIPv6: boolean;
  port?: number;
  params: ParamList;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** A header field as it stood in the message (after unfolding) or as it was added. */
export interface HeaderField {
  /** The name as written, e.g. `v` or `VIA`. */
  name: string;
  /** The value with folding replaced by a single space and outer whitespace trimmed. */
  value: string;
}

/** A parse problem, carrying the SIP response it turns into (RFC 4475 expectations). */
export interface SipParseError {
  /** Stable machine code, e.g. `bad-content-length`, `bad-request-uri`, `missing-call-id`. */
  code: string;
  /** Response status a server answers with: 400 mostly, 505 for a bad version, 416, 420 … */
  status: number;
  /** Human reason, used as the reason phrase of the error response, e.g. "Bad Content-Length". */
  reason: string;
}
