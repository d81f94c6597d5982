/**
 * One out-of-dialog request sent by the UA core, seen from the client side (RFC 3261 §8.1.3,
 * §13.2.2): provisional and final responses go to the caller's events; for INVITE every 2xx
 * creates (or finds) its dialog and is ACKed by the core (§13.2.2.4) unless the caller defers
 * the ACK (`deferAck`: it sends the ACK with the answer to an offer in the 2xx, RFC 3264 §5),
 * a second dialog from a forked 2xx or a 2xx after CANCEL is ACKed and ended with BYE;
 * `cancel()` follows §9.1 (no CANCEL before a provisional response).
 */
import { createUacDialog, uacDialogIdOf, dialogKey } from '../dialog/index.js';
import type { Logger } from '../log/logger.js';
import { createResponse, type SipRequest, type SipResponse } from '../sip/index.js';
import type { ClientTransactionUser } from '../transaction/transaction-user.js';
import { bodyOf, credentialsOf, type UaDialog } from './user-agent-dialog.js';

export interface UacEvents {
  /** 101–199 (and 100). */
  onProvisional?(response: SipResponse): void;
  /** The final response (received, or a local 408 / 503, §8.1.3.1). For INVITE, the first 2xx
   *  only; later forks are ACKed and ended with BYE. */
  onFinal?(response: SipResponse, dialog: UaDialog | undefined): void;
  /**
   * INVITE only: the core does not ACK the first 2xx; the caller does, with
   * `dialog.acknowledge(request.cseq.seq, [], answer)` — for an INVITE sent without a body, whose
   * 2xx carries the offer and whose ACK must carry the answer (RFC 3261 §13.2.2.4, RFC 3264 §5;
   * RFC 3725 Flow I). Retransmissions of the 2xx are absorbed until then and re-ACKed with the
   * same ACK after. Without the ACK within 64*T1 (or on `dialog.abandonAck(seq)`), the core
   * ACKs with an answer declining every stream and sends BYE. Forks and 2xx after CANCEL are
   * ended that way at once.
   */
  deferAck?: boolean;
}

/** What an outgoing INVITE needs from the core. */
export interface UacHost {
  readonly logger: Logger;
  dialogByKey(key: string): UaDialog | undefined;
  /** Wrap and register a new UAC dialog. */
  adoptDialog(dialog: ReturnType<typeof createUacDialog>): UaDialog;
  /** CANCEL the INVITE in its own client transaction (§9.1). */
  sendCancel(invite: SipRequest): void;
}

export class UacTransaction implements ClientTransactionUser {
  readonly request: SipRequest;
  readonly #host: UacHost;
  readonly #events: UacEvents;
  readonly #contact: string;
  readonly #final: Promise<SipResponse>;
  #resolveFinal!: (response: SipResponse) => void;
  #finalResponse: SipResponse | undefined;
  #dialog: UaDialog | undefined;
  #local = false;
  #provisional = false;
  #cancelWanted = false;
  #cancelSent = false;

  constructor(request: SipRequest, contact: string, host: UacHost, events: UacEvents) {
    this.request = request;
    this.#contact = contact;
    this.#host = host;
    this.#events = events;
    this.#final = new Promise((resolve) => (this.#resolveFinal = resolve));
  }

  /** The final response (see UacEvents.onFinal). */
  get final(): Promise<SipResponse> {
    return this.#final;
  }

  /** The final response was made here (408 on Timer B/F, 503 on a transport failure). */
  get finalIsLocal(): boolean {
    return this.#local;
  }

  /** The dialog the (first) 2xx created, once there is one. */
  get dialog(): UaDialog | undefined {
    return this.#dialog;
  }

  /**
   * §9.1: CANCEL a pending INVITE. Before any provisional response the CANCEL "MUST NOT be
   * sent": it goes out when the first one arrives. After a final response: nothing to do.
   */
  cancel(): void {
    if (this.request.method !== 'INVITE' || this.#finalResponse || this.#cancelWanted) return;
    this.#cancelWanted = true;
    if (this.#provisional) this.#sendCancel();
  }

  onResponse(response: SipResponse): void {
    if (response.status < 200) return this.#onProvisional(response);
    if (this.request.method === 'INVITE' && response.status < 300) return this.#on2xx(response);
    // Non-2xx final: the INVITE transaction ACKs it itself (§17.1.1.3) and absorbs repeats.
    this.#settle(response, undefined);
  }

  onTimeout(): void {
    if (!this.#finalResponse) this.#local = true;
    this.#settle(createResponse(this.request, 408, 'Request Timeout'), undefined);
  }

  onTransportError(): void {
    if (!this.#finalResponse) this.#local = true;
    this.#settle(createResponse(this.request, 503, 'Service Unavailable'), undefined);
  }

  #onProvisional(response: SipResponse): void {
    if (this.#finalResponse) return;
    this.#provisional = true;
    if (this.#cancelWanted && !this.#cancelSent) this.#sendCancel();
    this.#notify(() => this.#events.onProvisional?.(response));
  }

  /** §13.2.2.4: every 2xx gets an ACK from the core; each To tag is its own dialog. */
  #on2xx(response: SipResponse): void {
    const id = uacDialogIdOf(response);
    if (!id) {
      this.#host.logger.warn({ callId: response.callId }, '2xx to our INVITE without To tag: cannot ACK (§12.1.2)');
      if (!this.#finalResponse) this.#settle(response, undefined);
      return;
    }
    const known = this.#host.dialogByKey(dialogKey(id));
    if (known) {
      known.receive2xx(response); // retransmission: ACK again
      return;
    }
    let dialog: UaDialog;
    try {
      dialog = this.#host.adoptDialog(createUacDialog(this.request, response, this.#contact));
    } catch (error) {
      this.#host.logger.warn({ err: error, callId: response.callId }, '2xx does not make a dialog; not ACKed');
      if (!this.#finalResponse) this.#settle(response, undefined);
      return;
    }
    const seq = this.request.cseq.seq;
    const deferred = this.#events.deferAck === true;
    if (deferred) dialog.deferAck(seq, credentialsOf(this.request), this.request.body.length === 0 ? bodyOf(response) : undefined);
    else dialog.acknowledge(seq, credentialsOf(this.request));
    if (this.#finalResponse || this.#cancelWanted) {
      // A second fork answered, or we cancelled and the 2xx crossed the CANCEL: "the UAC MUST
      // terminate the dialog by sending a BYE" (§13.2.2.4, §9.1 note) — after an ACK that
      // declines its offer when the ACK was deferred.
      void (deferred ? dialog.abandonAck(seq) : dialog.bye());
      if (!this.#finalResponse) this.#settle(response, undefined);
      return;
    }
    this.#dialog = dialog;
    this.#settle(response, dialog);
  }

  #sendCancel(): void {
    this.#cancelSent = true;
    try {
      this.#host.sendCancel(this.request);
    } catch (error) {
      this.#host.logger.warn({ err: error }, 'CANCEL could not be sent');
    }
  }

  #settle(response: SipResponse, dialog: UaDialog | undefined): void {
    if (this.#finalResponse) return;
    this.#finalResponse = response;
    this.#resolveFinal(response);
    this.#notify(() => this.#events.onFinal?.(response, dialog));
  }

  #notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#host.logger.error({ err: error }, 'UAC event listener threw');
    }
  }
}
