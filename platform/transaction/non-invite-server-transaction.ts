/**
 * Non-INVITE server transaction: RFC 3261 §17.2.2 (Figure 8).
 *
 *   Trying     --request-->          Trying      (retransmission discarded)
 *   Trying     --1xx from TU-->      Proceeding  (sent)
 *   Proceeding --1xx from TU-->      Proceeding  (sent)
 *   Proceeding --request-->          Proceeding  (most recent provisional resent)
 *   Trying/Proceeding --200-699 from TU-->  Completed (sent; Timer J)
 *   Trying/Proceeding/Completed --transport error-->  Terminated (TU informed)
 *   Completed  --request-->          Completed   (final resent)
 *   Completed  --response from TU--> Completed   (discarded)
 *   Completed  --Timer J-->          Terminated
 */
import type { SipRequest, SipResponse } from '../sip/index.js';
import type { Flow, TransportError } from '../transport/types.js';
import { ServerRecord } from './absorb-record.js';
import { Transaction, toTransportError, type TimerName, type TransactionContext } from './transaction.js';
import type { ServerTransactionUser } from './transaction-user.js';
import { deriveTimerValues, type TimerValues } from './timers.js';

export enum NonInviteServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

export enum NonInviteServerInput {
  Request = 'request',
  Tu1xx = 'tu-1xx',
  Tu200To699 = 'tu-200-699',
  TimerJ = 'timer-J',
  TransportError = 'transport-error',
}

const transitions: Record<NonInviteServerState, readonly NonInviteServerState[]> = {
  [NonInviteServerState.Trying]: [NonInviteServerState.Proceeding, NonInviteServerState.Completed, NonInviteServerState.Terminated],
  [NonInviteServerState.Proceeding]: [NonInviteServerState.Completed, NonInviteServerState.Terminated],
  [NonInviteServerState.Completed]: [NonInviteServerState.Terminated],
  [NonInviteServerState.Terminated]: [],
};

