/**
 * The transaction layer (RFC 3261 §17): the transport's one subscriber, the owner of every
 * client and server transaction, and the matcher between them and the messages that arrive.
 *
 *   inbound request  → parse errors? stateless 400/505 (never for ACK)
 *                    → matches a server transaction (§17.2.3, RFC 2543 fallback)? it absorbs it
 *                    → ACK: to its INVITE transaction, else `onAck2xx`
 *                    → CANCEL: own transaction + the INVITE it targets (§9.2), `onCancel`
 *                    → else a new server transaction, `onRequest`
 *   inbound response → parse errors? dropped
 *                    → matches a client transaction (§17.1.3)? it handles it
 *                    → else `onStrayResponse`
 *
 * Transactions leave the tables the moment they enter Terminated, so `size` only counts live ones.
 * A transaction that only waits out a timer (absorbing retransmissions) is replaced in its table
 * by a slim record (absorb-record.ts) that this layer runs with one timer queue per duration.
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, parseMessage, SipRequest, SipResponse, type SipParseError } from '../sip/index.js';
import { ClientRecord, ServerRecord, type AbsorbRecord } from './absorb-record.js';
import type { Destination, Flow, InboundMessage, MessageSender } from '../transport/types.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction, type AckReceiver } from './invite-server-transaction.js';
import {
  branchOf,
  cancelMatchesRfc2543,
  clientKeyOfResponse,
  clientTransactionKey,
  isRfc3261Branch,
  matchesRfc2543,
  rfc2543Bucket,
  serverTransactionKey,
  tagOf,
} from './matching.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { createParseErrorResponse } from './stateless-error-response.js';
import { resolveTimerConfig, type TimerConfig } from './timers.js';
import { toTransportError, type TransactionContext } from './transaction.js';
import type { ClientTransactionUser, ServerTransaction, TransactionUser } from './transaction-user.js';
import { WaitQueues } from './wait-queue.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/**
 * Parse faults this layer can work around instead of answering 400. A branch that is only the
 * magic cookie (RFC 4475 §3.2.1) "MAY" be rejected or matched the RFC 2543 way; matching it
 * the 2543 way (`isRfc3261Branch` says no) keeps old or sloppy peers working.
 */
const RECOVERABLE_REQUEST_FAULTS: ReadonlySet<string> = new Set(['bad-branch']);

export interface TransactionLayerOptions {
  sender: MessageSender;
  logger: Logger;
  /** T1, T2, T4 for this layer only (defaults 500, 4000, 5000 ms). */
  timers?: Partial<TimerConfig>;
  /** The TU; may also be set later with `setUser` (before the transport starts delivering). */
  user?: TransactionUser;
  /**
   * When true, a CANCEL that matches no INVITE server transaction is answered 481 here and
   * the TU never sees it. Default false: the TU gets `onCancel(…, undefined)` and decides — a
   * UAS answers 481 (§9.2), a stateful proxy forwards it statelessly (§16.10).
   */
  answerUnmatchedCancel?: boolean;
}

export class TransactionLayer {
  readonly timers: TimerConfig;
  readonly #sender: MessageSender;
  readonly #logger: Logger;
  readonly #context: TransactionContext;
  readonly #answerUnmatchedCancel: boolean;
  #user: TransactionUser | undefined;
  /** §17.1.3 key (branch + CSeq method) → client transaction, or its slim record. */
  readonly #clients = new Map<string, ClientTransaction | ClientRecord>();
  /** §17.2.3 key (branch + sent-by + method) → server transaction, or its slim record. */
  readonly #servers = new Map<string, ServerTransaction | ServerRecord>();
  /** Deadlines of the slim records (Timers D, I, J, K, L, M). */
  readonly #waits = new WaitQueues<AbsorbRecord>((record) => this.#expire(record));
  /** RFC 2543 server transactions, filed by Call-ID, CSeq number and From tag. */
  readonly #rfc2543 = new Map<string, Set<ServerTransaction>>();
  #rfc2543Count = 0;
  #rfc2543Ids = 0;
  // Shared by every transaction instead of closures per transaction (memory per ringing call);
  // a keyed transaction's id is its table key.
  readonly #dropClient = (transaction: ClientTransaction): void => {
    if (this.#clients.get(transaction.id) === transaction) this.#clients.delete(transaction.id);
  };
  readonly #dropServer = (transaction: ServerTransaction): void => {
    if (this.#servers.get(transaction.id) === transaction) this.#servers.delete(transaction.id);
  };
  readonly #ackReceiver: AckReceiver = (ack, flow, invite) => this.#user?.onAck2xx(ack, flow, invite);

