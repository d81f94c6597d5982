/**
 * A CANCEL for a pending INVITE (RFC 3261 §9.1), as a UAC or a proxy (§16.10) builds it. It is
 * sent in its own non-INVITE client transaction, with the INVITE's branch, so that the peer
 * matches it to the INVITE server transaction (§9.2).
 */
import { createRequest, formatUri, formatVia, type HeaderField, type SipRequest } from '../sip/index.js';

export function createCancel(invite: SipRequest): SipRequest {
  const topVia = invite.topVia;
  if (!topVia) throw new Error('cannot build a CANCEL: the request has no Via');
  const from = invite.getHeader('From');
  const to = invite.getHeader('To');
  if (from === undefined || to === undefined) throw new Error('cannot build a CANCEL: From or To missing');
  const headers: HeaderField[] = [
    // "only a single Via header field value matching the top Via value in the request being cancelled"
    { name: 'Via', value: formatVia(topVia) },
    // "If the request being cancelled contains a Route header field, the CANCEL request MUST include" it
    ...invite.getHeaders('Route').map((value) => ({ name: 'Route', value })),
    { name: 'Max-Forwards', value: '70' },
    // "Request-URI, Call-ID, To, the numeric part of CSeq, and From ... MUST be identical ... including tags"
    { name: 'From', value: from },
    { name: 'To', value: to },
    { name: 'Call-ID', value: invite.callId },
    { name: 'CSeq', value: `${invite.cseq.seq} CANCEL` },
  ];
  return createRequest({ method: 'CANCEL', uri: formatUri(invite.uri), headers });
}
