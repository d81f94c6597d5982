/**
 * A request line in a script's output (RFC 3050 §3.1, with `cgi.allowNewRequests`) becomes a
 * new request the server sends as a UAC through the core (ServiceHost.userAgent). The core owns
 * Via, Max-Forwards, CSeq numbering and, for INVITE, Contact and the ACK; the script's From,
 * To, Call-ID, Route and other header fields and its body are kept. The final response is
 * logged; scripts are not run again for it (a limit of this release, see apps/cgi/README.md).
 */
import type { Logger } from '../log/logger.js';
import type { OutgoingRequestSpec, UserAgentService } from '../services/index.js';
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

export function sendNewRequest(userAgent: UserAgentService | undefined, request: SipRequest, logger: Logger, script: string | undefined): void {
  if (userAgent === undefined) {
    logger.warn({ script, method: request.method }, 'cgi: this server has no UA core; new request not sent');
    return;
  }
  if (request.method === 'ACK' || request.method === 'CANCEL') {
    logger.warn({ script, method: request.method }, 'cgi: ACK and CANCEL are sent by the core itself; not sent');
    return;
  }
  const handle = userAgent.sendRequest(toOutgoingSpec(request), {});
  void handle.final.then(
    (response) => logger.info({ script, method: request.method, uri: formatUri(request.uri), status: response.status }, 'cgi: new request answered'),
    (error: unknown) => logger.warn({ script, err: error }, 'cgi: new request failed'),
  );
}
