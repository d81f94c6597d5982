/**
 * Slim records for transactions that only absorb retransmissions until a wait timer ends:
 *
 *   INVITE server  Accepted  (RFC 6026 §8.7, Timer L): INVITE absorbed, ACK passed to the TU
 *   INVITE server  Confirmed (§17.2.1, Timer I):       ACK and INVITE absorbed
 *   non-INVITE server Completed (§17.2.2, Timer J):    final response resent per retransmission
 *   INVITE client  Accepted  (RFC 6026 §8.4, Timer M): 2xx passed to the TU
 *   INVITE client  Completed (§17.1.1.2, Timer D):     ACK resent per final retransmission
 *   non-INVITE client Completed (§17.1.2.2, Timer K):  responses absorbed
 *
 * A full transaction in these states holds the parsed request, its responses, the TU's
 * callbacks (and through them a proxy's response context) and five timers for up to 32 s —
 * ~29 KB per proxied call, which GC then has to trace. On entering such a state the
 * transaction layer files one of these records under the transaction's key instead and the
 * transaction lets go of what the state no longer needs. The record keeps only what §17 still
 * asks for: the key, the flow, the serialized final response or the ACK, the TU where a
 * message must still reach it, and its deadline. The full transaction object stays usable for
 * whoever still holds it (its `state` follows the record: Terminated once the record ends).
 *
 * A record never points back at its transaction, not even weakly: V8's scavenger keeps WeakRef
 * targets alive, so every transaction (and the messages it holds) would be promoted to the old
 * generation — measured: twice the CPU per call at 800 calls/s.
 */
import type { SipRequest } from '../sip/index.js';
import type { Destination, Flow } from '../transport/types.js';
import type { ClientTransactionUser } from './transaction-user.js';
import type { Waiting } from './wait-queue.js';

/** What a handed-over transaction reads its state from. */
export interface AbsorbState {
  readonly done: boolean;
}

export class ServerRecord implements Waiting, AbsorbState {
  deadline = 0;
  done = false;

  constructor(
    readonly key: string,
    readonly invite: boolean,
    readonly state: 'Accepted' | 'Confirmed' | 'Completed',
    /** Where the final response is resent (§18.2.2) and, in Accepted, the ACK's fallback flow. */
    readonly flow: Flow,
    /**
     * Non-INVITE Completed: the final response as sent, its octets as a latin1 string (one
     * heap object: a small Buffer would pin a whole 8 KiB pool slab), re-parsed only to resend.
     */
    readonly finalResponse: string | undefined,
  ) {}
}

export class ClientRecord implements Waiting, AbsorbState {
  deadline = 0;
  done = false;

  constructor(
    readonly key: string,
    readonly state: 'Accepted' | 'Completed',
    /** Accepted: gets every 2xx; otherwise kept only for `onTerminated` / a failed ACK. */
    readonly user: ClientTransactionUser | undefined,
    /** INVITE Completed: the ACK for the non-2xx and where it goes (§17.1.1.3). */
    readonly ack: SipRequest | undefined,
    readonly ackDestination: Destination | undefined,
  ) {}
}

export type AbsorbRecord = ServerRecord | ClientRecord;

/** Given to transactions by the layer that owns them: files `record` under the transaction's
 *  key in place of the transaction and starts its wait of `ms`. False when the layer does not
 *  track the transaction by that key (RFC 2543 matching, a stand-alone transaction). */
export type AbsorbHandler = (transaction: object, record: AbsorbRecord, ms: number) => boolean;
