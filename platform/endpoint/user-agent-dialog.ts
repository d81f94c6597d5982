/**
 * One dialog owned by the UA core (RFC 3261 §12–§15): sends requests in it (§12.2.1), ACKs
 * every 2xx to its INVITEs and re-ACKs their retransmissions (§13.2.2.4) — or, for an INVITE
 * whose owner asked to defer the ACK (an offer in the 2xx, the answer in the ACK: RFC 3264 §5,
 * RFC 3725 Flow I), waits for the owner's ACK body up to 64*T1, then ACKs with a declining
 * answer and sends BYE (§13.2.2.4 "MUST generate a valid answer in the ACK and then send a BYE
 * immediately") — answers requests
 * that arrive in it (§12.2.2: CSeq order; BYE → 200, §15.1.2; the rest to listeners), resends
 * its own 2xx to an INVITE until the ACK comes (§13.3.1.4) and ends with BYE (§15).
 */
import type { Dialog, DialogState } from '../dialog/index.js';
import { AnswerRetransmitter, rejectingAnswer } from '../dialog/index.js';
import type { Logger } from '../log/logger.js';
import { createResponse, type HeaderField, type SipRequest, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { ClientTransactionUser, ServerTransaction } from '../transaction/transaction-user.js';

/** Why a dialog ended. */
import type { DialogEndReason } from '../services/user-agent.js';
export type { DialogEndReason };

export interface MessageBody {
  contentType: string;
  content: string | Buffer;
}

export interface ResponseOptions {
  headers?: HeaderField[];
  body?: MessageBody;
}

/** A request that arrived in a dialog, for a listener to answer (exactly once). */
export interface InDialogRequest {
  readonly request: SipRequest;
  /** A 2xx to a re-INVITE (or UPDATE) carries our Contact; a 2xx to a re-INVITE is resent
   *  until its ACK arrives (§13.3.1.4). */
  respond(status: number, reason?: string, options?: ResponseOptions): void;
  readonly answered: boolean;
}

export type InDialogListener = (incoming: InDialogRequest) => void;

export interface InDialogSendOptions extends ResponseOptions {
  /** Provisional responses (re-INVITE 180/183 …). */
  onProvisional?(response: SipResponse): void;
}

/** What a dialog needs from the core that owns it. */
export interface DialogHost {
  readonly timers: { readonly T1: number; readonly T2: number };
  readonly logger: Logger;
  /** Push a Via and start a client transaction toward the dialog's next hop. Throws when the
   *  next hop cannot be resolved. */
  sendInDialog(dialog: Dialog, request: SipRequest, user: ClientTransactionUser): void;
  /** Send a 2xx ACK toward the dialog's next hop, statelessly (§13.2.2.4, §17.1.1.3). */
  sendAck(dialog: Dialog, ack: SipRequest): void;
  /** A CANCEL for this INVITE server transaction goes to `onCancel` (§9.2). */
  watchCancel(transaction: InviteServerTransaction, onCancel: () => void): () => void;
  /** The dialog ended and its last transaction is done: drop it from the table. */
  forget(dialog: UaDialog): void;
}

interface DeferredAck {
  /** The INVITE's Authorization / Proxy-Authorization, carried by the ACK (§13.2.2.4). */
  headers: HeaderField[];
  /** The 2xx's offer, declined if the core must ACK it itself. */
  offer: MessageBody | undefined;
  timer: NodeJS.Timeout;
}

/** Methods a UA answers 200 by default in a dialog when nobody listens. */
const DEFAULT_OK = new Set(['INFO', 'OPTIONS']);
/** Offer/answer requests refused by default (no session logic to accept a new offer). */
const DEFAULT_NOT_ACCEPTABLE = new Set(['INVITE', 'UPDATE']);

export class UaDialog {
  readonly dialog: Dialog;
  readonly #host: DialogHost;
  readonly #requestListeners = new Set<InDialogListener>();
  readonly #endListeners = new Set<(reason: DialogEndReason) => void>();
  readonly #ackListeners = new Set<(ack: SipRequest) => void>();
  /** ACKs sent, by the CSeq of the INVITE they acknowledge: resent on 2xx retransmissions. */
  readonly #acks = new Map<number, SipRequest>();
  /** 2xx to our INVITEs whose ACK the owner sends later (deferAck), by CSeq. */
  readonly #deferred = new Map<number, DeferredAck>();
  /** Our 2xx to an INVITE awaiting its ACK, by CSeq. */
  readonly #awaitingAck = new Map<number, AnswerRetransmitter>();
  /** Requests received in the dialog that have no final response yet. */
  readonly #unanswered = new Set<InDialogRequest>();
  #endReason: DialogEndReason | undefined;
  #pendingBye: Promise<SipResponse | undefined> | undefined;

  constructor(dialog: Dialog, host: DialogHost) {
    this.dialog = dialog;
    this.#host = host;
  }

  /** The dialog id as one string (Call-ID, local tag, remote tag). */
  get id(): string {
    return this.dialog.key;
  }

  get state(): DialogState {
    return this.dialog.state;
  }

  get endReason(): DialogEndReason | undefined {
    return this.#endReason;
  }

  /** Requests arriving in the dialog (BYE is answered by the core and reported via onEnd). */
  onRequest(listener: InDialogListener): () => void {
    this.#requestListeners.add(listener);
    return () => this.#requestListeners.delete(listener);
  }

  /** The ACK for one of our 2xx arrived (the first one; §13.3.1.4). It may carry the answer. */
  onAck(listener: (ack: SipRequest) => void): () => void {
    this.#ackListeners.add(listener);
    return () => this.#ackListeners.delete(listener);
  }

  onEnd(listener: (reason: DialogEndReason) => void): () => void {
    if (this.#endReason !== undefined) {
      const reason = this.#endReason;
      queueMicrotask(() => listener(reason));
      return () => undefined;
    }
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /**
   * Sends `method` in the dialog (§12.2.1.1) and resolves with its final response (a local 408
   * on Timer B/F, 503 on a transport failure, §8.1.3.1). A 2xx to a re-INVITE is ACKed here.
   * §12.2.1.2: a 481 or 408 to a request in the dialog terminates it.
   */
  request(method: string, options: InDialogSendOptions = {}): Promise<SipResponse> {
    const upper = method.toUpperCase();
    if (upper === 'BYE') {
      return this.bye().then((response) => response ?? Promise.reject(new Error('the dialog has ended')));
    }
    if (this.#endReason !== undefined) return Promise.reject(new Error('the dialog has ended'));
    const request = this.dialog.createRequest(upper, { ...(options.headers ? { headers: options.headers } : {}), ...(options.body ? { body: options.body } : {}) });
    return this.#send(request, options.onProvisional).then((response) => {
      if (response.status === 481 || response.status === 408) this.end('failed', true);
      return response;
    });
  }

  /**
   * §15.1.1: sends BYE; the session is over for us as soon as it is handed to its transaction
   * (onEnd fires with `local-bye` at once); the dialog leaves the table when the BYE completes.
   * Calling it again returns the same promise; undefined when the peer ended the dialog first.
   */
  bye(): Promise<SipResponse | undefined> {
    return this.#bye('local-bye');
  }

  #bye(reason: DialogEndReason): Promise<SipResponse | undefined> {
    if (this.#pendingBye) return this.#pendingBye;
    if (this.#endReason !== undefined) return Promise.resolve(undefined);
    let request: SipRequest;
    try {
      request = this.dialog.createRequest('BYE');
    } catch {
      return Promise.resolve(undefined);
    }
    this.#pendingBye = this.#send(request).finally(() => this.#host.forget(this));
    this.end(reason, false);
    return this.#pendingBye;
  }

  // ---- from the core ------------------------------------------------------------------------

  /** A request whose dialog id is ours (§12.2.2). */
  receiveRequest(request: SipRequest, transaction: ServerTransaction): void {
    const reply = (status: number, reason?: string): void => transaction.respond(createResponse(request, status, reason));
    if (this.#endReason !== undefined) {
      // A BYE crossing ours is answered 200 (§15.1.2 "the same as any other"); the rest 481.
      reply(request.method === 'BYE' ? 200 : 481);
      return;
    }
    if (!this.dialog.acceptRemoteSeq(request)) {
      reply(500, 'Out of Order'); // §12.2.2: lower CSeq than the remote sequence number
      return;
    }
    if (request.method === 'BYE') {
      // §15.1.2: 2xx to the BYE; requests of the dialog still unanswered (a re-INVITE being
      // relayed …) "MUST still" be answered: 487, as RECOMMENDED there.
      reply(200);
      for (const pending of [...this.#unanswered]) pending.respond(487);
      this.end('remote-bye', true);
      return;
    }
    if (request.method === 'INVITE' || request.method === 'UPDATE') this.dialog.refreshTarget(request);
    const incoming = this.#incoming(request, transaction);
    if (this.#requestListeners.size === 0) {
      incoming.respond(DEFAULT_OK.has(request.method) ? 200 : DEFAULT_NOT_ACCEPTABLE.has(request.method) ? 488 : 501);
      return;
    }
    for (const listener of this.#requestListeners) {
      try {
        listener(incoming);
      } catch (error) {
        this.#host.logger.error({ err: error, method: request.method }, 'in-dialog request listener threw');
      }
    }
  }

  /** An ACK for one of our 2xx (§13.3.1.4: stop retransmitting). */
  receiveAck(ack: SipRequest): void {
    const seq = ack.cseq.seq;
    const waiting = this.#awaitingAck.get(seq);
    if (!waiting) return; // ACK retransmission, or for a 2xx we no longer resend
    waiting.stop();
    this.#awaitingAck.delete(seq);
    this.dialog.confirm();
    for (const listener of [...this.#ackListeners]) {
      try {
        listener(ack);
      } catch (error) {
        this.#host.logger.error({ err: error }, 'ACK listener threw');
      }
    }
  }

  /** A 2xx for one of our INVITEs, again (§13.2.2.4: "retransmit the ACK"). True when known.
   *  While the owner defers the ACK, the retransmission is absorbed: the ACK is not ready. */
  receive2xx(response: SipResponse): boolean {
    const seq = response.cseq.seq;
    const ack = this.#acks.get(seq);
    if (ack) {
      this.#host.sendAck(this.dialog, ack);
      return true;
    }
    return this.#deferred.has(seq);
  }

  /**
   * ACK the 2xx to our INVITE with CSeq `seq` (once; later calls resend the same ACK) and
   * remember it for retransmissions of the 2xx. `body`: the answer when the 2xx carried the
   * offer (RFC 3264 §5, §13.2.2.4). For a deferred ACK, the INVITE's credentials are added.
   */
  acknowledge(seq: number, headers: HeaderField[] = [], body?: MessageBody): void {
    let ack = this.#acks.get(seq);
    if (!ack) {
      const deferred = this.#deferred.get(seq);
      if (deferred) {
        clearTimeout(deferred.timer);
        this.#deferred.delete(seq);
      }
      ack = this.dialog.createAck(seq, { headers: [...(deferred?.headers ?? []), ...headers], ...(body ? { body } : {}) });
      this.#acks.set(seq, ack);
    }
    this.#host.sendAck(this.dialog, ack);
  }

  /**
   * The owner of the INVITE with CSeq `seq` will ACK its 2xx itself (`acknowledge` with the
   * answer). `offer`: the 2xx's body when it is an offer (the INVITE had none). Without the ACK
   * within 64*T1 — the time the peer resends its 2xx (§13.3.1.4) — the core gives up
   * (`abandonAck`) and the dialog ends with `ack-timeout`.
   */
  deferAck(seq: number, credentials: HeaderField[], offer: MessageBody | undefined): void {
    if (this.#acks.has(seq) || this.#deferred.has(seq)) return;
    const timer = setTimeout(() => {
      this.#host.logger.info({ callId: this.dialog.id.callId }, 'the deferred ACK did not come within 64*T1: ACK and BYE (§13.2.2.4)');
      void this.#abandon(seq, 'ack-timeout');
    }, 64 * this.#host.timers.T1);
    timer.unref();
    this.#deferred.set(seq, { headers: credentials, offer, timer });
  }

  /** Whether the 2xx to our INVITE `seq` still waits for the owner's ACK. */
  ackDeferred(seq: number): boolean {
    return this.#deferred.has(seq);
  }

  /**
   * §13.2.2.4: the owner cannot answer the offer of the 2xx to `seq` (its other leg failed …):
   * ACK with a valid answer declining every stream (RFC 3264 §6), then BYE. Without a deferred
   * ACK pending, just BYE.
   */
  abandonAck(seq: number): Promise<SipResponse | undefined> {
    return this.#abandon(seq, 'local-bye');
  }

  #abandon(seq: number, reason: DialogEndReason): Promise<SipResponse | undefined> {
    const deferred = this.#deferred.get(seq);
    if (deferred && this.#endReason === undefined) {
      const answer = deferred.offer ? rejectingAnswer(deferred.offer) : undefined;
      this.acknowledge(seq, [], answer);
    }
    return this.#bye(reason);
  }

  /** We sent a 2xx to an INVITE in (or creating) this dialog: resend it until the ACK (§13.3.1.4). */
  awaitAck(transaction: InviteServerTransaction, response: SipResponse): void {
    const seq = transaction.request.cseq.seq;
    const retransmitter = new AnswerRetransmitter({
      T1: this.#host.timers.T1,
      T2: this.#host.timers.T2,
      reliable: transaction.reliable,
      resend: () => transaction.respond(response),
      onAckTimeout: () => {
        this.#awaitingAck.delete(seq);
        this.#host.logger.info({ callId: this.dialog.id.callId }, 'no ACK for our 2xx within 64*T1: ending the session (§13.3.1.4)');
        void this.#bye('ack-timeout');
      },
    });
    this.#awaitingAck.get(seq)?.stop();
    this.#awaitingAck.set(seq, retransmitter);
    retransmitter.start();
  }

  /** Marks the dialog over and tells listeners once. `forget`: leave the core's table now. */
  end(reason: DialogEndReason, forget: boolean): void {
    if (this.#endReason !== undefined) return;
    this.#endReason = reason;
    this.dialog.terminate();
    for (const retransmitter of this.#awaitingAck.values()) retransmitter.stop();
    this.#awaitingAck.clear();
    for (const deferred of this.#deferred.values()) clearTimeout(deferred.timer);
    this.#deferred.clear();
    if (forget) this.#host.forget(this);
    for (const listener of [...this.#endListeners]) {
      try {
        listener(reason);
      } catch (error) {
        this.#host.logger.error({ err: error }, 'dialog end listener threw');
      }
    }
    this.#endListeners.clear();
  }

  #incoming(request: SipRequest, transaction: ServerTransaction): InDialogRequest {
    let answered = false;
    const stopWatching =
      request.method === 'INVITE' && transaction.kind === 'invite-server'
        ? this.#host.watchCancel(transaction, () => {
            // §9.2: the CANCEL was answered 200 by the core; the re-INVITE gets 487.
            if (!answered) respond(487);
          })
        : () => undefined;
    const respond = (status: number, reason?: string, options: ResponseOptions = {}): void => {
      if (answered) return;
      if (status >= 200) {
        answered = true;
        stopWatching();
        this.#unanswered.delete(incoming);
      }
      const headers = [...(options.headers ?? [])];
      const refresh = request.method === 'INVITE' || request.method === 'UPDATE';
      if (refresh && status >= 200 && status < 300) headers.push({ name: 'Contact', value: this.dialog.localContact });
      const response = createResponse(request, status, reason, {
        headers,
        ...(options.body ? { body: options.body.content, contentType: options.body.contentType } : {}),
      });
      try {
        transaction.respond(response);
      } catch (error) {
        this.#host.logger.warn({ err: error, status, method: request.method }, 'in-dialog response not sent');
        return;
      }
      if (request.method === 'INVITE' && status >= 200 && status < 300 && transaction.kind === 'invite-server') this.awaitAck(transaction, response);
    };
    const incoming: InDialogRequest = {
      request,
      respond,
      get answered() {
        return answered;
      },
    };
    this.#unanswered.add(incoming);
    return incoming;
  }

  #send(request: SipRequest, onProvisional?: (response: SipResponse) => void): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve) => {
      let settled = false;
      const settle = (response: SipResponse): void => {
        if (settled) return;
        settled = true;
        resolve(response);
      };
      const seq = request.cseq.seq;
      const user: ClientTransactionUser = {
        onResponse: (response) => {
          if (response.status < 200) {
            if (!settled) onProvisional?.(response);
            return;
          }
          if (request.method === 'INVITE' && response.status < 300) {
            // §13.2.2.4 for every 2xx (retransmissions included); §12.2.1.2 target refresh.
            if (!settled) this.dialog.refreshTarget(response);
            this.acknowledge(seq, credentialsOf(request));
          }
          settle(response);
        },
        onTimeout: () => settle(createResponse(request, 408, 'Request Timeout')),
        onTransportError: () => settle(createResponse(request, 503, 'Service Unavailable')),
      };
      try {
        this.#host.sendInDialog(this.dialog, request, user);
      } catch (error) {
        this.#host.logger.warn({ err: error, method: request.method }, 'in-dialog request could not be sent');
        settle(createResponse(request, 503, 'Service Unavailable'));
      }
    });
  }
}

/** §13.2.2.4: the ACK carries the INVITE's Authorization / Proxy-Authorization. */
export function credentialsOf(request: SipRequest): HeaderField[] {
  return request.headerFields.filter((field) => /^(authorization|proxy-authorization)$/i.test(field.name)).map((field) => ({ ...field }));
}

/** A message's body with its Content-Type, or undefined when it has none. */
export function bodyOf(message: { body: Buffer; getHeader(name: string): string | undefined }): MessageBody | undefined {
  if (message.body.length === 0) return undefined;
  return { contentType: message.getHeader('Content-Type') ?? 'application/octet-stream', content: message.body };
}
