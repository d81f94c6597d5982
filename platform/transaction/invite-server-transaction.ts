/**
 * INVITE server transaction: RFC 3261 §17.2.1 (Figure 7) as amended by RFC 6026 §8.5–§8.7
 * (the Accepted state and Timer L).
 *
 *   Proceeding --INVITE-->            Proceeding  (most recent provisional resent)
 *   Proceeding --200 ms, no 1xx yet--> Proceeding (100 Trying sent)
 *   Proceeding --1xx from TU-->       Proceeding  (sent)
 *   Proceeding --2xx from TU-->       Accepted    (sent; Timer L)
 *   Proceeding --300-699 from TU-->   Completed   (sent; Timer G unreliable only, Timer H)
 *   Proceeding --transport error-->   Terminated  (TU informed)
 *   Completed  --INVITE / Timer G-->  Completed   (final resent; G = min(2G, T2))
 *   Completed  --ACK-->               Confirmed   (Timer I)
 *   Completed  --Timer H / transport error-->  Terminated (TU informed)
 *   Confirmed  --ACK / INVITE-->      Confirmed   (absorbed)
 *   Confirmed  --Timer I-->           Terminated
 *   Accepted   --INVITE-->            Accepted    (absorbed)
 *   Accepted   --2xx from TU-->       Accepted    (sent: the TU retransmits its 2xx, §13.3.1.4)
 *   Accepted   --ACK-->               Accepted    (passed to the TU)
 *   Accepted   --Timer L-->           Terminated
 */
import { createResponse, parseMessage, SipResponse, type SipRequest } from '../sip/index.js';
import type { Flow, TransportError } from '../transport/types.js';
import { ServerRecord } from './absorb-record.js';
import { Transaction, toTransportError, type TimerName, type TransactionContext } from './transaction.js';
import type { ServerTransactionUser } from './transaction-user.js';
import { deriveTimerValues, TRYING_DELAY_MS, type TimerValues } from './timers.js';

export enum InviteServerState {
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

export enum InviteServerInput {
  Request = 'request',
  Ack = 'ack',
  Tu1xx = 'tu-1xx',
  Tu2xx = 'tu-2xx',
  Tu300To699 = 'tu-300-699',
  TimerTrying = 'timer-trying',
  TimerG = 'timer-G',
  TimerH = 'timer-H',
  TimerI = 'timer-I',
  TimerL = 'timer-L',
  TransportError = 'transport-error',
}

const transitions: Record<InviteServerState, readonly InviteServerState[]> = {
  [InviteServerState.Proceeding]: [InviteServerState.Completed, InviteServerState.Accepted, InviteServerState.Terminated],
  [InviteServerState.Completed]: [InviteServerState.Confirmed, InviteServerState.Terminated],
  [InviteServerState.Confirmed]: [InviteServerState.Terminated],
  [InviteServerState.Accepted]: [InviteServerState.Terminated],
  [InviteServerState.Terminated]: [],
};

/** Where the transaction hands an ACK it received in Accepted (RFC 6026 §8.7). */
export type AckReceiver = (ack: SipRequest, flow: Flow, transaction: InviteServerTransaction) => void;

export class InviteServerTransaction extends Transaction<InviteServerState> {
  // Getters, not fields: the same for every instance (memory per ringing call).
  get kind(): 'invite-server' {
    return 'invite-server';
  }

  get method(): 'INVITE' {
    return 'INVITE';
  }
  readonly #reliable: boolean;
  readonly #values: TimerValues;
  #timerGInterval = 0;
  #started = false;
  /** The most recent provisional response, to resend (§17.2.1); past 100 only its octets
   *  (a latin1 string: a ringing call holds it for as long as it rings). */
  #lastProvisional: SipResponse | string | undefined;
  #finalResponse: SipResponse | undefined;
  #user: ServerTransactionUser | undefined;
  /** Free for the TU's own bookkeeping: a proxy keeps the INVITE's response context here
   *  instead of in a table of its own (one table entry less per ringing call). */
  tuState: object | undefined;

  constructor(
    id: string,
    readonly request: SipRequest,
    /** The flow the INVITE came in on; responses go back through it (§18.2.2). */
    readonly flow: Flow,
    private readonly context: TransactionContext,
    private readonly receiveAck: AckReceiver,
  ) {
    super(id, InviteServerState.Proceeding, InviteServerState.Terminated, transitions, context.logger);
    this.#reliable = context.sender.isReliable(flow.protocol);
    this.#values = deriveTimerValues(context.timers, this.#reliable);
  }

  get reliable(): boolean {
    return this.#reliable;
  }

  /** The most recent provisional response sent (the TU's or the automatic 100). */
  get lastProvisional(): SipResponse | undefined {
    const last = this.#lastProvisional;
    return typeof last === 'string' ? readResponse(last) : last;
  }

  /** The final response sent, once there is one (the latest 2xx while Accepted). */
  get finalResponse(): SipResponse | undefined {
    return this.#finalResponse;
  }

  setUser(user: ServerTransactionUser): void {
    this.#user = user;
  }

