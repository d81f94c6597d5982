/**
 * A request line in a script's output (RFC 3050 §3.1, with `cgi.allowNewRequests`) becomes a
 * new request the server sends as a UAC through the core (ServiceHost.userAgent). The core owns
 * Via, Max-Forwards, CSeq numbering and, for INVITE, Contact and the ACK; the script's From,
 * To, Call-ID, Route and other header fields and its body are kept. The final response is
 * logged and handed to `onFinal` (the script runs for it if it asked for the next message).
 */
import type { Logger } from '../log/logger.js';
import type { OutgoingRequestSpec, ServiceResponse, UserAgentService } from '../services/index.js';
import { formatUri, type SipRequest } from '../sip/index.js';

/** Header fields the UA core writes itself. */
const CORE_OWNED = new Set(['via', 'max-forwards', 'cseq', 'content-length', 'from', 'to', 'call-id', 'route', 'contact']);

export function toOutgoingSpec(request: SipRequest): OutgoingRequestSpec {
  const headers = request.headerFields.filter((field) => !CORE_OWNED.has(field.name.toLowerCase())).map((field) => ({ name: field.name, value: field.value }));
  const contentType = request.getHeader('Content-Type');
  const routes = request.getHeaders('Route');
  const from = request.getHeader('From');
  const to = request.getHeader('To');
  return {
    method: request.method,
    uri: formatUri(request.uri),
    from: from ?? '<sip:cgi@localhost>',
    ...(to !== undefined ? { to } : {}),
    callId: request.callId,
    ...(routes.length > 0 ? { route: [...routes] } : {}),
    headers: headers.filter((field) => field.name.toLowerCase() !== 'content-type'),
    ...(request.body.length > 0 ? { body: { contentType: contentType ?? 'application/octet-stream', content: request.body } } : {}),
  };
}

/** Sends the request; false when it could not be sent (onFinal is then never called). */
export function sendNewRequest(
  userAgent: UserAgentService | undefined,
  request: SipRequest,
  logger: Logger,
  script: string | undefined,
  onFinal?: (response: ServiceResponse) => void | Promise<void>,
): boolean {
  if (userAgent === undefined) {
    logger.warn({ script, method: request.method }, 'cgi: this server has no UA core; new request not sent');
    return false;
  }
  if (request.method === 'ACK' || request.method === 'CANCEL') {
    logger.warn({ script, method: request.method }, 'cgi: ACK and CANCEL are sent by the core itself; not sent');
    return false;
  }
  const handle = userAgent.sendRequest(toOutgoingSpec(request), {});
  void handle.final
    .then(async (response) => {
      logger.info({ script, method: request.method, uri: formatUri(request.uri), status: response.status }, 'cgi: new request answered');
      await onFinal?.(response);
    })
    .catch((error: unknown) => logger.warn({ script, err: error }, 'cgi: new request failed'));
  return true;
}
