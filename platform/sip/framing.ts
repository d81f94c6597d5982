/**
 * Stream framing (RFC 3261 §18.3): on TCP/TLS a message is its header section plus exactly
 * Content-Length body octets, and Content-Length is mandatory. CRLFs between messages are
 * keep-alives (RFC 5626 §3.5.1): a double CRLF is a ping (answer with a CRLF pong), a single
 * CRLF is a pong. A framing error cannot be recovered from — where the next message starts is
 * unknown — so the framer stays failed and the connection must be closed (RFC 4475 §3.1.2.3).
 *
 * Bytes are copied only when a message spans chunks; a message inside one chunk is returned as a
 * view of that chunk.
 */
import { sipError } from './parse-errors.js';
import type { SipParseError } from './types.js';

export type FrameEvent =
  | { type: 'message'; data: Buffer }
  | { type: 'keepalive'; pong: boolean }
  | { type: 'error'; error: SipParseError };

export interface StreamFramerOptions {
  /** Largest message (header section + body) accepted, in octets. Default 65535. */
  maxMessageSize?: number;
}

const CR = 13;
const LF = 10;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LFLF = Buffer.from('\n\n', 'latin1');
const CONTENT_LENGTH = 'content-length';

type Length = number | { error: SipParseError };

/** Compare data[at, at+word.length) to a lower-case ASCII word, ignoring case. */
function matchesWord(data: Buffer, at: number, end: number, word: string): boolean {
  if (at + word.length > end) return false;
  for (let i = 0; i < word.length; i++) {
    if ((data[at + i]! | 32) !== word.charCodeAt(i)) return false;
  }
  return true;
}

function isWsp(b: number | undefined): boolean {
  return b === 32 || b === 9;
}

/**
 * Content-Length (or compact `l`) from the header section data[start, end). Missing, non-numeric,
 * negative and conflicting values are errors.
 */
export function findContentLength(data: Buffer, start: number, end: number): Length {
  let declared: number | undefined;
  let line = start;
  // Skip the start line.
  let nl = data.indexOf(LF, line);
  line = nl < 0 || nl >= end ? end : nl + 1;
  while (line < end) {
    nl = data.indexOf(LF, line);
    const lineEnd = nl < 0 || nl >= end ? end : nl;
    let nameEnd = -1;
    if (matchesWord(data, line, lineEnd, CONTENT_LENGTH)) nameEnd = line + CONTENT_LENGTH.length;
    else if ((data[line]! | 32) === 108) nameEnd = line + 1;
    if (nameEnd >= 0) {
      let i = nameEnd;
      while (i < lineEnd && isWsp(data[i])) i++;
      if (data[i] === 58) {
        // The value, with any continuation lines (folding) joined.
        let valueEnd = lineEnd;
        let next = lineEnd + 1;
        while (next < end && isWsp(data[next])) {
          const more = data.indexOf(LF, next);
          valueEnd = more < 0 || more >= end ? end : more;
          next = valueEnd + 1;
        }
        const raw = data.toString('latin1', i + 1, valueEnd).replace(/[\r\n\t ]+/g, ' ').trim();
        let value = -1;
        if (raw.length > 0 && raw.length <= 15 && /^[0-9]+$/.test(raw)) value = Number(raw);
        if (value < 0) {
          const reason = raw.startsWith('-') ? 'Negative Content-Length' : 'Bad Content-Length';
          return { error: sipError('bad-content-length', reason) };
        }
        if (declared !== undefined && declared !== value) {
          return { error: sipError('bad-content-length', 'Multiple conflicting Content-Length values') };
        }
        declared = value;
      }
    }
    line = lineEnd + 1;
  }
  if (declared === undefined) {
    return { error: sipError('missing-content-length', 'Missing Content-Length on a stream transport') };
  }
  return declared;
}

export class StreamFramer {
  readonly #max: number;
  /** Bytes kept between pushes (only when a message spans chunks). */
  #pending: Buffer = Buffer.alloc(0);
  #pendingLength = 0;
  /** Where to resume looking for the end of the header section, relative to pending data. */
  #scanFrom = 0;
  /** Whole frame length once the header section of the pending message has been read. */
  #frameLength = -1;
  /** The previous chunk ended in a lone CRLF (maybe the first half of a ping). */
  #loneCrlf = false;
  #failure: SipParseError | undefined;

  constructor(options: StreamFramerOptions = {}) {
    this.#max = options.maxMessageSize ?? 65535;
  }

  /** Whether a framing error has occurred (the connection must be closed). */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Octets received but not yet returned as a frame. */
  get bufferedLength(): number {
    return this.#pendingLength;
  }