  /** §17.2.1: "The server transaction MUST generate a 100 (Trying) response unless it knows
   *  that the TU will generate a provisional or final response within 200 ms". */
  start(): void {
    if (this.#started) this.refuse('start twice');
    this.#started = true;
    this.startTimer('Trying', TRYING_DELAY_MS);
  }

  /**
   * Sends a response from the TU. 1xx and the final response are allowed in Proceeding, 2xx
   * (retransmissions) in Accepted; anything else is a TU bug and throws. In Terminated (after a
   * transport error or Timer L) the response is dropped and logged: the TU cannot always know.
   */
  respond(response: SipResponse): void {
    if (this.terminated) {
      this.logger.warn({ status: response.status }, 'response dropped: INVITE server transaction already terminated');
      return;
    }
    if (response.status < 100 || response.status > 699) this.refuse(`send status ${response.status}`);
    const input = response.status < 200 ? InviteServerInput.Tu1xx : response.status < 300 ? InviteServerInput.Tu2xx : InviteServerInput.Tu300To699;
    this.input(input, response);
  }

  /** A retransmitted INVITE matched by §17.2.3. */
  receiveRequest(request: SipRequest): void {
    this.input(InviteServerInput.Request, request);
  }

  /** An ACK matched by §17.2.3 (same branch as the INVITE, or the RFC 2543 rule). */
  receiveAckRequest(ack: SipRequest, flow: Flow): void {
    this.input(InviteServerInput.Ack, ack, undefined, flow);
  }

  protected override onTimer(name: TimerName): void {
    switch (name) {
      case 'Trying':
        return this.input(InviteServerInput.TimerTrying);
      case 'G':
        return this.input(InviteServerInput.TimerG);
      case 'H':
        return this.input(InviteServerInput.TimerH);
      case 'I':
        return this.input(InviteServerInput.TimerI);
      case 'L':
        return this.input(InviteServerInput.TimerL);
      default:
        return;
    }
  }

  private input(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError, flow?: Flow): void {
    switch (this.state) {
      case InviteServerState.Proceeding:
        return this.stateProceeding(input, message, error);
      case InviteServerState.Completed:
        return this.stateCompleted(input, message, error);
      case InviteServerState.Confirmed:
        return this.stateConfirmed(input, message, error);
      case InviteServerState.Accepted:
        return this.stateAccepted(input, message, error, flow);
      case InviteServerState.Terminated:
        this.logger.debug({ input }, 'input ignored in Terminated');
        return;
    }
  }

  private stateProceeding(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteServerInput.Request:
        // "the most recent provisional response that was received from the TU MUST be passed to
        // the transport layer for retransmission" (none yet: nothing to resend).
        return this.actResendProvisional();
      case InviteServerInput.TimerTrying:
        return this.actSendProvisional(createResponse(this.request, 100));
      case InviteServerInput.Tu1xx:
        this.stopTimer('Trying');
        return this.actSendProvisional(message as SipResponse);
      case InviteServerInput.Tu2xx:
        // RFC 6026 §8.5: 2xx moves to Accepted, so INVITE retransmissions still match.
        this.stopTimer('Trying');
        this.transition(InviteServerState.Accepted);
        this.actSendFinal(message as SipResponse);
        if (this.actHandOver('Accepted', this.#values.L)) return;
        return this.startTimer('L', this.#values.L);
      case InviteServerInput.Tu300To699:
        this.stopTimer('Trying');
        this.transition(InviteServerState.Completed);
        this.actSendFinal(message as SipResponse);
        if (this.#values.G !== null) {
          this.#timerGInterval = this.#values.G;
          this.startTimer('G', this.#timerGInterval);
        }
        return this.startTimer('H', this.#values.H);
      case InviteServerInput.TransportError:
        return this.actTransportError(error);
      default:
        return this.ignore(input, message, error);
    }
  }

  private stateCompleted(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteServerInput.Request:
        // "the server MUST pass the response to the transport for retransmission"
        return this.actResendFinal();
      case InviteServerInput.TimerG:
        // "reset with a value of MIN(2*T1, T2)", doubling again on each firing.
        this.#timerGInterval = Math.min(2 * this.#timerGInterval, this.#values.T2);
        this.actResendFinal();
        return this.startTimer('G', this.#timerGInterval);
      case InviteServerInput.Ack:
        // "If an ACK is received while in the Completed state, the server transaction MUST
        // transition to the Confirmed state"; G stops, Timer I absorbs further ACKs.
        this.stopTimer('G');
        this.stopTimer('H');
        this.transition(InviteServerState.Confirmed);
        if (this.actHandOver('Confirmed', this.#values.I)) return;
        return this.startTimer('I', this.#values.I);
      case InviteServerInput.TimerH:
        // "it implies that the ACK was never received ... MUST indicate to the TU that a
        // transaction failure has occurred"
        this.notify('onTimeout', () => this.#user?.onTimeout?.());
        return this.transition(InviteServerState.Terminated);
      case InviteServerInput.TransportError:
        return this.actTransportError(error);
      case InviteServerInput.Tu1xx:
      case InviteServerInput.Tu2xx:
      case InviteServerInput.Tu300To699:
        return this.refuse(`send ${(message as SipResponse).status} after the final response`);
      default:
        return this.ignore(input, message, error);
    }
  }

  private stateConfirmed(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    switch (input) {
      case InviteServerInput.TimerI:
        return this.transition(InviteServerState.Terminated);
      case InviteServerInput.Tu1xx:
      case InviteServerInput.Tu2xx:
      case InviteServerInput.Tu300To699:
        return this.refuse(`send ${(message as SipResponse).status} after the final response`);
      default:
        // "The purpose of the Confirmed state is to absorb any additional ACK messages".
        return this.ignore(input, message, error);
    }
  }

  private stateAccepted(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError, flow?: Flow): void {
    switch (input) {
      case InviteServerInput.Request:
        // RFC 6026 §8.7: INVITE retransmissions are absorbed, not passed to the TU.
        return this.ignore(input, message, error);
      case InviteServerInput.Tu2xx:
        // RFC 6026 §8.7: "Any retransmission of the 2xx response passed from the TU to the
        // transaction while in the Accepted state MUST be passed to the transport layer".
        return this.actSendFinal(message as SipResponse);
      case InviteServerInput.Ack:
        // RFC 6026 §8.7: "Any ACKs received ... in the Accepted state MUST be passed directly to
        // the TU and not absorbed."
        return this.notify('ACK', () => this.receiveAck(message as SipRequest, flow ?? this.flow, this));
      case InviteServerInput.TimerL:
        return this.transition(InviteServerState.Terminated);
      case InviteServerInput.TransportError:
        // Staying in Accepted keeps absorbing INVITE retransmissions (the point of RFC 6026);
        // the TU owns the 2xx and hears of the failure. Timer L still ends the transaction.
        this.logger.info({ err: error }, 'transport error sending a 2xx');
        return this.notify('onTransportError', () => error && this.#user?.onTransportError?.(error));
      case InviteServerInput.Tu1xx:
      case InviteServerInput.Tu300To699:
        return this.refuse(`send ${(message as SipResponse).status} after a 2xx`);
      default:
        return this.ignore(input, message, error);
    }
  }

  private ignore(input: InviteServerInput, message?: SipRequest | SipResponse, error?: TransportError): void {
    const what = message?.kind === 'response' ? message.status : message?.kind === 'request' ? message.method : undefined;
    this.logger.debug({ input, state: this.state, message: what, err: error }, 'input ignored');
  }

  private actSendProvisional(response: SipResponse): void {
    this.actSend(response);
    // A ringing call: the TU has done its work on the INVITE; both are now held only to be
    // resent or answered, maybe for minutes (100 Trying comes before the TU's work: not then).
    if (response.status > 100) {
      this.#lastProvisional = response.toBuffer().toString('latin1');
      this.request.compact();
    } else {
      this.#lastProvisional = response;
    }
  }

  private actResendProvisional(): void {
    const last = this.lastProvisional;
    if (last) this.actSend(last);
  }

  private actSendFinal(response: SipResponse): void {
    this.#finalResponse = response;
    this.actSend(response);
  }

  private actResendFinal(): void {
    if (this.#finalResponse) this.actSend(this.#finalResponse);
  }

  private actSend(response: SipResponse): void {
    this.context.sender.sendResponse(response, this.flow).catch((failure: unknown) =>
      this.input(InviteServerInput.TransportError, undefined, toTransportError(failure)),
    );
  }

  /**
   * Accepted and Confirmed only absorb (and, in Accepted, pass ACKs up): the layer's slim record
   * takes over (absorb-record.ts) unless a ServerTransactionUser observes this transaction.
   * The full object keeps `request` and `finalResponse` for whoever still holds it; the
   * provisional response is no longer resent and is let go.
   */
  private actHandOver(state: 'Accepted' | 'Confirmed', ms: number): boolean {
    if (this.#user) return false;
    const record = new ServerRecord(this.id, true, state, this.flow, undefined);
    if (!this.handOver(this.context, record, ms)) return false;
    this.#lastProvisional = undefined;
    return true;
  }

  /** §17.2.1 / §17.2.4: a transport failure terminates the transaction and the TU is told. */
  private actTransportError(error: TransportError | undefined): void {
    this.logger.warn({ err: error }, 'transport error sending a response, INVITE server transaction terminated');
    if (error) this.notify('onTransportError', () => this.#user?.onTransportError?.(error));
    this.transition(InviteServerState.Terminated);
  }

  protected override afterTerminated(): void {
    this.notify('onTerminated', () => this.#user?.onTerminated?.());
  }
}

/** A provisional response kept as its octets, read back to be resent (an INVITE retransmission
 *  while the call rings: rare). */
function readResponse(octets: string): SipResponse | undefined {
  const { message } = parseMessage(Buffer.from(octets, 'latin1'));
  return message instanceof SipResponse ? message : undefined;
}
