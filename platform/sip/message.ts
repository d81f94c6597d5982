/**
 * The SIP message model (RFC 3261 §7). Header fields are kept in wire order as written
 * (names and values, folding replaced by one space); typed views (Via, From, CSeq …) are parsed
 * on first access and cached until the header they come from changes. The objects they return
 * are the cached ones: to change one, edit a copy (cloneVia, cloneUri) and write it back
 * (setTopVia, setHeader), which keeps the raw fields — what is serialized — in sync.
 */
import { trimLws } from './chars.js';
import { Field, toField, type WireSource } from './header-field.js';
import { headerKey, isListHeader } from './header-names.js';
import { parseNameAddrRange } from './name-addr.js';
import { Fault, sipError, type ParseErrorCode } from './parse-errors.js';
import { checkCallId, parseContentLength, parseCSeq, parseMaxForwards } from './scalars.js';
import { serializeHead, serializeMessage, serializeParsed } from './serialize.js';
import { SipParseException } from './sip-parse-exception.js';
import { nextTopLevelComma, splitTopLevel } from './split-list.js';
import type { CSeq, HeaderField, NameAddr, Uri, Via } from './types.js';
import { formatVia, parseViaList, parseViaRange } from './via.js';

export { SipParseException } from './sip-parse-exception.js';

const EMPTY = Buffer.alloc(0);
/** The fields of a compacted message (never written: every edit reads the message back first). */
const NO_FIELDS: Field[] = [];

/** Reads a compacted message's octets back into a message (compact()). */
export type PackedReader = (octets: Buffer) => SipMessage | undefined;
let readPacked: PackedReader | undefined;

/** Internal: parse-message.ts (which depends on this module) registers the parser that
 *  `compact()`ed messages are read back with; without one, `compact()` does nothing. */
export function registerPackedReader(reader: PackedReader): void {
  readPacked = reader;
}

/** Internal (messages): a copy of a string that may be a slice of a whole datagram's text (V8 slices strings of
 *  13 characters or more instead of copying them), so that it no longer keeps that text alive. */
export function detached(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8');
}

/** Turn an internal syntax fault into the exception typed getters throw. */
function rethrow(e: unknown, code: ParseErrorCode, header: string): never {
  if (e instanceof Fault) throw new SipParseException(sipError(code, `${e.detail} in ${header}`));
  throw e;
}

function missing(code: ParseErrorCode, header: string): never {
  throw new SipParseException(sipError(code, `Missing ${header}`));
}

/** The typed views of one message (SipMessage.#views); `undefined` = not parsed yet. */
class MessageViews {
  via: Via[] | undefined = undefined;
  topVia: Via | undefined = undefined;
  from: NameAddr | undefined = undefined;
  to: NameAddr | undefined = undefined;
  callId: string | undefined = undefined;
  cseq: CSeq | undefined = undefined;
  maxForwards: number | null | undefined = undefined;
  contacts: NameAddr[] | '*' | undefined = undefined;
  routes: NameAddr[] | undefined = undefined;
  recordRoutes: NameAddr[] | undefined = undefined;
  contentLength: number | null | undefined = undefined;
}

export abstract class SipMessage {
  abstract readonly kind: 'request' | 'response';
  version = 'SIP/2.0';
  #body: Buffer = EMPTY;
  #rawFields: Field[];
  /** The datagram this message was parsed from (unchanged fields serialize as copies). */
  #wire: WireSource | undefined;
  /** Set by any header edit: the message is then no longer its received octets as a whole. */
  #edited = false;
  /** compact(): the serialized message as a latin1 string while fields, typed views and body
   *  are let go; read back on first use. */
  #packed: string | undefined;

  /** Typed views, parsed on first access (made when the first one is read: a compacted or
   *  merely forwarded message has none). */
  #views: MessageViews | undefined;

  get #v(): MessageViews {
    return (this.#views ??= new MessageViews());
  }

