/**
 * INVITE client transaction: RFC 3261 §17.1.1 (Figure 5) as amended by RFC 6026 §8.4
 * (the Accepted state and Timer M).
 *
 *   Calling    --1xx-->      Proceeding       (1xx to TU; A and B stop)
 *   Calling    --2xx-->      Accepted         (2xx to TU; Timer M)
 *   Calling    --300-699-->  Completed        (ACK sent, response to TU; Timer D)
 *   Calling    --Timer A-->  Calling          (retransmit, A doubles without cap)
 *   Calling    --Timer B / transport error-->  Terminated (TU informed)
 *   Proceeding --1xx / 2xx / 300-699-->        as from Calling, without retransmissions
 *   Completed  --300-699-->  Completed        (ACK resent, not passed up)
 *   Completed  --Timer D-->  Terminated;  --transport error-->  Terminated (TU informed)
 *   Accepted   --2xx-->      Accepted         (2xx to TU: retransmissions and other forks)
 *   Accepted   --Timer M-->  Terminated
 */
import type { SipRequest, SipResponse } from '../sip/index.js';
import type { Destination, Flow, TransportError } from '../transport/types.js';
import { createAckForFailure } from './create-ack.js';
import { ClientRecord } from './absorb-record.js';
import { Transaction, toTransportError, type TimerName, type TransactionContext } from './transaction.js';
import type { ClientTransactionUser } from './transaction-user.js';
import { deriveTimerValues, type TimerValues } from './timers.js';

export enum InviteClientState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

export enum InviteClientInput {
  Response1xx = 'response-1xx',
  Response2xx = 'response-2xx',
  Response300To699 = 'response-300-699',
  TimerA = 'timer-A',
  TimerB = 'timer-B',
  TimerD = 'timer-D',
  TimerM = 'timer-M',
  TransportError = 'transport-error',
}

const transitions: Record<InviteClientState, readonly InviteClientState[]> = {
  [InviteClientState.Calling]: [InviteClientState.Proceeding, InviteClientState.Completed, InviteClientState.Accepted, InviteClientState.Terminated],
  [InviteClientState.Proceeding]: [InviteClientState.Completed, InviteClientState.Accepted, InviteClientState.Terminated],
  [InviteClientState.Completed]: [InviteClientState.Terminated],
  [InviteClientState.Accepted]: [InviteClientState.Terminated],
  [InviteClientState.Terminated]: [],
};

export class InviteClientTransaction extends Transaction<InviteClientState> {
  // Getters, not fields: the same for every instance (memory per ringing call).
  get kind(): 'invite-client' {
    return 'invite-client';
  }

  get method(): 'INVITE' {
    return 'INVITE';
  }
  #reliable: boolean;
  #values: TimerValues;
  #timerAInterval = 0;
  #ack: SipRequest | undefined;
  #started = false;
  #ackDestination: Destination | undefined;

  constructor(
    id: string,
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    private readonly context: TransactionContext,
  ) {
    super(id, InviteClientState.Calling, InviteClientState.Terminated, transitions, context.logger);
    this.#reliable = context.sender.isReliable(destination.protocol);
    this.#values = deriveTimerValues(context.timers, this.#reliable);
  }

  /** Whether the transport in use is reliable (decides Timers A and D). */
  get reliable(): boolean {
    return this.#reliable;
  }

  /** The ACK sent for a non-2xx final response, once there is one. */
  get ack(): SipRequest | undefined {
    return this.#ack;
  }

  /** §17.1.1.2: entering Calling sends the INVITE, starts A (unreliable only) and B. */
  start(): void {
    if (this.#started) this.refuse('start twice');
    this.#started = true;
    this.actSendRequest();
    if (this.#values.A !== null) {
      this.#timerAInterval = this.#values.A;
      this.startTimer('A', this.#timerAInterval);
    }
    this.startTimer('B', this.#values.B);
  }

  /** A response matched to this transaction by §17.1.3. */
  receiveResponse(response: SipResponse): void {
    if (response.status < 200) this.input(InviteClientInput.Response1xx, response);
    else if (response.status < 300) this.input(InviteClientInput.Response2xx, response);
    else this.input(InviteClientInput.Response300To699, response);
  }

  protected override onTimer(name: TimerName): void {
    switch (name) {
      case 'A':
        return this.input(InviteClientInput.TimerA);
      case 'B':
        return this.input(InviteClientInput.TimerB);
      case 'D':
        return this.input(InviteClientInput.TimerD);
      case 'M':
        return this.input(InviteClientInput.TimerM);
      default:
        return;
    }
  }

  private input(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (this.state) {
      case InviteClientState.Calling:
        return this.stateCalling(input, response, error);
      case InviteClientState.Proceeding:
        return this.stateProceeding(input, response, error);
      case InviteClientState.Completed:
        return this.stateCompleted(input, response, error);
      case InviteClientState.Accepted:
        return this.stateAccepted(input, response, error);
      case InviteClientState.Terminated:
        this.logger.debug({ input }, 'input ignored in Terminated');
        return;
    }
  }

  private stateCalling(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteClientInput.Response1xx:
        // "the client transaction SHOULD NOT retransmit the request any longer"; B guards Calling only.
        this.stopTimer('A');
        this.stopTimer('B');
        this.transition(InviteClientState.Proceeding);
        this.actPassResponse(response);
        // No more retransmissions: the INVITE is now only held for a CANCEL (§9.1) or the ACK
        // of a failure (§17.1.1.3) while the call rings, maybe for minutes.
        return this.request.compact();
      case InviteClientInput.Response2xx:
        return this.actAccept(response);
      case InviteClientInput.Response300To699:
        return this.actComplete(response);
      case InviteClientInput.TimerA:
        return this.actRetransmit();
      case InviteClientInput.TimerB:
        // "the client transaction SHOULD inform the TU that a timeout has occurred"
        this.actTimeout();
        return this.transition(InviteClientState.Terminated);
      case InviteClientInput.TransportError:
        this.actTransportError(error);
        return this.transition(InviteClientState.Terminated);
      default:
        return this.ignore(input, response, error);
    }
  }

  private stateProceeding(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteClientInput.Response1xx:
        // "Any further provisional responses MUST be passed up to the TU"
        return this.actPassResponse(response);
      case InviteClientInput.Response2xx:
        return this.actAccept(response);
      case InviteClientInput.Response300To699:
        return this.actComplete(response);
      default:
        // Figure 5 has no transport-error edge here: only a late failure of an earlier
        // retransmission can arrive, and the peer has already answered.
        return this.ignore(input, response, error);
    }
  }

  private stateCompleted(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteClientInput.Response300To699:
        // "Any retransmissions of the final response ... MUST cause the ACK to be re-passed to
        // the transport layer ... but the newly received response MUST NOT be passed up to the TU."
        return this.actSendAck();
      case InviteClientInput.TimerD:
        return this.transition(InviteClientState.Terminated);
      case InviteClientInput.TransportError:
        this.actTransportError(error);
        return this.transition(InviteClientState.Terminated);
      default:
        return this.ignore(input, response, error);
    }
  }

