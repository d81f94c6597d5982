/**
 * A valid SDP answer that declines every stream of an offer (RFC 3264 §6: "An offered stream
 * MAY be rejected in the answer ... the port number in the corresponding stream in the answer
 * MUST be zero"; the answer has as many m= lines as the offer, in the same order, §6). It is
 * what a UAC puts in the ACK when it must complete an offer/answer exchange it cannot honour —
 * RFC 3261 §13.2.2.4: "If the offer in the 2xx response is not acceptable, the UAC core MUST
 * generate a valid answer in the ACK and then send a BYE immediately" — e.g. a third-party call
 * whose second leg failed (RFC 3725 "Error Handling").
 */
export interface SdpBody {
  contentType: string;
  content: string | Buffer;
}

/** The declining answer, or undefined when `offer` is not an SDP body with m= lines. */
export function rejectingAnswer(offer: SdpBody): SdpBody | undefined {
  if (offer.contentType.split(';')[0]?.trim().toLowerCase() !== 'application/sdp') return undefined;
  const text = typeof offer.content === 'string' ? offer.content : offer.content.toString('utf8');
  const media = text
    .split(/\r?\n/u)
    .filter((line) => line.startsWith('m='))
    .map((line) => /^m=(\S+) \S+ (\S+) ?(.*)$/u.exec(line))
    .filter((match): match is RegExpExecArray => match !== null);
  if (media.length === 0) return undefined;
  const lines = ['v=0', `o=- ${Date.now()} 1 IN IP4 0.0.0.0`, 's=-', 'c=IN IP4 0.0.0.0', 't=0 0'];
  // RFC 3264 §6: a rejected stream keeps the media type and transport, port 0, and at least one
  // format (RFC 4566 §5.14 grammar); the offer's formats are echoed.
  for (const [, type, proto, formats] of media) lines.push(`m=${type} 0 ${proto} ${formats && formats !== '' ? formats : '0'}`);
  return { contentType: 'application/sdp', content: `${lines.join('\r\n')}\r\n` };
}
