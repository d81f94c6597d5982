/**
 * Where the tracer sees messages: around the transport, below the transaction layer, so it sees
 * what went on the wire (retransmissions included) and not what layers meant to send.
 *
 *   const sender = traceSender(tracer, transport);
 *   new TransactionLayer({ sender, … });
 *   transport.onMessage(traceInbound(tracer, transactions.handleInbound));
 *
 * With no rule on, each message costs the `tracer.enabled` check and nothing else.
 */
import type { SipMessage } from '../sip/index.js';
import type { Destination, Flow, InboundHandler, MessageSender, TransportProtocol } from '../transport/types.js';
import type { Tracer } from './tracer.js';

type TraceSink = Pick<Tracer, 'enabled' | 'recordInbound' | 'recordOutbound' | 'nowUs'>;

/** Records every inbound message before `handler` (the transaction layer) sees it. */
export function traceInbound(tracer: TraceSink, handler: InboundHandler): InboundHandler {
  return (inbound) => {
    if (tracer.enabled) tracer.recordInbound(inbound);
    return handler(inbound);
  };
}

/**
 * A MessageSender that records each message once the transport has sent it: only then are its
 * Via sent-by (§18.1.1) and the flow (local and remote address) known. The time is taken when
 * the send was asked for. A failed send is not recorded (nothing went on the wire).
 */
export function traceSender(tracer: TraceSink, sender: MessageSender): MessageSender {
  const recordWhenSent = (message: SipMessage, sent: Promise<Flow>): void => {
    const at = tracer.nowUs();
    sent.then(
      (flow) => tracer.recordOutbound(message, flow, at),
      () => undefined,
    );
  };
  return {
    sendRequest(request: SipMessage, destination: Destination): Promise<Flow> {
      const sent = sender.sendRequest(request, destination);
      if (tracer.enabled) recordWhenSent(request, sent);
      return sent;
    },
    sendResponse(response: SipMessage, flow?: Flow): Promise<Flow> {
      const sent = sender.sendResponse(response, flow);
      if (tracer.enabled) recordWhenSent(response, sent);
      return sent;
    },
    isReliable(protocol: TransportProtocol): boolean {
      return sender.isReliable(protocol);
    },
  };
}
