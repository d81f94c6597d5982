/**
 * The stateless answer to a request the parser found faults in (RFC 3261 §8.2, §21.4.1 400,
 * §21.5.7 505; RFC 4475 expectations): the status and reason the parser attached to the fault,
 * so a 400's reason phrase names what was wrong.
 */
import { createResponse, generateTag, type SipParseError, type SipRequest, type SipResponse } from '../sip/index.js';

const SIP_VERSION = 'SIP/2.0';

/** The header fields §8.2.6.2 copies into a response; without them no response can be built
 *  (and without a Via it could not even be routed, §18.2.2). Whether a faulty Via still routes
 *  is the transport's call: it rejects the send when it cannot, and the layer logs that. */
const REQUIRED_FOR_RESPONSE = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/** The fault to answer with: a bad version first (505 says more than 400 and the rest of the
 *  message may be unreadable because of it), else the first fault found. */
export function chooseParseError(errors: readonly SipParseError[]): SipParseError | undefined {
  return errors.find((error) => error.status === 505) ?? errors[0];
}

export type ErrorResponseResult =
  | { kind: 'response'; response: SipResponse; error: SipParseError }
  | { kind: 'drop'; reason: string };

/** Builds the error response, or says why there is none. Never for ACK: an ACK has no response. */
export function createParseErrorResponse(request: SipRequest, errors: readonly SipParseError[]): ErrorResponseResult {
  if (request.method === 'ACK') return { kind: 'drop', reason: 'malformed ACK (an ACK is never answered)' };
  const error = chooseParseError(errors);
  if (!error) return { kind: 'drop', reason: 'no parse error to answer' };
  const missing = REQUIRED_FOR_RESPONSE.filter((name) => !request.hasHeader(name));
  if (missing.length > 0) return { kind: 'drop', reason: `cannot answer: missing ${missing.join(', ')}` };
  // The fields are copied as written, so a faulty Via or CSeq is echoed back as the client sent
  // it (it can match its own request). §8.2.6.2 wants a To tag on a final response, but not
  // appended to a To the parser could not read.
  const options = readable(() => request.to) ? { toTag: generateTag() } : {};
  try {
    const response = createResponse(request, error.status, error.reason, options);
    // §7.1: we speak SIP/2.0 whatever version the request claimed (a 505 names the mismatch).
    response.version = SIP_VERSION;
    return { kind: 'response', response, error };
  } catch {
    // fall through: a header the response needs could not be copied
  }
  return { kind: 'drop', reason: 'cannot answer: headers needed for the response are unreadable' };
}

function readable(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch {
    return false;
  }
}
