/** A SIP response (RFC 3261 §7.2): the message model of message.ts plus Status-Line. */
import type { HeaderField } from './types.js';
import { detached, SipMessage } from './message.js';
import type { Field, WireSource } from './header-field.js';

export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  #wireStatus: number | undefined;
  #wireReason: string | undefined;
  #wireVersion: string | undefined;

  constructor(
    public status: number,
    public reason: string,
    headers: readonly HeaderField[] = [],
    body?: Buffer,
  ) {
    super(headers, body);
  }

  /** Internal (parser): build around fields it already made, without copying them. */
  static fromParts(status: number, reason: string, version: string, fields: Field[], body: Buffer, wire?: WireSource): SipResponse {
    const response = new SipResponse(status, reason, [], body);
    response.version = version;
    response.adopt(fields, wire);
    response.#wireStatus = status;
    response.#wireReason = reason;
    response.#wireVersion = version;
    return response;
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }

  protected startLineUnchanged(): boolean {
    return this.status === this.#wireStatus && this.reason === this.#wireReason && this.version === this.#wireVersion;
  }

  protected packStartLine(): void {
    this.reason = detached(this.reason);
    this.#wireStatus = undefined;
    this.#wireReason = undefined;
    this.#wireVersion = undefined;
  }

  protected unpackStartLine(parsed: SipResponse): void {
    this.#wireStatus = parsed.#wireStatus;
    this.#wireReason = parsed.#wireReason;
    this.#wireVersion = parsed.#wireVersion;
  }

  protected blankCopy(): SipResponse {
    const copy = new SipResponse(this.status, this.reason);
    copy.#wireStatus = this.#wireStatus;
    copy.#wireReason = this.#wireReason;
    copy.#wireVersion = this.#wireVersion;
    return copy;
  }
}
