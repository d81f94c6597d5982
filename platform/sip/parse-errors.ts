/**
 * Every parse error the message layer reports, defined once with a stable code and the status a
 * server answers with (RFC 3261 §21.4.1 400, §21.5.6 505, §21.4.26 513, RFC 4475 §3.1.2).
 * Reasons are built by the caller and name the fault ("Negative Content-Length",
 * "Unterminated quoted string in To"); they become the reason phrase of the error response.
 */
import type { SipParseError } from './types.js';

export const PARSE_ERROR_STATUS = {
  'bad-start-line': 400,
  'bad-request-uri': 400,
  'version-not-supported': 505,
  'bad-status-code': 400,
  'bad-header-line': 400,
  'missing-via': 400,
  'missing-from': 400,
  'missing-to': 400,
  'missing-call-id': 400,
  'missing-cseq': 400,
  'duplicate-header': 400,
  'bad-via': 400,
  'bad-branch': 400,
  'bad-from': 400,
  'bad-to': 400,
  'bad-call-id': 400,
  'bad-cseq': 400,
  'bad-max-forwards': 400,
  'bad-content-length': 400,
  'bad-contact': 400,
  'bad-route': 400,
  'bad-record-route': 400,
  'bad-header': 400,
  'bad-uri': 400,
  'cseq-method-mismatch': 400,
  'truncated-body': 400,
  'missing-content-length': 400,
  'message-too-large': 513,
} as const satisfies Record<string, number>;

export type ParseErrorCode = keyof typeof PARSE_ERROR_STATUS;

export function sipError(code: ParseErrorCode, reason: string, status: number = PARSE_ERROR_STATUS[code]): SipParseError {
  return { code, status, reason };
}

/**
 * Internal syntax fault: thrown by the grammar functions and turned into a SipParseError (or a
 * SipParseException) at the public boundary, where the header name is known. A plain class, not
 * an Error, so that throwing it captures no stack trace.
 */
export class Fault {
  constructor(readonly detail: string) {}
}

export function fail(detail: string): never {
  throw new Fault(detail);
}

/** Keep a reason phrase printable and short (§25.1 Reason-Phrase; values from the wire). */
export function safeText(text: string, max = 60): string {
  let out = '';
  for (let i = 0; i < text.length && out.length < max; i++) {
    const c = text.charCodeAt(i);
    out += c < 32 || c === 127 ? '?' : text[i];
  }
  return text.length > max ? `${out}...` : out;
}
