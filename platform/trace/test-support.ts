/** Messages and flows for the trace unit tests. */
import { parseMessage, type SipRequest, type SipResponse } from '../sip/index.js';
import type { Flow, InboundMessage } from '../transport/types.js';

export const flow: Flow = {
  protocol: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '127.0.0.1', port: 5070 },
  id: 'udp:127.0.0.1:5060>127.0.0.1:5070',
};

export function request(
  method: string,
  options: { callId: string; from?: string; to?: string; uri?: string; toTag?: string; extra?: string[] },
): SipRequest {
  const uri = options.uri ?? `sip:${options.to ?? 'bob@sb.test'}`;
  const text = [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
    'Max-Forwards: 70',
    `From: <sip:${options.from ?? 'alice@sb.test'}>;tag=from1`,
    `To: <sip:${options.to ?? 'bob@sb.test'}>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    `Call-ID: ${options.callId}`,
    `CSeq: 1 ${method}`,
    ...(options.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)).message as SipRequest;
}

export function response(status: number, of: SipRequest): SipResponse {
  const text = [
    `SIP/2.0 ${status} Whatever`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
    `From: ${of.getHeader('From')}`,
    `To: ${of.getHeader('To')};tag=to1`,
    `Call-ID: ${of.callId}`,
    `CSeq: 1 ${of.method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)).message as SipResponse;
}

export const inbound = (message: SipRequest | SipResponse): InboundMessage => ({ message, flow, errors: [] });

/** A setImmediate turn: the tracer's batch has been written after it. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
