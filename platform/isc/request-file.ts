/**
 * A request written in a file by hand, made into a SIP message: files saved with LF line ends
 * get CRLF (RFC 3261 §7), and a missing or wrong Content-Length is set to the body's length —
 * nobody counts SDP bytes by hand. Each repair is reported as a note. Captured wire bytes
 * (CRLF, right Content-Length) pass through unchanged.
 */
import { parseMessage, type SipRequest } from '../sip/index.js';

export type RequestFileResult = { ok: true; request: SipRequest; notes: string[] } | { ok: false; error: string };

export function readRequestFile(data: Buffer): RequestFileResult {
  if (data.length === 0) return { ok: false, error: 'the request file is empty' };
  const notes: string[] = [];
  const text = data.toString('latin1'); // byte-preserving
  const crlfEnd = text.indexOf('\r\n\r\n');
  const lfEnd = text.indexOf('\n\n');
  let head: string;
  let body: string;
  if (crlfEnd >= 0 && (lfEnd < 0 || crlfEnd < lfEnd)) {
    head = text.slice(0, crlfEnd);
    body = text.slice(crlfEnd + 4);
  } else if (lfEnd >= 0) {
    head = text.slice(0, lfEnd).replace(/\r?\n/g, '\r\n');
    body = text.slice(lfEnd + 2).replace(/\r?\n/g, '\r\n');
    notes.push('line ends converted from LF to CRLF');
  } else {
    head = text.replace(/\r?\n$/, '').replace(/\r?\n/g, '\r\n');
    body = '';
  }
  head = head.replace(/^\s+/, '');
  const bodyLength = Buffer.byteLength(body, 'latin1');
  const declared = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*$/im.exec(head);
  if (!declared) {
    head += `\r\nContent-Length: ${bodyLength}`;
    if (bodyLength > 0) notes.push(`Content-Length added: ${bodyLength}`);
  } else if (declared[1] !== String(bodyLength)) {
    head = head.replace(declared[0], `Content-Length: ${bodyLength}`);
    notes.push(`Content-Length ${declared[1]} replaced by ${bodyLength}, the length of the body in the file`);
  }
  const { message, errors } = parseMessage(Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'));
  const first = errors[0];
  if (first) return { ok: false, error: `not a valid SIP message: ${first.status} ${first.reason}` };
  if (!message || message.kind !== 'request') return { ok: false, error: 'not a SIP request (a request line such as "INVITE sip:bob@example.com SIP/2.0" comes first)' };
  return { ok: true, request: message, notes };
}
