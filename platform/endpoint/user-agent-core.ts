/**
 * The UA core (RFC 3261 §8, §12–§15) beside the proxy: apps originate requests through it and
 * it owns their dialogs. It sends out-of-dialog requests in client transactions (§8.1),
 * ACKs 2xx itself and absorbs their retransmissions (§13.2.2.4), CANCELs (§9.1), answers
 * INVITEs as a UAS with a dialog and 2xx retransmission (§12.1.1, §13.3.1.4), and handles
 * what arrives for its dialogs. The endpoint offers it, before its own handling:
 *
 *   new request   → handleRequest(request, tx)       (in-dialog, our dialog id)
 *   ACK for a 2xx → handleAck(ack, flow)              (our 2xx)
 *   CANCEL        → handleCancel(cancel, tx, invite)  (an INVITE we answer)
 *   stray response→ handleStrayResponse(response)     (2xx retransmission after Timer M)
 *
 * each returning true when it took the message.
 */
import {
  createUasDialog,
  destinationOf,
  dialogKey,
  nextHopOf,
  NextHopError,
  uacDialogIdOf,
  uasDialogIdOf,
  type Dialog,
} from '../dialog/index.js';
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, parseNameAddr, parseUri, type SipRequest, type SipResponse } from '../sip/index.js';
import { pushClientVia } from '../transaction/client-via.js';
import { createCancel } from '../transaction/create-cancel.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { TimerConfig } from '../transaction/timers.js';
import type { ClientTransactionUser, ServerTransaction } from '../transaction/transaction-user.js';
import type { Destination, Flow } from '../transport/types.js';
import { buildUacRequest, type UacRequestSpec } from './uac-request.js';
import { UacTransaction, type UacEvents, type UacHost } from './uac-transaction.js';
import type { ContactFactory } from './user-agent-contact.js';
import { UaDialog, type DialogHost, type ResponseOptions } from './user-agent-dialog.js';

/** The part of TransactionLayer the core uses (structural). */
export interface UaTransactionLayer {
  readonly timers: TimerConfig;
  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): unknown;
  sendStatelessRequest(request: SipRequest, destination: Destination): Promise<Flow>;
}

/** What the endpoint (or any transaction user) offers the core; each returns true when it took
 *  the message. `Endpoint` would take this as `EndpointOptions.userAgent`. */
export interface UserAgentHooks {
  handleRequest(request: SipRequest, transaction: ServerTransaction): boolean;
  handleAck(ack: SipRequest, flow: Flow): boolean;
  handleCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): boolean;
  handleStrayResponse(response: SipResponse, flow: Flow): boolean;
}

export interface UserAgentCoreOptions {
  transactions: UaTransactionLayer;
  contact: ContactFactory;
  logger: Logger;
  /** Written as User-Agent on requests we originate. */
  userAgent?: string;
}

export interface AcceptOptions extends ResponseOptions {
  /** 2xx status, default 200. */
  status?: number;
  reason?: string;
  /** Our To tag; must equal the tag of provisional responses already sent (§12.1.1). */
  toTag?: string;
}

/** Contact of a request that never leaves (its next hop did not resolve). */
const UNROUTABLE_CONTACT = '<sip:invalid.invalid>';

const IGNORE_RESPONSES: ClientTransactionUser = { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined };

export class UserAgentCore implements DialogHost, UacHost, UserAgentHooks {
  readonly logger: Logger;
  readonly #transactions: UaTransactionLayer;
  readonly #contact: ContactFactory;
  readonly #userAgent: string | undefined;
  readonly #dialogs = new Map<string, UaDialog>();
  readonly #cancelWatch = new Map<InviteServerTransaction, () => void>();

  constructor(options: UserAgentCoreOptions) {
    this.#transactions = options.transactions;
    this.#contact = options.contact;
    this.#userAgent = options.userAgent;
    this.logger = options.logger.child({ component: 'user-agent' });
  }

