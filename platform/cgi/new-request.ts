/**
 * A new request the script asks the server to send (RFC 3050 §3.1 "generate a new request";
 * §5.6.2.1 "a CGI-PROXY-REQUEST or new request"; §5.11.2 a script acting as UAC "MUST generate
 * the ACKs"). The RFC gives no action line for it; we read a SIP request line as one (spec notes
 * §6, §11 #2). Headers the script leaves out are filled as a UAC would (RFC 3261 §8.1.1):
 * Max-Forwards 70, a Call-ID, CSeq 1, a From at this server with a tag, To = the Request-URI.
 * Via is the client transaction's to add; a script Via is ignored.
 */
import { createRequest, formatUri, generateCallId, generateTag, type SipRequest } from '../sip/index.js';
import { ensureTag } from './address-tag.js';
import type { NewRequestAction } from './cgi-actions.js';
import { mergeChanges, type MergeResult } from './message-merge.js';

const PROTECT = new Set(['via']);

export function buildNewRequest(action: NewRequestAction, serverName: string): MergeResult<SipRequest> {
  const start = createRequest({ method: action.method, uri: action.uri, headers: [] });
  const merged = mergeChanges(start, action, { protect: PROTECT });
  const request = merged.message;
  if (!request.hasHeader('Max-Forwards')) request.setHeader('Max-Forwards', '70');
  if (!request.hasHeader('To')) request.setHeader('To', `<${formatUri(action.uri)}>`);
  if (!request.hasHeader('From')) request.setHeader('From', `<sip:cgi@${serverName}>`);
  // An ACK or CANCEL keeps the From tag of the request it belongs to; the script must give it.
  if (action.method !== 'ACK' && action.method !== 'CANCEL') ensureTag(request, 'From', generateTag());
  if (!request.hasHeader('Call-ID')) request.setHeader('Call-ID', generateCallId(serverName));
  if (!request.hasHeader('CSeq')) request.setHeader('CSeq', `1 ${action.method}`);
  return merged;
}
