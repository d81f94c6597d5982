/**
 * The transport layer's contract with the layer above (RFC 3261 §18). The transaction layer
 * imports these types only; it never touches sockets.
 */
import type { SipMessage } from '../sip/message.js';
import type { SipParseError } from '../sip/types.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface SocketAddress {
  address: string;
  port: number;
}

/** Where a message came from or goes to: one socket pair on one transport.
 *  For stream transports `id` names the connection, so a response can reuse it (§18.2.2). */
export interface Flow {
  readonly protocol: TransportProtocol;
  readonly local: SocketAddress;
  readonly remote: SocketAddress;
  /** `udp:127.0.0.1:5060>127.0.0.1:5070` or the connection id for TCP/TLS. */
  readonly id: string;
}

/** A resolved next hop for a request (after RFC 3263 / routing decisions). */
export interface Destination {
  protocol: TransportProtocol;
  address: string;
  port: number;
  /** TLS only: the host name the peer's certificate must match (RFC 5922 §7.2) and the SNI
   *  name sent; when absent the certificate is checked against `address`. */
  serverName?: string;
}

/** What the transport hands to its one subscriber for every framed message. `errors` lists
 *  what the parser found wrong (the message is still delivered so a 400 can name the fault). */
export interface InboundMessage {
  message: SipMessage;
  flow: Flow;
  errors: readonly SipParseError[];
}

export type InboundHandler = (inbound: InboundMessage) => void;

/** The part of the transport layer that transactions use. */
export interface MessageSender {
  /**
   * Send a request to a destination (§18.1.1): fills the top Via's sent-by with this
   * listener's address and port when it is empty, and switches UDP to TCP when the request
   * exceeds the MTU rule (1300 bytes) and TCP is available, rewriting the Via transport.
   * Resolves with the flow used; rejects with a TransportError when sending fails.
   */
  sendRequest(request: SipMessage, destination: Destination): Promise<Flow>;
  /** Send a response by the rules of §18.2.2 (and RFC 3581), reusing `flow` when given and
   *  still open. Rejects with a TransportError when no route works. */
  sendResponse(response: SipMessage, flow?: Flow): Promise<Flow>;
  /** Whether `protocol` sends reliably (TCP/TLS): timers E/G/K/J/I change with it. */
  isReliable(protocol: TransportProtocol): boolean;
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly destination?: Destination,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}
