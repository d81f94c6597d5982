/**
 * The SDP lines of a request, for SessionDescription SPTs: the body when it is application/sdp,
 * or the application/sdp parts of a multipart body (RFC 2046 §5.1; isc.md ISC-09 — neither
 * reference S-CSCF looks inside multipart, which misses SIP-I and emergency calls that carry SDP
 * beside ISUP or PIDF-LO).
 */
import type { SipRequest } from '../sip/index.js';

export interface SdpLine {
  /** The type letter before `=` (RFC 4566 §5). */
  type: string;
  /** The text after `=`. */
  value: string;
}

/** Multipart nesting we look into (multipart/mixed inside multipart/alternative, …). */
const MAX_MULTIPART_DEPTH = 3;

export function sdpLinesOf(request: SipRequest): SdpLine[] {
  if (request.body.length === 0) return [];
  const contentType = request.getHeader('content-type');
  if (contentType === undefined) return [];
  return linesOfEntity(contentType, request.body.toString('utf8'), 0);
}

function linesOfEntity(contentType: string, body: string, depth: number): SdpLine[] {
  const media = mediaType(contentType);
  if (media === 'application/sdp') return parseSdpLines(body);
  if (!media.startsWith('multipart/') || depth >= MAX_MULTIPART_DEPTH) return [];
  const boundary = parameter(contentType, 'boundary');
  if (!boundary) return [];
  const out: SdpLine[] = [];
  for (const part of multipartParts(body, boundary)) {
    const type = part.headers.get('content-type') ?? 'text/plain';
    out.push(...linesOfEntity(type, part.body, depth + 1));
  }
  return out;
}

/** `x=value` lines; lines without `=` in second position are not SDP and are skipped. */
export function parseSdpLines(text: string): SdpLine[] {
  const out: SdpLine[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop - start >= 2 && text.charCodeAt(start + 1) === 61 /* = */) out.push({ type: text[start]!, value: text.slice(start + 2, stop) });
    start = end + 1;
  }
  return out;
}

function mediaType(value: string): string {
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
}

function parameter(value: string, name: string): string | undefined {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  return m?.[1] ?? m?.[2];
}

interface BodyPart {
  headers: Map<string, string>;
  body: string;
}

/** RFC 2046 §5.1.1: parts between `--boundary` delimiter lines, up to `--boundary--`. */
function multipartParts(body: string, boundary: string): BodyPart[] {
  const delimiter = `--${boundary}`;
  const lines = body.split(/\r?\n/);
  const parts: BodyPart[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(toPart(current));
      current = trimmed === delimiter ? [] : undefined;
      if (!current) break;
      continue;
    }
    current?.push(line);
  }
  return parts;
}

function toPart(lines: string[]): BodyPart {
  const headers = new Map<string, string>();
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const colon = lines[i]!.indexOf(':');
    if (colon > 0) headers.set(lines[i]!.slice(0, colon).trim().toLowerCase(), lines[i]!.slice(colon + 1).trim());
  }
  return { headers, body: lines.slice(i + 1).join('\r\n') };
}
