/**
 * Non-INVITE client transaction: RFC 3261 §17.1.2 (Figure 6).
 *
 *   Trying     --Timer E-->     Trying       (retransmit, E = min(2E, T2))
 *   Trying     --1xx-->         Proceeding   (1xx to TU)
 *   Proceeding --Timer E-->     Proceeding   (retransmit, E = T2)
 *   Proceeding --1xx-->         Proceeding   (1xx to TU)
 *   Trying/Proceeding --200-699-->  Completed (response to TU; Timer K)
 *   Trying/Proceeding --Timer F / transport error-->  Terminated (TU informed)
 *   Completed  --200-699-->     Completed    (absorbed)
 *   Completed  --Timer K-->     Terminated
 */
import type { SipRequest, SipResponse } from '../sip/index.js';
import type { Destination, Flow, TransportError } from '../transport/types.js';
import { ClientRecord } from './absorb-record.js';
import { Transaction, toTransportError, type TimerName, type TransactionContext } from './transaction.js';
import type { ClientTransactionUser } from './transaction-user.js';
import { deriveTimerValues, type TimerValues } from './timers.js';

export enum NonInviteClientState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

export enum NonInviteClientInput {
  Response1xx = 'response-1xx',
  Response200To699 = 'response-200-699',
  TimerE = 'timer-E',
  TimerF = 'timer-F',
  TimerK = 'timer-K',
  TransportError = 'transport-error',
}

const transitions: Record<NonInviteClientState, readonly NonInviteClientState[]> = {
  [NonInviteClientState.Trying]: [NonInviteClientState.Proceeding, NonInviteClientState.Completed, NonInviteClientState.Terminated],
  [NonInviteClientState.Proceeding]: [NonInviteClientState.Completed, NonInviteClientState.Terminated],
  [NonInviteClientState.Completed]: [NonInviteClientState.Terminated],
  [NonInviteClientState.Terminated]: [],
};

