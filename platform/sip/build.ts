/** Building messages: responses from requests (RFC 3261 §8.2.6) and new requests (§8.1.1). */
import { Field, toField } from './header-field.js';
import { SipRequest } from './sip-request.js';
import { SipResponse } from './sip-response.js';
import { reasonPhrase } from './status-codes.js';
import type { HeaderField, Uri } from './types.js';
import { parseUri } from './uri.js';

export interface ResponseOptions {
  /** Added to To when the request's To has no tag (§8.2.6.2). */
  toTag?: string;
  /** Further header fields, appended after the copied ones. */
  headers?: HeaderField[];
  body?: Buffer | string;
  /** Written as Content-Type when a body is given. */
  contentType?: string;
}

const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

function toBody(body: Buffer | string | undefined): Buffer | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** True when a To value already carries a tag parameter (outside the <…> and quotes). */
function hasTag(to: string): boolean {
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < to.length; i++) {
    const c = to.charCodeAt(i);
    if (inQuote) {
      if (c === 92) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60) inAngle = true;
    else if (c === 62) inAngle = false;
    else if (c === 59 && !inAngle) {
      let j = i + 1;
      while (to.charCodeAt(j) === 32 || to.charCodeAt(j) === 9) j++;
      if (to.slice(j, j + 3).toLowerCase() === 'tag') {
        let k = j + 3;
        while (to.charCodeAt(k) === 32 || to.charCodeAt(k) === 9) k++;
        if (k >= to.length || to.charCodeAt(k) === 61 || to.charCodeAt(k) === 59) return true;
      }
    }
  }
  return false;
}

/**
 * A response to `request` (§8.2.6): Via (all, in order), From, To (with `toTag` added when it
 * has none), Call-ID and CSeq copied as written; a 100 Trying also copies Timestamp (§8.2.6.1).
 * Content-Length is written on serialization.
 */
export function createResponse(request: SipRequest, status: number, reason?: string, options: ResponseOptions = {}): SipResponse {
  const fields: Field[] = [];
  for (const field of request.headerFields as readonly Field[]) {
    const key = field.key;
    if (COPIED.has(key) || (status === 100 && key === 'timestamp')) {
      let value = field.value;
      if (key === 'to' && options.toTag !== undefined && !hasTag(value)) value = `${value};tag=${options.toTag}`;
      fields.push(new Field(field.name, value, key));
    }
  }
  const body = toBody(options.body);
  if (body !== undefined && options.contentType !== undefined) fields.push(new Field('Content-Type', options.contentType, 'content-type'));
  if (options.headers) for (const header of options.headers) fields.push(toField(header));
  const response = SipResponse.fromParts(status, reason ?? reasonPhrase(status), request.version, fields, body ?? Buffer.alloc(0));
  return response;
}

export interface RequestInit {
  method: string;
  uri: Uri | string;
  headers: HeaderField[];
  body?: Buffer | string;
}

/** A new request; the caller supplies every header (Via, Max-Forwards, From, To …). */
export function createRequest(init: RequestInit): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  return new SipRequest(init.method, uri, init.headers, toBody(init.body));
}