export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  // Getters, not fields: the same for every instance (memory per ringing call).
  get kind(): 'non-invite-server' {
    return 'non-invite-server';
  }
  readonly #reliable: boolean;
  readonly #values: TimerValues;
  #lastProvisional: SipResponse | undefined;
  #finalResponse: SipResponse | undefined;
  #user: ServerTransactionUser | undefined;

  constructor(
    id: string,
    readonly request: SipRequest,
    /** The flow the request came in on; responses go back through it (§18.2.2). */
    readonly flow: Flow,
    private readonly context: TransactionContext,
  ) {
    super(id, NonInviteServerState.Trying, NonInviteServerState.Terminated, transitions, context.logger);
    this.#reliable = context.sender.isReliable(flow.protocol);
    this.#values = deriveTimerValues(context.timers, this.#reliable);
  }

  get method(): string {
    return this.request.method;
  }

  get reliable(): boolean {
    return this.#reliable;
  }

  get lastProvisional(): SipResponse | undefined {
    return this.#lastProvisional;
  }

  get finalResponse(): SipResponse | undefined {
    return this.#finalResponse;
  }

  setUser(user: ServerTransactionUser): void {
    this.#user = user;
  }

  /**
   * Sends a response from the TU. After the final response further ones are discarded, as
   * §17.2.2 requires ("Any other final responses passed by the TU ... MUST be discarded while
   * in the Completed state"); so are responses after Terminated. A status outside 100–699 is a
   * TU bug and throws.
   */
  respond(response: SipResponse): void {
    if (response.status < 100 || response.status > 699) this.refuse(`send status ${response.status}`);
    this.input(response.status < 200 ? NonInviteServerInput.Tu1xx : NonInviteServerInput.Tu200To699, response);
  }

  /** A retransmission of the request matched by §17.2.3. */
  receiveRequest(request: SipRequest): void {
    this.input(NonInviteServerInput.Request, request);
  }

  protected override onTimer(name: TimerName): void {
    switch (name) {
      case 'J':
        return this.input(NonInviteServerInput.TimerJ);
      default:
        return;
    }
  }

  private input(input: NonInviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (this.state) {
      case NonInviteServerState.Trying:
        return this.stateTrying(input, message, error);
      case NonInviteServerState.Proceeding:
        return this.stateProceeding(input, message, error);
      case NonInviteServerState.Completed:
        return this.stateCompleted(input, message, error);
      case NonInviteServerState.Terminated:
        return this.ignore(input, message, error);
    }
  }

  private stateTrying(input: NonInviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteServerInput.Request:
        // "Once in the Trying state, any further request retransmissions are discarded."
        return this.ignore(input, message, error);
      case NonInviteServerInput.Tu1xx:
        this.transition(NonInviteServerState.Proceeding);
        return this.actSendProvisional(message as SipResponse);
      case NonInviteServerInput.Tu200To699:
        return this.actComplete(message as SipResponse);
      case NonInviteServerInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, message, error);
    }
  }

  private stateProceeding(input: NonInviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteServerInput.Request:
        // "the most recently sent provisional response MUST be passed to the transport layer"
        return this.actResend(this.#lastProvisional);
      case NonInviteServerInput.Tu1xx:
        return this.actSendProvisional(message as SipResponse);
      case NonInviteServerInput.Tu200To699:
        return this.actComplete(message as SipResponse);
      case NonInviteServerInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, message, error);
    }
  }

  private stateCompleted(input: NonInviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteServerInput.Request:
        // "whenever a retransmission of the request is received, the server transaction MUST
        // pass the final response to the transport layer for retransmission"
        return this.actResend(this.#finalResponse);
      case NonInviteServerInput.TimerJ:
        return this.transition(NonInviteServerState.Terminated);
      case NonInviteServerInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, message, error);
    }
  }

  private ignore(input: NonInviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    const what = message?.kind === 'response' ? message.status : message?.kind === 'request' ? message.method : undefined;
    // A response the TU cannot send any more, or a send that failed after the end, is worth a warning.
    const level = input === NonInviteServerInput.Request || input === NonInviteServerInput.TimerJ ? 'debug' : 'warn';
    this.logger[level]({ input, state: this.state, message: what, err: error }, 'input ignored');
  }

  /** §17.2.2: a final response from the TU: Completed, sent, Timer J (0 when reliable). */
  private actComplete(response: SipResponse): void {
    this.transition(NonInviteServerState.Completed);
    this.#finalResponse = response;
    this.actSend(response);
    if (this.actHandOver(response)) return;
    this.startTimer('J', this.#values.J);
  }

  /** Completed only resends the final response: the layer's slim record takes over with the
   *  response's octets (absorb-record.ts), unless a ServerTransactionUser observes this one. */
  private actHandOver(response: SipResponse): boolean {
    if (this.#user || this.#values.J <= 0) return false;
    const record = new ServerRecord(this.id, false, 'Completed', this.flow, response.toBuffer().toString('latin1'));
    if (!this.handOver(this.context, record, this.#values.J)) return false;
    this.#lastProvisional = undefined;
    return true;
  }

  private actSendProvisional(response: SipResponse): void {
    this.#lastProvisional = response;
    this.actSend(response);
  }

  private actResend(response: SipResponse | undefined): void {
    if (response) this.actSend(response);
  }

  private actSend(response: SipResponse): void {
    this.context.sender.sendResponse(response, this.flow).catch((failure: unknown) =>
      this.input(NonInviteServerInput.TransportError, undefined, toTransportError(failure)),
    );
  }

  /** §17.2.4: a transport failure terminates the transaction; the TU is told. */
  private actTransportError(error: TransportError | undefined): void {
    this.logger.warn({ err: error }, 'transport error sending a response, non-INVITE server transaction terminated');
    if (error) this.notify('onTransportError', () => this.#user?.onTransportError?.(error));
    this.transition(NonInviteServerState.Terminated);
  }

  protected override afterTerminated(): void {
    this.notify('onTerminated', () => this.#user?.onTerminated?.());
  }
}