  constructor(options: TransactionLayerOptions) {
    this.timers = resolveTimerConfig(options.timers);
    this.#sender = options.sender;
    this.#logger = options.logger.child({ layer: 'transaction' });
    this.#user = options.user;
    this.#answerUnmatchedCancel = options.answerUnmatchedCancel ?? false;
    this.#context = {
      sender: this.#sender,
      timers: this.timers,
      logger: this.#logger,
      absorb: (transaction, record, ms) => this.#absorb(transaction, record, ms),
      absorbEnded: (record) => this.#endRecord(record),
    };
  }

  setUser(user: TransactionUser): void {
    this.#user = user;
  }

  /** Live transactions, client and server. */
  get size(): number {
    return this.#clients.size + this.#servers.size + this.#rfc2543Count;
  }

  /**
   * The transport's subscriber (pass it as the `InboundHandler`). Never throws: a failure
   * while handling one message is logged and must not stop the transport.
   */
  readonly handleInbound = (inbound: InboundMessage): void => {
    try {
      const { message, flow, errors } = inbound;
      if (message instanceof SipResponse) {
        if (errors.length > 0) {
          // §18.1.2 / RFC 4475 §3.1.2.5: a malformed response is discarded, never answered.
          this.#logger.warn({ flow: flow.id, errors }, 'malformed response dropped');
          return;
        }
        this.#receiveResponse(message, flow);
      } else if (message instanceof SipRequest) {
        if (errors.length > 0) {
          const faults = errors.filter((error) => !RECOVERABLE_REQUEST_FAULTS.has(error.code));
          if (faults.length > 0) return this.#rejectMalformed(message, flow, faults);
        }
        this.#receiveRequest(message, flow);
      }
    } catch (error) {
      this.#logger.error({ err: error, flow: inbound.flow.id }, 'inbound message could not be handled');
    }
  };

  /**
   * Starts a client transaction (§17.1) for `request`, whose top Via must already carry a fresh
   * RFC 3261 branch (`z9hG4bK` + unique, e.g. from `generateBranch()`; see `pushClientVia`).
   * INVITE gets an INVITE client transaction, anything else a non-INVITE one. ACK is refused:
   * the ACK for a non-2xx is sent by the INVITE transaction, the ACK for a 2xx statelessly by
   * the dialog layer (§13.2.2.4) with `sendStatelessRequest`.
   */
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    if (request.method === 'ACK') {
      throw new Error('ACK is not sent in a client transaction: use sendStatelessRequest (§17.1.1.3, §13.2.2.4)');
    }
    const branch = branchOf(request.topVia);
    if (!isRfc3261Branch(branch)) {
      throw new Error(`a client transaction needs a top Via with a unique RFC 3261 branch (z9hG4bK…), got ${branch ?? 'none'}`);
    }
    const key = clientTransactionKey(branch, request.method);
    if (this.#clients.has(key)) throw new Error(`a client transaction with branch ${branch} and method ${request.method} already exists`);
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, destination, user, this.#context)
        : new NonInviteClientTransaction(key, request, destination, user, this.#context);
    this.#clients.set(key, transaction);
    transaction.addTerminationListener(this.#dropClient);
    transaction.start();
    return transaction;
  }

  /** Sends a request outside any transaction: the ACK for a 2xx (§13.2.2.4), or a request a
   *  proxy forwards statelessly (§16.11). Rejects with a TransportError. */
  sendStatelessRequest(request: SipRequest, destination: Destination): Promise<Flow> {
    return this.#sender.sendRequest(request, destination);
  }

  /** Sends a response outside any transaction: a stray 2xx a proxy forwards (RFC 6026 §8.1), a
   *  2xx a UAS core retransmits after Timer L (§13.3.1.4). Rejects with a TransportError. */
  sendStatelessResponse(response: SipResponse, flow?: Flow): Promise<Flow> {
    return this.#sender.sendResponse(response, flow);
  }

  /** Ends every transaction without telling TUs (shutdown). Timers stop; `size` becomes 0. */
  close(): void {
    const all: Array<ClientTransaction | ServerTransaction | AbsorbRecord> = [...this.#clients.values(), ...this.#servers.values()];
    for (const bucket of this.#rfc2543.values()) all.push(...bucket);
    for (const transaction of all) {
      if (transaction instanceof ClientRecord || transaction instanceof ServerRecord) transaction.done = true;
      else transaction.dispose();
    }
    this.#waits.clear();
    this.#clients.clear();
    this.#servers.clear();
    this.#rfc2543.clear();
    this.#rfc2543Count = 0;
  }

  #receiveResponse(response: SipResponse, flow: Flow): void {
    const key = clientKeyOfResponse(response);
    const transaction = key === undefined ? undefined : this.#clients.get(key);
    if (transaction instanceof ClientRecord) {
      if (!transaction.done) return this.#recordResponse(transaction, response);
    } else if (transaction) {
      return transaction.receiveResponse(response);
    }
    if (!this.#user) {
      this.#logger.warn({ status: response.status, flow: flow.id }, 'stray response dropped: no transaction user');
      return;
    }
    this.#user.onStrayResponse(response, flow);
  }

  #receiveRequest(request: SipRequest, flow: Flow): void {
    if (request.method === 'ACK') return this.#receiveAck(request, flow);
    const existing = this.#findServerTransaction(request);
    if (existing instanceof ServerRecord) return this.#recordRequest(existing, request);
    if (existing) return existing.receiveRequest(request);
    const user = this.#user;
    if (!user) {
      this.#logger.warn({ method: request.method, flow: flow.id }, 'request dropped: no transaction user');
      return;
    }
    if (request.method === 'CANCEL') return this.#receiveCancel(request, flow, user);
    const transaction = this.#createServerTransaction(request, flow);
    this.#callUser(transaction, () => user.onRequest(request, transaction));
  }

  /** §17.2.3: an ACK with the INVITE's branch belongs to that INVITE transaction (Completed →
   *  Confirmed, or to the TU in Accepted). Anything else is an ACK for a 2xx: the TU's. */
  #receiveAck(ack: SipRequest, flow: Flow): void {
    const transaction = this.#findServerTransaction(ack);
    if (transaction instanceof InviteServerTransaction) return transaction.receiveAckRequest(ack, flow);
    if (transaction instanceof ServerRecord && transaction.invite) {
      // Confirmed absorbs ACKs (§17.2.1); Accepted passes them to the TU (RFC 6026 §8.7).
      if (transaction.state !== 'Accepted') return;
      // The record does not name its transaction (absorb-record.ts): the TU gets no `transaction`.
      if (!this.#user) return;
      return this.#user.onAck2xx(ack, flow);
    }
    if (!this.#user) {
      this.#logger.warn({ flow: flow.id }, 'ACK dropped: no transaction user');
      return;
    }
    this.#user.onAck2xx(ack, flow);
  }

  /** §9.2: a CANCEL is a transaction of its own; the INVITE it cancels is found by the §17.2.3
   *  rules with the method taken as INVITE. */
  #receiveCancel(cancel: SipRequest, flow: Flow, user: TransactionUser): void {
    const cancelTransaction = this.#createServerTransaction(cancel, flow) as NonInviteServerTransaction;
    const invite = this.#findInviteForCancel(cancel);
    if (invite instanceof ServerRecord) {
      // §9.2: the INVITE already has its final response, so the CANCEL "has no effect" on it and
      // is answered 200 — what a UAS core and a proxy (§16.10, no response context) both do.
      cancelTransaction.respond(createResponse(cancel, 200));
      return;
    }
    if (!invite && this.#answerUnmatchedCancel) {
      // §9.2: "If the UAS did not find a matching transaction for the CANCEL ... it SHOULD
      // respond to the CANCEL with a 481 (Call Leg/Transaction Does Not Exist)."
      cancelTransaction.respond(createResponse(cancel, 481, undefined, { toTag: generateTag() }));
      return;
    }
    this.#callUser(cancelTransaction, () => user.onCancel(cancel, cancelTransaction, invite));
  }

  #findServerTransaction(request: SipRequest): ServerTransaction | ServerRecord | undefined {
    const key = serverTransactionKey(request);
    if (key !== undefined) {
      const found = this.#servers.get(key);
      return found instanceof ServerRecord && found.done ? undefined : found;
    }
    for (const candidate of this.#rfc2543.get(rfc2543Bucket(request)) ?? []) {
      const sentToTag = candidate instanceof InviteServerTransaction && candidate.finalResponse ? tagOf(candidate.finalResponse, 'to') : undefined;
      if (matchesRfc2543(candidate.request, request, sentToTag)) return candidate;
    }
    return undefined;
  }

  #findInviteForCancel(cancel: SipRequest): InviteServerTransaction | ServerRecord | undefined {
    const key = serverTransactionKey(cancel, 'INVITE');
    if (key !== undefined) {
      const transaction = this.#servers.get(key);
      if (transaction instanceof ServerRecord) return transaction.done || !transaction.invite ? undefined : transaction;
      return transaction instanceof InviteServerTransaction ? transaction : undefined;
    }
    for (const candidate of this.#rfc2543.get(rfc2543Bucket(cancel)) ?? []) {
      if (candidate instanceof InviteServerTransaction && cancelMatchesRfc2543(candidate.request, cancel)) return candidate;
    }
    return undefined;
  }

  #createServerTransaction(request: SipRequest, flow: Flow): ServerTransaction {
    const key = serverTransactionKey(request);
    const id = key ?? `rfc2543:${++this.#rfc2543Ids}`;
    const transaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(id, request, flow, this.#context, this.#ackReceiver)
        : new NonInviteServerTransaction(id, request, flow, this.#context);
    if (key !== undefined) {
      this.#servers.set(key, transaction);
      transaction.addTerminationListener(this.#dropServer);
    } else {
      this.#addRfc2543(rfc2543Bucket(request), transaction);
    }
    if (transaction instanceof InviteServerTransaction) transaction.start();
    return transaction;
  }

  /** The AbsorbHandler given to transactions (absorb-record.ts): the record replaces the
   *  transaction in its table and waits `ms`. */
  #absorb(transaction: object, record: AbsorbRecord, ms: number): boolean {
    const table: Map<string, unknown> = record instanceof ClientRecord ? this.#clients : this.#servers;
    if (table.get(record.key) !== transaction) return false;
    table.set(record.key, record);
    this.#waits.add(record, ms);
    return true;
  }

  /** A slim record's timer fired: Timer D, I, J, K, L or M — the transaction is over. */
  #expire(record: AbsorbRecord): void {
    // A record that ended early (transport error) may still sit in its table: remove it now.
    const endedEarly = record.done;
    this.#endRecord(record);
    if (endedEarly) return;
    const user = record instanceof ClientRecord ? record.user : undefined;
    if (user?.onTerminated) this.#notify(() => user.onTerminated?.(), 'onTerminated');
  }

  #endRecord(record: AbsorbRecord): void {
    record.done = true;
    const table: Map<string, unknown> = record instanceof ClientRecord ? this.#clients : this.#servers;
    if (table.get(record.key) === record) table.delete(record.key);
  }

  /** A retransmitted request for a slim server record: §17.2.2 Completed resends the final
   *  response; INVITE in Accepted or Confirmed absorbs it (RFC 6026 §8.7, §17.2.1). */
  #recordRequest(record: ServerRecord, request: SipRequest): void {
    if (record.state !== 'Completed' || record.invite || record.finalResponse === undefined) return;
    // Re-parsed only now: retransmissions are rare, and the record keeps octets, not a message.
    const { message } = parseMessage(Buffer.from(record.finalResponse, 'latin1'));
    if (!message) return;
    this.#sender.sendResponse(message, record.flow).catch((failure: unknown) => {
      // §17.2.4: a transport failure ends the transaction (its TU, if any, is gone already).
      this.#logger.warn({ err: toTransportError(failure) }, 'transport error resending a final response, transaction terminated');
      this.#endRecord(record);
    });
  }

  /** A response for a slim client record: 2xx to the TU in Accepted (RFC 6026 §8.4); in
   *  Completed the ACK is resent for an INVITE's final retransmission (§17.1.1.2), everything
   *  else absorbed (§17.1.2.2). */
  #recordResponse(record: ClientRecord, response: SipResponse): void {
    if (record.state === 'Accepted') {
      const user = record.user;
      if (user && response.status >= 200 && response.status < 300) this.#notify(() => user.onResponse(response), 'onResponse');
      return;
    }
    const { ack, ackDestination } = record;
    if (!ack || !ackDestination || response.status < 300) return;
    this.#sender.sendRequest(ack, ackDestination).catch((failure: unknown) => {
      this.#endRecord(record);
      const error = toTransportError(failure, ackDestination);
      const user = record.user;
      if (user) this.#notify(() => user.onTransportError(error), 'onTransportError');
    });
  }

  #notify(call: () => void, callback: string): void {
    try {
      call();
    } catch (error) {
      this.#logger.error({ err: error, callback }, 'transaction user callback threw');
    }
  }

  #addRfc2543(bucketKey: string, transaction: ServerTransaction): void {
    let bucket = this.#rfc2543.get(bucketKey);
    if (!bucket) this.#rfc2543.set(bucketKey, (bucket = new Set()));
    bucket.add(transaction);
    this.#rfc2543Count++;
    transaction.addTerminationListener(() => {
      const current = this.#rfc2543.get(bucketKey);
      if (!current?.delete(transaction)) return;
      this.#rfc2543Count--;
      if (current.size === 0) this.#rfc2543.delete(bucketKey);
    });
  }

  /** A TU that throws while handling a new request leaves it unanswered, and an unanswered
   *  server transaction never ends: answer 500 for it (§21.5.1), as drachtio's default does. */
  #callUser(transaction: ServerTransaction, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger.error({ err: error, method: transaction.request.method }, 'transaction user threw; answering 500');
      const unanswered = transaction.finalResponse === undefined && !transaction.terminated;
      if (unanswered) transaction.respond(createResponse(transaction.request, 500, undefined, { toTag: generateTag() }));
    }
  }

  #rejectMalformed(request: SipRequest, flow: Flow, errors: readonly SipParseError[]): void {
    const result = createParseErrorResponse(request, errors);
    if (result.kind === 'drop') {
      this.#logger.warn({ flow: flow.id, errors, why: result.reason }, 'malformed request dropped');
      return;
    }
    this.#logger.info({ flow: flow.id, status: result.error.status, reason: result.error.reason }, 'malformed request answered statelessly');
    this.#sender.sendResponse(result.response, flow).catch((error: unknown) => {
      this.#logger.warn({ err: error, flow: flow.id }, 'stateless error response could not be sent');
    });
  }
}