  constructor(headers: readonly HeaderField[] = [], body: Buffer = EMPTY) {
    this.#rawFields = headers.map(toField);
    this.#body = body;
  }

  /** The body octets; an empty Buffer when there is none. */
  get body(): Buffer {
    if (this.#packed !== undefined) this.unpack();
    return this.#body;
  }

  set body(body: Buffer) {
    if (this.#packed !== undefined) this.unpack();
    this.#body = body;
  }

  get #fields(): Field[] {
    if (this.#packed !== undefined) this.unpack();
    return this.#rawFields;
  }

  set #fields(fields: Field[]) {
    this.#rawFields = fields;
  }

  /** Internal: adopt an array of fields built by the parser (no copy) and its source octets. */
  protected adopt(fields: Field[], wire: WireSource | undefined): void {
    this.#rawFields = fields;
    this.#wire = wire;
  }

  /** The start line without CRLF: `INVITE sip:bob@example.com SIP/2.0` or `SIP/2.0 200 OK`. */
  abstract startLine(): string;
  protected abstract blankCopy(): SipMessage;
  /** Whether the start line is still as parsed (so its octets can be copied). */
  protected abstract startLineUnchanged(): boolean;
  /** compact(): let go of parsed start-line parts that may point into the datagram's text. */
  protected abstract packStartLine(): void;
  /** Reading a compacted message back: take the start line's parts from `parsed`, the same
   *  message freshly parsed from this one's octets. */
  protected abstract unpackStartLine(parsed: this): void;

  // ---- compaction --------------------------------------------------------------------------

  /**
   * Keeps this message as its serialized octets only (one latin1 string: a small Buffer would
   * pin an 8 KiB pool slab) and lets go of the parsed header fields, typed views, body and the
   * datagram they were read from; the first later use reads them back from the octets
   * (a parse, ~10 µs). For messages a transaction holds while it waits (a ringing call's
   * INVITEs and last provisional response, RFC 3261 §17): parsed, a message costs several
   * times its octets. Invisible otherwise: every accessor and edit works as before, and
   * `toBuffer()` returns the same octets. A no-op when already compact.
   */
  compact(): void {
    if (this.#packed !== undefined || readPacked === undefined) return;
    const packed = this.toBuffer().toString('latin1');
    this.#rawFields = NO_FIELDS;
    this.#wire = undefined;
    this.#body = EMPTY;
    this.#edited = false;
    this.#clearViews();
    this.version = detached(this.version);
    this.packStartLine();
    this.#packed = packed;
  }

  /** Whether the message is compacted (for tests and measurements). */
  get compacted(): boolean {
    return this.#packed !== undefined;
  }

  /** Reads a compacted message back (every accessor calls this first). */
  protected unpack(): void {
    const packed = this.#packed;
    if (packed === undefined || readPacked === undefined) return;
    this.#packed = undefined;
    // Its own ArrayBuffer, not a pool slice: the message may live long.
    const data = Buffer.allocUnsafeSlow(packed.length);
    data.write(packed, 'latin1');
    const parsed = readPacked(data);
    if (parsed === undefined || parsed.kind !== this.kind) throw new Error('a compacted SIP message could not be read back');
    this.#rawFields = parsed.#rawFields;
    this.#wire = parsed.#wire;
    this.#body = parsed.#body;
    this.unpackStartLine(parsed as this);
  }

  #clearViews(): void {
    this.#views = undefined;
  }

  // ---- raw header access -------------------------------------------------------------------

  /** Header fields in wire order, unfolded. Treat as read-only: edit through the methods. */
  get headerFields(): readonly HeaderField[] {
    return this.#fields;
  }

  /** The first field's value (names case-insensitive, compact forms understood). */
  getHeader(name: string): string | undefined {
    return this.#first(headerKey(name));
  }

  /** All values in order; comma lists (Via, Contact, Route, Allow …) split at the top level. */
  getHeaders(name: string): string[] {
    const key = headerKey(name);
    const split = isListHeader(key);
    const out: string[] = [];
    for (const field of this.#fields) {
      if (field.key !== key) continue;
      if (split) {
        for (const item of splitTopLevel(field.value)) out.push(item);
      } else {
        out.push(field.value);
      }
    }
    return out;
  }

  hasHeader(name: string): boolean {
    return this.#first(headerKey(name)) !== undefined;
  }

  /** Replace all fields of that name by one field, at the position of the first. */
  setHeader(name: string, value: string): void {
    this.#edited = true;
    const key = headerKey(name);
    const fields = this.#fields;
    let at = -1;
    for (let i = 0; i < fields.length; i++) {
      if (fields[i]!.key !== key) continue;
      if (at < 0) {
        at = i;
        fields[i] = new Field(name, value, key);
      } else {
        fields.splice(i, 1);
        i--;
      }
    }
    if (at < 0) fields.push(new Field(name, value, key));
    this.#invalidate(key);
  }

  addHeader(name: string, value: string, where: 'first' | 'last' = 'last'): void {
    this.#edited = true;
    const field = new Field(name, value);
    if (where === 'first') this.#fields.unshift(field);
    else this.#fields.push(field);
    this.#invalidate(field.key);
  }

  /** Remove every field of that name; returns how many were removed. */
  removeHeader(name: string): number {
    this.#edited = true;
    const key = headerKey(name);
    const before = this.#fields.length;
    this.#fields = this.#fields.filter((field) => field.key !== key);
    const removed = before - this.#fields.length;
    if (removed > 0) this.#invalidate(key);
    return removed;
  }

  #first(key: string): string | undefined {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      if (field.key === key) return field.value;
    }
    return undefined;
  }

  #invalidate(key: string): void {
    const views = this.#views;
    if (views === undefined) return;
    switch (key) {
      case 'via': views.via = undefined; views.topVia = undefined; break;
      case 'from': views.from = undefined; break;
      case 'to': views.to = undefined; break;
      case 'call-id': views.callId = undefined; break;
      case 'cseq': views.cseq = undefined; break;
      case 'max-forwards': views.maxForwards = undefined; break;
      case 'contact': views.contacts = undefined; break;
      case 'route': views.routes = undefined; break;
      case 'record-route': views.recordRoutes = undefined; break;
      case 'content-length': views.contentLength = undefined; break;
      default: break;
    }
  }

  // ---- typed views -------------------------------------------------------------------------

  /** All Via values, top first (§20.42). Throws SipParseException when one is malformed. */
  get via(): Via[] {
    if (this.#v.via === undefined) {
      const out: Via[] = [];
      // The top Via is usually parsed already (the transport reads it for every message):
      // reuse it and parse only the values after it.
      let top = this.#v.topVia;
      try {
        for (const field of this.#fields) {
          if (field.key !== 'via') continue;
          if (top === undefined) {
            parseViaList(field.value, out);
            continue;
          }
          out.push(top);
          top = undefined;
          const value = field.value;
          const comma = value.indexOf(',') < 0 ? value.length : nextTopLevelComma(value, 0, value.length);
          if (comma < value.length) parseViaList(value, out, comma + 1);
        }
      } catch (e) {
        rethrow(e, 'bad-via', 'Via');
      }
      this.#v.via = out;
    }
    return this.#v.via;
  }

  /** The top Via, parsed on its own (the values below it are parsed when `via` is read). */
  get topVia(): Via | undefined {
    if (this.#v.via !== undefined) return this.#v.via[0];
    if (this.#v.topVia === undefined) {
      const value = this.#first('via');
      if (value === undefined) return undefined;
      try {
        this.#v.topVia = parseViaRange(value, 0, value.indexOf(',') < 0 ? value.length : nextTopLevelComma(value, 0, value.length));
      } catch (e) {
        return rethrow(e, 'bad-via', 'Via');
      }
    }
    return this.#v.topVia;
  }

  get from(): NameAddr {
    if (this.#v.from === undefined) this.#v.from = this.#nameAddr('from', 'From', 'missing-from', 'bad-from');
    return this.#v.from;
  }

  get to(): NameAddr {
    if (this.#v.to === undefined) this.#v.to = this.#nameAddr('to', 'To', 'missing-to', 'bad-to');
    return this.#v.to;
  }

  #nameAddr(key: string, header: string, missingCode: ParseErrorCode, badCode: ParseErrorCode): NameAddr {
    const value = this.#first(key);
    if (value === undefined) missing(missingCode, header);
    try {
      return parseNameAddrRange(value, 0, value.length);
    } catch (e) {
      return rethrow(e, badCode, header);
    }
  }

  get callId(): string {
    if (this.#v.callId === undefined) {
      const value = this.#first('call-id');
      if (value === undefined) missing('missing-call-id', 'Call-ID');
      try {
        checkCallId(value);
      } catch (e) {
        rethrow(e, 'bad-call-id', 'Call-ID');
      }
      this.#v.callId = value;
    }
    return this.#v.callId;
  }

  get cseq(): CSeq {
    if (this.#v.cseq === undefined) {
      const value = this.#first('cseq');
      if (value === undefined) missing('missing-cseq', 'CSeq');
      try {
        this.#v.cseq = parseCSeq(value);
      } catch (e) {
        rethrow(e, 'bad-cseq', 'CSeq');
      }
    }
    return this.#v.cseq;
  }

  /** Max-Forwards (0–255), undefined when absent. */
  get maxForwards(): number | undefined {
    if (this.#v.maxForwards === undefined) {
      const value = this.#first('max-forwards');
      if (value === undefined) {
        this.#v.maxForwards = null;
      } else {
        try {
          this.#v.maxForwards = parseMaxForwards(value);
        } catch (e) {
          rethrow(e, 'bad-max-forwards', 'Max-Forwards');
        }
      }
    }
    return this.#v.maxForwards ?? undefined;
  }

  /** Contact values, or '*' for `Contact: *` (§10.2.2). */
  get contacts(): NameAddr[] | '*' {
    if (this.#v.contacts === undefined) {
      const values = this.getHeaders('contact');
      if (values.length === 1 && values[0] === '*') this.#v.contacts = '*';
      else this.#v.contacts = this.#nameAddrList(values, 'bad-contact', 'Contact');
    }
    return this.#v.contacts;
  }

  get routes(): NameAddr[] {
    if (this.#v.routes === undefined) this.#v.routes = this.#nameAddrList(this.getHeaders('route'), 'bad-route', 'Route');
    return this.#v.routes;
  }

  get recordRoutes(): NameAddr[] {
    if (this.#v.recordRoutes === undefined) {
      this.#v.recordRoutes = this.#nameAddrList(this.getHeaders('record-route'), 'bad-record-route', 'Record-Route');
    }
    return this.#v.recordRoutes;
  }

  #nameAddrList(values: string[], code: ParseErrorCode, header: string): NameAddr[] {
    const out: NameAddr[] = [];
    try {
      for (const value of values) out.push(parseNameAddrRange(value, 0, value.length));
    } catch (e) {
      rethrow(e, code, header);
    }
    return out;
  }

  /** The media type, lower-cased, without parameters (`application/sdp`). */
  get contentType(): string | undefined {
    const value = this.#first('content-type');
    if (value === undefined) return undefined;
    const semi = value.indexOf(';');
    return trimLws(semi < 0 ? value : value.slice(0, semi)).toLowerCase();
  }

  /** Content-Length as declared (the serializer always writes the body's real length). */
  get contentLength(): number | undefined {
    if (this.#v.contentLength === undefined) {
      const value = this.#first('content-length');
      if (value === undefined) {
        this.#v.contentLength = null;
      } else {
        try {
          this.#v.contentLength = parseContentLength(value);
        } catch (e) {
          rethrow(e, 'bad-content-length', 'Content-Length');
        }
      }
    }
    return this.#v.contentLength ?? undefined;
  }

  // ---- typed edits -------------------------------------------------------------------------

  /** Add a new top Via (a proxy forwarding, §16.6 step 8; a UAC sending, §8.1.1.7). */
  pushVia(via: Via): void {
    this.#edited = true;
    const cached = this.#v.via;
    this.#fields.unshift(new Field('Via', formatVia(via), 'via'));
    this.#v.via = cached === undefined ? undefined : [via, ...cached];
    this.#v.topVia = via;
  }

  /** Remove the top Via value (a proxy handling a response, §16.7 step 3). */
  popVia(): Via | undefined {
    this.#edited = true;
    const fields = this.#fields;
    const index = fields.findIndex((field) => field.key === 'via');
    if (index < 0) return undefined;
    const top = this.topVia;
    const field = fields[index]!;
    const comma = nextTopLevelComma(field.value, 0, field.value.length);
    if (comma >= field.value.length) fields.splice(index, 1);
    else fields[index] = new Field(field.name, trimLws(field.value, comma + 1), 'via');
    if (this.#v.via !== undefined) this.#v.via = this.#v.via.slice(1);
    this.#v.topVia = undefined;
    return top;
  }

  /** Replace the top Via value (the transport stamping received/rport, §18.2.1, RFC 3581). */
  setTopVia(via: Via): void {
    this.#edited = true;
    const fields = this.#fields;
    const index = fields.findIndex((field) => field.key === 'via');
    if (index < 0) {
      this.pushVia(via);
      return;
    }
    const field = fields[index]!;
    const comma = nextTopLevelComma(field.value, 0, field.value.length);
    const rest = comma >= field.value.length ? '' : `, ${trimLws(field.value, comma + 1)}`;
    fields[index] = new Field(field.name, formatVia(via) + rest, 'via');
    if (this.#v.via !== undefined) this.#v.via = [via, ...this.#v.via.slice(1)];
    this.#v.topVia = via;
  }

  /** A deep copy: header fields and the start line are copied; the body Buffer is shared
   *  (replace `body` rather than writing into it). */
  clone(): this {
    if (this.#packed !== undefined) this.unpack();
    const copy = this.blankCopy() as this;
    copy.version = this.version;
    copy.body = this.body;
    // Fields are immutable (every edit stores a new Field), so the copy shares them: a proxy
    // clones each request it forwards, and a call keeps those copies for the transaction's life.
    (copy as SipMessage).#fields = this.#fields.slice();
    (copy as SipMessage).#wire = this.#wire;
    (copy as SipMessage).#edited = this.#edited;
    return copy;
  }

  /**
   * Serialize; Content-Length is always the body's real length. Fields unchanged since parsing
   * (and already in serialized form) are copied from the received octets; the rest is written.
   * A parsed message that was not changed at all returns a view of the octets it was parsed
   * from (as `body` is): treat the result as read-only.
   */
  toBuffer(): Buffer {
    if (this.#packed !== undefined) return Buffer.from(this.#packed, 'latin1');
    const wire = this.#wire;
    if (wire === undefined) return serializeMessage(this.startLine(), this.#fields, this.body);
    const unchangedLine = wire.lineStart >= 0 && this.startLineUnchanged();
    if (unchangedLine && wire.wholeEnd >= 0 && !this.#edited && this.body === wire.body) {
      // Nothing changed since parsing and the message was in serialized form: it is its
      // received octets (shared, like `body`, not copied).
      return wire.data.subarray(wire.lineStart, wire.wholeEnd);
    }
    return serializeParsed(unchangedLine ? undefined : this.startLine(), this.#fields, this.body, wire);
  }

  /** The serialized message as text (the body read as UTF-8). */
  toString(): string {
    if (this.#packed !== undefined) this.unpack();
    return serializeHead(this.startLine(), this.#fields, this.body.length) + this.body.toString('utf8');
  }
}
