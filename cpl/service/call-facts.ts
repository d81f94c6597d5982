/**
 * The facts a CPL script can test (RFC 3880 §4), read from the initial INVITE: Request-URI
 * (destination), From (origin), To (original-destination), and the headers of the string,
 * language and priority switches "used verbatim as they appear in the message" (§4.2).
 */
import type { CplCallFacts, CplHeaders } from '../index.js';
import { formatUri, type SipRequest } from '../../platform/sip/index.js';

/** Headers the switches read; getHeaders understands compact forms (`s` for Subject). */
const SWITCH_HEADERS = ['Subject', 'Organization', 'User-Agent', 'Accept-Language', 'Priority'] as const;

export function callFacts(request: SipRequest, direction: 'incoming' | 'outgoing', arrivalTime: number): CplCallFacts {
  const headers: Record<string, readonly string[]> = {};
  for (const name of SWITCH_HEADERS) {
    // Whole field values: Subject and User-Agent may contain commas that are not list separators.
    const values = request.headerFields.filter((f) => f.name.toLowerCase() === name.toLowerCase() || (name === 'Subject' && f.name.toLowerCase() === 's')).map((f) => f.value);
    if (values.length > 0) headers[name.toLowerCase()] = values;
  }
  const headerValues: CplHeaders = headers;
  return {
    direction,
    method: request.method,
    requestUri: formatUri(request.uri),
    from: request.getHeader('From') ?? '',
    to: request.getHeader('To') ?? '',
    headers: headerValues,
    arrivalTime,
  };
}
