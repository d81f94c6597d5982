/**
 * The ACK a client INVITE transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3).
 * It belongs to the INVITE transaction (same branch) and goes to the same next hop. The ACK
 * for a 2xx is a separate transaction built by the dialog layer (§13.2.2.4), not here.
 */
import { createRequest, formatUri, formatVia, type HeaderField, type SipRequest, type SipResponse } from '../sip/index.js';

export function createAckForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const topVia = invite.topVia;
  if (!topVia) throw new Error('cannot build an ACK: the INVITE has no Via');
  const from = invite.getHeader('From');
  const to = response.getHeader('To');
  if (from === undefined || to === undefined) throw new Error('cannot build an ACK: From or To missing');
  const headers: HeaderField[] = [
    // "a single Via header field ... equal to the top Via header field of the original request"
    { name: 'Via', value: formatVia(topVia) },
    // "If the INVITE request ... had Route header fields, those header fields MUST appear in the ACK"
    ...invite.getHeaders('Route').map((value) => ({ name: 'Route', value })),
    { name: 'Max-Forwards', value: String(invite.maxForwards ?? 70) },
    // Call-ID, From and Request-URI equal to the original request; To from the response (its tag)
    { name: 'From', value: from },
    { name: 'To', value: to },
    { name: 'Call-ID', value: invite.callId },
    // "the same value for the sequence number ... but the method parameter MUST be equal to ACK"
    { name: 'CSeq', value: `${invite.cseq.seq} ACK` },
  ];
  return createRequest({ method: 'ACK', uri: formatUri(invite.uri), headers });
}