  private stateAccepted(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteClientInput.Response2xx:
        // RFC 6026 §8.4: "any 2xx responses ... MUST be passed up to the TU" (retransmissions, forks).
        return this.actPassResponse(response);
      case InviteClientInput.TimerM:
        return this.transition(InviteClientState.Terminated);
      default:
        return this.ignore(input, response, error);
    }
  }

  private ignore(input: InviteClientInput, response?: SipResponse, error?: TransportError): void {
    this.logger.debug({ input, state: this.state, status: response?.status, err: error }, 'input ignored');
  }

  /** RFC 6026 §8.4: a 2xx moves to Accepted (not Terminated) so that its retransmissions and
   *  2xx from other forks still match this transaction and reach the TU until Timer M. */
  private actAccept(response: SipResponse | undefined): void {
    this.stopTimer('A');
    this.stopTimer('B');
    this.transition(InviteClientState.Accepted);
    this.actPassResponse(response);
    // The layer's slim record passes later 2xx to the same TU (absorb-record.ts).
    const record = new ClientRecord(this.id, 'Accepted', this.user, undefined, undefined);
    if (this.state !== InviteClientState.Accepted || this.handOver(this.context, record, this.#values.M)) return;
    this.startTimer('M', this.#values.M);
  }

  /** §17.1.1.2: 300-699 in Calling or Proceeding: Completed, ACK sent, response to the TU,
   *  Timer D (0 on reliable transports, so Terminated follows at once). */
  private actComplete(response: SipResponse | undefined): void {
    this.stopTimer('A');
    this.stopTimer('B');
    this.transition(InviteClientState.Completed);
    if (response) this.#ack = createAckForFailure(this.request, response);
    this.actSendAck();
    this.actPassResponse(response);
    // Completed only resends the ACK: the layer's slim record takes over (absorb-record.ts).
    if (this.state !== InviteClientState.Completed) return;
    const record = new ClientRecord(this.id, 'Completed', this.user, this.#ack, this.#ackDestination ?? this.destination);
    if (this.handOver(this.context, record, this.#values.D)) return;
    this.startTimer('D', this.#values.D);
  }

  private actSendRequest(): void {
    this.context.sender.sendRequest(this.request, this.destination).then(
      (flow) => this.actNoteFlow(flow),
      (failure: unknown) => this.input(InviteClientInput.TransportError, undefined, toTransportError(failure, this.destination)),
    );
  }

  /** §18.1.1 may move a large request from UDP to TCP: then retransmitting stops (Timer A is
   *  for unreliable transports only) and Timer D becomes 0. */
  private actNoteFlow(flow: Flow): void {
    // §17.1.1.3: the ACK goes "to the same address, port, and transport" as the INVITE (noted
    // only when that is not `destination` already: one object less per ringing call).
    const to = this.destination;
    if (flow.protocol !== to.protocol || flow.remote.address !== to.address || flow.remote.port !== to.port) {
      this.#ackDestination = { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port };
    }
    if (this.#reliable || !this.context.sender.isReliable(flow.protocol)) return;
    this.#reliable = true;
    this.#values = deriveTimerValues(this.context.timers, true);
    this.stopTimer('A');
  }

  /** §17.1.1.2: "retransmit the request ... and MUST reset the timer with a value of 2*T1",
   *  doubling on every firing; only Timer B bounds it. */
  private actRetransmit(): void {
    this.actSendRequest();
    this.#timerAInterval *= 2;
    this.startTimer('A', this.#timerAInterval);
  }

  private actSendAck(): void {
    if (!this.#ack) return;
    const destination = this.#ackDestination ?? this.destination;
    this.context.sender.sendRequest(this.#ack, destination).catch((failure: unknown) =>
      this.input(InviteClientInput.TransportError, undefined, toTransportError(failure, destination)),
    );
  }

  protected override afterTerminated(): void {
    this.notify('onTerminated', () => this.user.onTerminated?.());
  }

  private actPassResponse(response: SipResponse | undefined): void {
    if (!response) return;
    this.notify('onResponse', () => this.user.onResponse(response));
  }

  private actTimeout(): void {
    this.notify('onTimeout', () => this.user.onTimeout());
  }

  private actTransportError(error: TransportError | undefined): void {
    if (!error) return;
    this.logger.info({ err: error }, 'transport error, INVITE client transaction terminated');
    this.notify('onTransportError', () => this.user.onTransportError(error));
  }
}