  push(chunk: Buffer): FrameEvent[] {
    if (this.#failure) return [{ type: 'error', error: this.#failure }];
    const events: FrameEvent[] = [];
    let data: Buffer;
    let length: number;
    let copied: boolean;
    if (this.#pendingLength === 0) {
      data = chunk;
      length = chunk.length;
      copied = false;
    } else {
      this.#append(chunk);
      data = this.#pending;
      length = this.#pendingLength;
      copied = true;
    }
    let pos = 0;
    while (pos < length) {
      if (this.#frameLength < 0) {
        const b = data[pos];
        if (b === CR || b === LF) {
          const next = this.#keepalive(data, pos, length, events);
          if (next < 0) {
            pos = -next - 1; // an incomplete keep-alive: wait for more
            break;
          }
          pos = next;
          continue;
        }
        this.#loneCrlf = false;
        const headerEnd = this.#findHeaderEnd(data, pos, length);
        if (headerEnd < 0) {
          if (length - pos > this.#max) return this.#fail(events, sipError('message-too-large', 'Message too large'));
          break;
        }
        const bodyLength = findContentLength(data, pos, headerEnd);
        if (typeof bodyLength !== 'number') return this.#fail(events, bodyLength.error);
        this.#frameLength = headerEnd - pos + bodyLength;
        if (this.#frameLength > this.#max) return this.#fail(events, sipError('message-too-large', 'Message too large'));
      }
      if (length - pos < this.#frameLength) break;
      const end = pos + this.#frameLength;
      // A frame cut from our own accumulating buffer is copied, as that buffer is reused.
      events.push({ type: 'message', data: copied ? Buffer.from(data.subarray(pos, end)) : data.subarray(pos, end) });
      pos = end;
      this.#frameLength = -1;
      this.#scanFrom = 0;
    }
    this.#keep(data, pos, length, copied);
    return events;
  }

  /** Keep data[pos, length) for the next push. */
  #keep(data: Buffer, pos: number, length: number, copied: boolean): void {
    const rest = length - pos;
    if (rest === 0) {
      this.#pendingLength = 0;
      this.#scanFrom = 0;
      return;
    }
    if (copied) {
      if (pos > 0) data.copy(data, 0, pos, length);
    } else {
      if (this.#pending.length < rest) this.#pending = Buffer.allocUnsafe(Math.max(rest * 2, 4096));
      data.copy(this.#pending, 0, pos, length);
    }
    this.#pendingLength = rest;
    // Resume the header-end search a little before the old end (a split CRLFCRLF).
    this.#scanFrom = Math.max(0, rest - 3);
  }

  #append(chunk: Buffer): void {
    const needed = this.#pendingLength + chunk.length;
    if (needed > this.#pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.#pending.length * 2));
      this.#pending.copy(grown, 0, 0, this.#pendingLength);
      this.#pending = grown;
    }
    chunk.copy(this.#pending, this.#pendingLength);
    this.#pendingLength = needed;
  }

  /** Index just after the empty line ending the header section, or -1 if not there yet. */
  #findHeaderEnd(data: Buffer, pos: number, length: number): number {
    const from = Math.max(pos, this.#scanFrom);
    const view = length === data.length ? data : data.subarray(0, length);
    const crlf = view.indexOf(CRLFCRLF, from);
    const lf = view.indexOf(LFLF, from);
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
    if (lf >= 0) return lf + 2;
    return -1;
  }

  /**
   * Consume keep-alive CRLFs at `pos`. Returns the new position, or `-(pos + 1)` when the bytes
   * there may be the start of a ping that has not fully arrived.
   */
  #keepalive(data: Buffer, pos: number, length: number, events: FrameEvent[]): number {
    const available = length - pos;
    if (data[pos] !== CR) return pos + 1; // a stray LF before a start line is ignored (§7.5)
    if (available < 2) return -(pos + 1);
    if (data[pos + 1] !== LF) return pos + 1;
    if (available >= 4 && data[pos + 2] === CR && data[pos + 3] === LF) {
      events.push({ type: 'keepalive', pong: true });
      this.#loneCrlf = false;
      return pos + 4;
    }
    if (available === 3 && data[pos + 2] === CR) return -(pos + 1);
    // A CRLF right after a lone CRLF that ended the previous chunk completes a ping.
    const ping = this.#loneCrlf && pos === 0;
    events.push({ type: 'keepalive', pong: ping });
    this.#loneCrlf = !ping && available === 2;
    return pos + 2;
  }

  #fail(events: FrameEvent[], error: SipParseError): FrameEvent[] {
    this.#failure = error;
    this.#pendingLength = 0;
    this.#pending = Buffer.alloc(0);
    events.push({ type: 'error', error });
    return events;
  }
}