  get timers(): TimerConfig {
    return this.#transactions.timers;
  }

  /** Dialogs owned by this core, by dialog key. */
  get dialogs(): ReadonlyMap<string, UaDialog> {
    return this.#dialogs;
  }

  /**
   * §8.1: builds and sends an out-of-dialog request. The next hop is the first Route, else the
   * Request-URI. A target that cannot be resolved (a host name: no RFC 3263 here) settles with
   * a local 503, as a transport failure would (§8.1.3.1). A malformed spec (bad URI, ACK or
   * CANCEL as method) is the caller's bug and throws.
   */
  sendRequest(spec: UacRequestSpec, events: UacEvents = {}): UacTransaction {
    const first = spec.route?.[0];
    const hop = first !== undefined ? parseNameAddr(first).uri : parseUri(spec.uri);
    let destination: Destination | undefined;
    try {
      destination = destinationOf(hop);
    } catch (error) {
      if (!(error instanceof NextHopError)) throw error;
      this.logger.warn({ err: error, method: spec.method, uri: spec.uri }, 'request not sent: next hop unresolvable');
    }
    const contact = destination ? this.#contact(destination) : UNROUTABLE_CONTACT;
    const request = buildUacRequest(spec, contact);
    const transaction = new UacTransaction(request, contact, this, events);
    if (!destination) {
      queueMicrotask(() => transaction.onTransportError());
      return transaction;
    }
    pushClientVia(request, destination.protocol);
    if (this.#userAgent) request.addHeader('User-Agent', this.#userAgent);
    this.#transactions.sendRequest(request, destination, transaction);
    return transaction;
  }

  /**
   * §13.3.1.4 / §12.1.1: answers an INVITE we received with a 2xx that makes a dialog: our To
   * tag, the request's Record-Route copied in order, our Contact; resent until the ACK, BYE
   * after 64*T1 without one.
   */
  acceptInvite(transaction: InviteServerTransaction, options: AcceptOptions = {}): UaDialog {
    const request = transaction.request;
    const status = options.status ?? 200;
    if (status < 200 || status > 299) throw new RangeError('acceptInvite sends a 2xx');
    const tag = options.toTag ?? generateTag();
    const contact = this.contactFor(transaction.flow);
    const dialog = this.adoptDialog(createUasDialog(request, tag, contact));
    const response = createResponse(request, status, options.reason, {
      toTag: tag,
      headers: [...request.getHeaders('Record-Route').map((value) => ({ name: 'Record-Route', value })), { name: 'Contact', value: contact }, ...(options.headers ?? [])],
      ...(options.body ? { body: options.body.content, contentType: options.body.contentType } : {}),
    });
    this.#cancelWatch.delete(transaction);
    transaction.respond(response);
    dialog.awaitAck(transaction, response);
    return dialog;
  }

  /** Our Contact toward the peer of `flow` (what acceptInvite and provisional answers carry). */
  contactFor(flow: Flow): string {
    return this.#contact({ protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port });
  }

  /** A CANCEL matched to `transaction` (§9.2) is answered 200 here and reported to `onCancel`,
   *  which answers the INVITE (487). Ends with the transaction or the returned function. */
  watchCancel(transaction: InviteServerTransaction, onCancel: () => void): () => void {
    this.#cancelWatch.set(transaction, onCancel);
    transaction.addTerminationListener(() => this.#cancelWatch.delete(transaction));
    return () => {
      if (this.#cancelWatch.get(transaction) === onCancel) this.#cancelWatch.delete(transaction);
    };
  }

  // ---- hooks for the transaction user (the endpoint) ----------------------------------------

  /** §12.2.2: a request with our dialog id. False: not ours (the endpoint goes on as usual). */
  handleRequest(request: SipRequest, transaction: ServerTransaction): boolean {
    if (request.method === 'ACK' || request.method === 'CANCEL') return false;
    const dialog = this.#dialogOf(uasDialogIdOf(request));
    if (!dialog) return false;
    dialog.receiveRequest(request, transaction);
    return true;
  }

  /** An ACK for a 2xx: ours when its dialog id is one of our dialogs. */
  handleAck(ack: SipRequest, _flow?: Flow): boolean {
    const dialog = this.#dialogOf(uasDialogIdOf(ack));
    if (!dialog) return false;
    dialog.receiveAck(ack);
    return true;
  }

  /** §9.2: a CANCEL for an INVITE we are answering: 200 to the CANCEL, the owner answers 487. */
  handleCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): boolean {
    const onCancel = invite && this.#cancelWatch.get(invite);
    if (!invite || !onCancel) return false;
    this.#cancelWatch.delete(invite);
    cancelTransaction.respond(createResponse(cancel, 200));
    try {
      onCancel();
    } catch (error) {
      this.logger.error({ err: error }, 'CANCEL handler threw');
    }
    return true;
  }

  /** A 2xx to one of our INVITEs after its transaction ended (Timer M): ACK it again. */
  handleStrayResponse(response: SipResponse, _flow?: Flow): boolean {
    if (response.status < 200 || response.status > 299) return false;
    let method: string;
    try {
      method = response.cseq.method;
    } catch {
      return false;
    }
    if (method !== 'INVITE') return false;
    const dialog = this.#dialogOf(uacDialogIdOf(response));
    if (!dialog) return false;
    dialog.receive2xx(response);
    return true;
  }

  /** Stops retransmissions and forgets every dialog (shutdown; no BYE is sent). */
  close(): void {
    for (const dialog of [...this.#dialogs.values()]) dialog.end('failed', true);
    this.#dialogs.clear();
    this.#cancelWatch.clear();
  }

  // ---- DialogHost / UacHost -------------------------------------------------------------------

  dialogByKey(key: string): UaDialog | undefined {
    return this.#dialogs.get(key);
  }

  adoptDialog(dialog: Dialog): UaDialog {
    const handle = new UaDialog(dialog, this);
    this.#dialogs.set(dialog.key, handle);
    return handle;
  }

  forget(dialog: UaDialog): void {
    if (this.#dialogs.get(dialog.id) === dialog) this.#dialogs.delete(dialog.id);
  }

  sendInDialog(dialog: Dialog, request: SipRequest, user: ClientTransactionUser): void {
    const destination = destinationOf(dialog.nextHopUri);
    pushClientVia(request, destination.protocol);
    if (this.#userAgent) request.addHeader('User-Agent', this.#userAgent);
    this.#transactions.sendRequest(request, destination, user);
  }

  sendAck(dialog: Dialog, ack: SipRequest): void {
    let destination: Destination;
    try {
      destination = destinationOf(dialog.nextHopUri);
    } catch (error) {
      this.logger.warn({ err: error, callId: dialog.id.callId }, 'ACK not sent: next hop unresolvable');
      return;
    }
    // The ACK is its own transaction (§17.1.1.3): one branch, kept for its retransmissions.
    if (!ack.topVia) pushClientVia(ack, destination.protocol);
    this.#transactions.sendStatelessRequest(ack, destination).catch((error: unknown) => {
      this.logger.warn({ err: error, callId: dialog.id.callId }, 'ACK could not be sent');
    });
  }

  sendCancel(invite: SipRequest): void {
    // §9.1: same Request-URI, Call-ID, From, To, CSeq number, top Via and Route as the INVITE,
    // so it follows the INVITE and matches its server transaction.
    this.#transactions.sendRequest(createCancel(invite), nextHopOf(invite), IGNORE_RESPONSES);
  }

  #dialogOf(id: ReturnType<typeof uasDialogIdOf>): UaDialog | undefined {
    return id ? this.#dialogs.get(dialogKey(id)) : undefined;
  }
}