export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  // Getters, not fields: the same for every instance (memory per ringing call).
  get kind(): 'non-invite-client' {
    return 'non-invite-client';
  }
  #reliable: boolean;
  #values: TimerValues;
  #timerEInterval = 0;
  #started = false;

  constructor(
    id: string,
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    private readonly context: TransactionContext,
  ) {
    super(id, NonInviteClientState.Trying, NonInviteClientState.Terminated, transitions, context.logger);
    this.#reliable = context.sender.isReliable(destination.protocol);
    this.#values = deriveTimerValues(context.timers, this.#reliable);
  }

  get method(): string {
    return this.request.method;
  }

  /** Whether the transport in use is reliable (decides Timers E and K). */
  get reliable(): boolean {
    return this.#reliable;
  }

  /** §17.1.2.2: entering Trying sends the request, starts E (unreliable only) and F. */
  start(): void {
    if (this.#started) this.refuse('start twice');
    this.#started = true;
    this.actSendRequest();
    if (this.#values.E !== null) {
      this.#timerEInterval = this.#values.E;
      this.startTimer('E', this.#timerEInterval);
    }
    this.startTimer('F', this.#values.F);
  }

  /** A response matched to this transaction by §17.1.3. */
  receiveResponse(response: SipResponse): void {
    this.input(response.status < 200 ? NonInviteClientInput.Response1xx : NonInviteClientInput.Response200To699, response);
  }

  protected override onTimer(name: TimerName): void {
    switch (name) {
      case 'E':
        return this.input(NonInviteClientInput.TimerE);
      case 'F':
        return this.input(NonInviteClientInput.TimerF);
      case 'K':
        return this.input(NonInviteClientInput.TimerK);
      default:
        return;
    }
  }

  private input(input: NonInviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (this.state) {
      case NonInviteClientState.Trying:
        return this.stateTrying(input, response, error);
      case NonInviteClientState.Proceeding:
        return this.stateProceeding(input, response, error);
      case NonInviteClientState.Completed:
        return this.stateCompleted(input, response, error);
      case NonInviteClientState.Terminated:
        this.logger.debug({ input }, 'input ignored in Terminated');
        return;
    }
  }

  private stateTrying(input: NonInviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteClientInput.TimerE:
        // "reset with a value of MIN(2*T1, T2)", then MIN(4*T1, T2) and so on.
        this.#timerEInterval = Math.min(2 * this.#timerEInterval, this.#values.T2);
        return this.actRetransmit();
      case NonInviteClientInput.Response1xx:
        this.transition(NonInviteClientState.Proceeding);
        return this.actPassResponse(response);
      case NonInviteClientInput.Response200To699:
        return this.actComplete(response);
      case NonInviteClientInput.TimerF:
        return this.actTimeout();
      case NonInviteClientInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, response, error);
    }
  }

  private stateProceeding(input: NonInviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteClientInput.TimerE:
        // "If Timer E fires while in the Proceeding state ... reset with a value of T2 seconds."
        this.#timerEInterval = this.#values.T2;
        return this.actRetransmit();
      case NonInviteClientInput.Response1xx:
        return this.actPassResponse(response);
      case NonInviteClientInput.Response200To699:
        return this.actComplete(response);
      case NonInviteClientInput.TimerF:
        return this.actTimeout();
      case NonInviteClientInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, response, error);
    }
  }

  private stateCompleted(input: NonInviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case NonInviteClientInput.TimerK:
        return this.transition(NonInviteClientState.Terminated);
      default:
        // Final response retransmissions are absorbed: Completed "buffer[s] any additional
        // response retransmissions that may be received".
        return this.ignore(input, response, error);
    }
  }

  private ignore(input: NonInviteClientInput, response?: SipResponse, error?: TransportError): void {
    this.logger.debug({ input, state: this.state, status: response?.status, err: error }, 'input ignored');
  }

  /** §17.1.2.2: a final response in Trying or Proceeding: Completed, response to the TU,
   *  Timer K (0 on reliable transports, so Terminated follows at once). */
  private actComplete(response: SipResponse | undefined): void {
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition(NonInviteClientState.Completed);
    this.actPassResponse(response);
    // Completed only absorbs: the layer's slim record takes over (absorb-record.ts), keeping the
    // TU only when it wants to hear of the end.
    if (this.state !== NonInviteClientState.Completed) return;
    const user = this.user.onTerminated ? this.user : undefined;
    const record = new ClientRecord(this.id, 'Completed', user, undefined, undefined);
    if (this.handOver(this.context, record, this.#values.K)) return;
    this.startTimer('K', this.#values.K);
  }

  private actSendRequest(): void {
    this.context.sender.sendRequest(this.request, this.destination).then(
      (flow) => this.actNoteFlow(flow),
      (failure: unknown) => this.input(NonInviteClientInput.TransportError, undefined, toTransportError(failure, this.destination)),
    );
  }

  /** §18.1.1 may move a large request from UDP to TCP: retransmissions stop, Timer K is 0. */
  private actNoteFlow(flow: Flow): void {
    if (this.#reliable || !this.context.sender.isReliable(flow.protocol)) return;
    this.#reliable = true;
    this.#values = deriveTimerValues(this.context.timers, true);
    this.stopTimer('E');
  }

  private actRetransmit(): void {
    this.actSendRequest();
    this.startTimer('E', this.#timerEInterval);
  }

  private actPassResponse(response: SipResponse | undefined): void {
    if (!response) return;
    this.notify('onResponse', () => this.user.onResponse(response));
  }

  /** "If Timer F fires ... the client transaction SHOULD inform the TU about the timeout, and
   *  then it SHOULD enter the Terminated state." */
  private actTimeout(): void {
    this.notify('onTimeout', () => this.user.onTimeout());
    this.transition(NonInviteClientState.Terminated);
  }

  /** "If a fatal transport error is reported ... the client transaction SHOULD transition to
   *  the Terminated state ... [and] SHOULD inform the TU" (§17.1.4). */
  private actTransportError(error: TransportError | undefined): void {
    if (error) {
      this.logger.info({ err: error }, 'transport error, non-INVITE client transaction terminated');
      this.notify('onTransportError', () => this.user.onTransportError(error));
    }
    this.transition(NonInviteClientState.Terminated);
  }

  protected override afterTerminated(): void {
    this.notify('onTerminated', () => this.user.onTerminated?.());
  }
}
