/**
 * Serialization (RFC 3261 §7): start line, header fields as stored (names as written, values
 * unfolded), a Content-Length that always matches the body (§20.14, §18.3), empty line, body.
 * For a parsed message, fields still as received are copied octet for octet from the datagram
 * and only the rest is written.
 */
import type { Field, WireSource } from './header-field.js';

/** Everything up to and including the empty line that ends the header section. */
export function serializeHead(startLine: string, fields: readonly Field[], bodyLength: number): string {
  let out = `${startLine}\r\n`;
  let wroteLength = false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.key === 'content-length') {
      // Keep the position and spelling of the first Content-Length; drop duplicates.
      if (wroteLength) continue;
      wroteLength = true;
      out += `${field.name}: ${bodyLength}\r\n`;
      continue;
    }
    out += `${field.name}: ${field.value}\r\n`;
  }
  if (!wroteLength) out += `Content-Length: ${bodyLength}\r\n`;
  return `${out}\r\n`;
}

/** A message built in memory: everything is written. */
export function serializeMessage(startLine: string, fields: readonly Field[], body: Buffer): Buffer {
  const head = serializeHead(startLine, fields, body.length);
  if (body.length === 0) return Buffer.from(head, 'utf8');
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  return out;
}

/**
 * A parsed message: runs of fields still in their received form are copied from `wire.data`,
 * the others written; `startLine` undefined copies the received start line.
 */
export function serializeParsed(startLine: string | undefined, fields: readonly Field[], body: Buffer, wire: WireSource): Buffer {
  const data = wire.data;
  // Segments: [start, end] number pairs for octet ranges of `data`, strings for text.
  const segments: Array<number | string> = [];
  let text = '';
  let runStart = -1;
  let runEnd = -1;
  if (startLine === undefined) {
    runStart = wire.lineStart;
    runEnd = wire.lineEnd;
  } else {
    text = `${startLine}\r\n`;
  }
  let wroteLength = false;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    let raw = field.rawStart >= 0;
    let line: string | undefined;
    if (field.key === 'content-length') {
      if (wroteLength) continue; // duplicates are dropped
      wroteLength = true;
      if (!raw || body !== wire.body) {
        raw = false;
        line = `${field.name}: ${body.length}\r\n`;
      }
    }
    if (raw) {
      if (text.length > 0) {
        segments.push(text);
        text = '';
      }
      if (runEnd === field.rawStart) {
        runEnd = field.rawEnd;
      } else {
        if (runStart >= 0) segments.push(runStart, runEnd);
        runStart = field.rawStart;
        runEnd = field.rawEnd;
      }
    } else {
      if (runStart >= 0) {
        segments.push(runStart, runEnd);
        runStart = -1;
        runEnd = -1;
      }
      text += line ?? `${field.name}: ${field.value}\r\n`;
    }
  }
  if (!wroteLength) text += `Content-Length: ${body.length}\r\n`;
  // The empty line and the body follow the last field in the datagram: one more copy.
  const tailRaw = body === wire.body && wire.tailStart >= 0 && text.length === 0 && runEnd === wire.tailStart;
  if (tailRaw) runEnd = wire.tailStart + 2 + body.length;
  else text += '\r\n';
  if (runStart >= 0) segments.push(runStart, runEnd);
  if (text.length > 0) segments.push(text);
  let total = tailRaw ? 0 : body.length;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (typeof segment === 'string') {
      total += Buffer.byteLength(segment, 'utf8');
    } else {
      total += (segments[i + 1] as number) - segment;
      i++;
    }
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (typeof segment === 'string') {
      offset += out.write(segment, offset, 'utf8');
    } else {
      offset += data.copy(out, offset, segment, segments[i + 1] as number);
      i++;
    }
  }
  if (!tailRaw) body.copy(out, offset);
  return out;
}
