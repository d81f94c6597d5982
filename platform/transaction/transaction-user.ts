/**
 * The interfaces the layer above (UA core, proxy core, dialog layer: the "TU" of RFC 3261 §17)
 * implements. This layer owns them so that imports only point down; the upper layer registers
 * itself with `TransactionLayer.setUser` (requests) or per `sendRequest` call (responses).
 */
import type { SipRequest, SipResponse } from '../sip/index.js';
import type { Flow, TransportError } from '../transport/types.js';
import type { InviteServerTransaction } from './invite-server-transaction.js';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** Receives what arrives from the network and matches no client transaction. */
export interface TransactionUser {
  /**
   * A request that matches no server transaction created a new one (§17.2). Not called for
   * ACK (see `onAck2xx`) nor CANCEL (see `onCancel`). The TU answers through
   * `transaction.respond()`; for INVITE a 100 Trying goes out by itself after 200 ms.
   */
  onRequest(request: SipRequest, transaction: ServerTransaction): void;

  /**
   * An ACK for a 2xx: it matched no transaction (§17.2.3: with a fresh branch it is its own
   * transaction, §13.2.2.4), or it matched an INVITE server transaction in Accepted, which
   * "MUST pass it directly to the TU" (RFC 6026 §8.7) — then `transaction` is that one.
   * An ACK arriving after its non-2xx transaction ended also lands here; the dialog layer
   * finds no dialog for it and drops it.
   */
  onAck2xx(ack: SipRequest, flow: Flow, transaction?: InviteServerTransaction): void;

  /**
   * A CANCEL (its own non-INVITE server transaction, §9.2) and the INVITE server transaction it
   * matched by the §17.2.3 rules with the method taken as INVITE, or `undefined`.
   * The TU answers the CANCEL (200, or 481 when `invite` is undefined, §9.2) and, when the
   * INVITE has no final response yet, answers it 487. A stateful proxy with no matching
   * response context forwards the CANCEL statelessly instead (§16.10), which is why by default
   * the layer hands unmatched CANCELs to the TU (as SIP.js and sipgo do); set
   * `answerUnmatchedCancel` on the layer to have it answer 481 itself.
   */
  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void;

  /**
   * A response that matches no client transaction (§17.1.3, §18.1.2). A UA drops it (RFC 6026
   * §7.2 removed the "pass stray 2xx to the core" rule for UAs); a proxy forwards a stray 2xx
   * to an INVITE statelessly (§16.7 step 10 as amended by RFC 6026 §8.1).
   */
  onStrayResponse(response: SipResponse, flow: Flow): void;
}

/** The TU of one client transaction. */
export interface ClientTransactionUser {
  /** Every response the transaction passes up (§17.1.1.2, §17.1.2.2), including 2xx
   *  retransmissions and 2xx from other forks while an INVITE is Accepted (RFC 6026 §8.4). */
  onResponse(response: SipResponse): void;
  /** Timer B or F fired: the TU MUST treat it as a 408 Request Timeout (§8.1.3.1). */
  onTimeout(): void;
  /**
   * The transport failed (§17.1.1.2, §17.1.2.2): the TU MUST treat it as a 503 Service
   * Unavailable (§8.1.3.1). In Completed (an ACK for a non-2xx could not be sent) the TU has
   * already seen the final response and may ignore this.
   */
  onTransportError(error: TransportError): void;
  /** The transaction entered Terminated and was removed from the layer. */
  onTerminated?(): void;
}

/** Optional observer of one server transaction, set with `transaction.setUser()`. */
export interface ServerTransactionUser {
  /** Timer H fired: no ACK came for the non-2xx final response, a transaction failure that
   *  "MUST [be indicated] to the TU" (§17.2.1). */
  onTimeout?(): void;
  /** A response could not be sent (§17.2.1, §17.2.2). Except in Accepted the transaction
   *  moves to Terminated. */
  onTransportError?(error: TransportError): void;
  /** The transaction entered Terminated and was removed from the layer. */
  onTerminated?(): void;
}
