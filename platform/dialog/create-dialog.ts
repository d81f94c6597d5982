/**
 * Building dialog state from the request and response that create it (RFC 3261 §12.1): the
 * UAC side from its INVITE and a 1xx-with-tag or 2xx (§12.1.2), the UAS side from the INVITE
 * it received and the 2xx it sends (§12.1.1).
 */
import { cloneParams, cloneUri, createParams, type NameAddr, type SipRequest, type SipResponse } from '../sip/index.js';
import { Dialog } from './dialog.js';
import { uacDialogIdOf } from './dialog-id.js';

export class DialogCreationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialogCreationError';
  }
}

/**
 * §12.1.2: "The route set MUST be set to the list of URIs in the Record-Route header field from
 * the response, taken in reverse order"; the remote target is the response's Contact; the
 * local sequence number is the request's CSeq, the remote one empty; local tag from From,
 * remote tag from To. A 1xx with a To tag makes an early dialog, a 2xx a confirmed one.
 */
export function createUacDialog(request: SipRequest, response: SipResponse, localContact: string): Dialog {
  const id = uacDialogIdOf(response);
  if (!id) throw new DialogCreationError('the response has no To tag: it does not create a dialog');
  const target = firstContact(response);
  return new Dialog({
    role: 'uac',
    id,
    localAddress: withoutTag(request.from),
    remoteAddress: withoutTag(response.to),
    localSeq: request.cseq.seq,
    remoteSeq: undefined,
    routeSet: response.recordRoutes.map(copyAddress).reverse(),
    remoteTarget: target,
    secure: isSips(request),
    localContact,
    state: response.status < 200 ? 'early' : 'confirmed',
  });
}

/**
 * §12.1.1: the route set is the request's Record-Route "in order"; the remote target is the
 * request's Contact; the remote sequence number is the request's CSeq, the local one empty;
 * remote tag from From, local tag the To tag our response carries.
 */
export function createUasDialog(request: SipRequest, localTag: string, localContact: string, state: 'early' | 'confirmed' = 'confirmed'): Dialog {
  const remoteTag = request.from.params.get('tag');
  if (typeof remoteTag !== 'string' || remoteTag === '') {
    throw new DialogCreationError('the request has no From tag (RFC 2543 peer): no dialog');
  }
  return new Dialog({
    role: 'uas',
    id: { callId: request.callId, localTag, remoteTag },
    localAddress: withoutTag(request.to),
    remoteAddress: withoutTag(request.from),
    localSeq: undefined,
    remoteSeq: request.cseq.seq,
    routeSet: request.recordRoutes.map(copyAddress),
    remoteTarget: firstContact(request),
    secure: isSips(request),
    localContact,
    state,
  });
}

function firstContact(message: SipRequest | SipResponse): NameAddr['uri'] {
  const contacts = message.contacts;
  const first = contacts === '*' ? undefined : contacts[0];
  if (!first) throw new DialogCreationError('no Contact: a dialog needs a remote target (§12.1.1, §12.1.2)');
  return cloneUri(first.uri);
}

/** §12.1.1: secure when the Request-URI is a SIPS URI (the transport being TLS follows from it). */
function isSips(request: SipRequest): boolean {
  const uri = request.uri;
  return uri.kind === 'sip' && uri.scheme === 'sips';
}

function copyAddress(address: NameAddr): NameAddr {
  return { ...(address.displayName !== undefined ? { displayName: address.displayName } : {}), uri: cloneUri(address.uri), params: cloneParams(address.params) };
}

function withoutTag(address: NameAddr): NameAddr {
  const params = createParams([...address.params.entries()].filter(([name]) => name.toLowerCase() !== 'tag'));
  return { ...(address.displayName !== undefined ? { displayName: address.displayName } : {}), uri: cloneUri(address.uri), params };
}
