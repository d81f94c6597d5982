/** A SIP request (RFC 3261 §7.1): the message model of message.ts plus Method and Request-URI. */
import type { HeaderField, Uri } from './types.js';
import { cloneUri, formatUri } from './uri.js';
import { detached, SipMessage } from './message.js';
import type { Field, WireSource } from './header-field.js';

/** The Request-URI of a compacted request until it is read back (never handed out). */
const PACKED_URI: Uri = Object.freeze({ kind: 'absolute' as const, scheme: 'packed', opaque: '' });

export class SipRequest extends SipMessage {
  readonly kind = 'request' as const;
  #uri: Uri;
  /** Set once `uri` has been handed out (it may then have been changed in place). */
  #uriExposed = false;
  #wireMethod: string | undefined;
  #wireVersion: string | undefined;

  constructor(
    public method: string,
    uri: Uri,
    headers: readonly HeaderField[] = [],
    body?: Buffer,
  ) {
    super(headers, body);
    this.#uri = uri;
  }

  get uri(): Uri {
    if (this.compacted) this.unpack();
    this.#uriExposed = true;
    return this.#uri;
  }

  set uri(uri: Uri) {
    if (this.compacted) this.unpack();
    this.#uriExposed = true;
    this.#uri = uri;
  }

  /** Internal (parser): build around fields it already made, without copying them. */
  static fromParts(method: string, uri: Uri, version: string, fields: Field[], body: Buffer, wire?: WireSource): SipRequest {
    const request = new SipRequest(method, uri, [], body);
    request.version = version;
    request.adopt(fields, wire);
    request.#wireMethod = method;
    request.#wireVersion = version;
    return request;
  }

  startLine(): string {
    if (this.compacted) this.unpack();
    return `${this.method} ${formatUri(this.#uri)} ${this.version}`;
  }

  protected startLineUnchanged(): boolean {
    return !this.#uriExposed && this.method === this.#wireMethod && this.version === this.#wireVersion;
  }

  protected packStartLine(): void {
    this.method = detached(this.method);
    this.#wireMethod = undefined;
    this.#wireVersion = undefined;
    // Its strings may be slices of the datagram; read back with the rest.
    this.#uri = PACKED_URI;
  }

  protected unpackStartLine(parsed: SipRequest): void {
    this.#uri = parsed.#uri;
    this.#uriExposed = false;
    this.#wireMethod = parsed.#wireMethod;
    this.#wireVersion = parsed.#wireVersion;
  }

  protected blankCopy(): SipRequest {
    const copy = new SipRequest(this.method, cloneUri(this.#uri));
    copy.#wireMethod = this.#wireMethod;
    copy.#wireVersion = this.#wireVersion;
    copy.#uriExposed = this.#uriExposed;
    return copy;
  }
}
