/**
 * What the four §17 state machines share: a state with a transition table, named timers,
 * termination listeners and guarded calls into the TU.
 *
 * Illegal transitions are bugs in this layer or in its TU and throw `TransactionStateError`;
 * expected outcomes (timeouts, transport errors, responses) are delivered as callbacks.
 */
import type { Logger } from '../log/logger.js';
import { TransportError, type Destination, type MessageSender } from '../transport/types.js';
import type { AbsorbHandler, AbsorbRecord } from './absorb-record.js';
import type { TimerConfig } from './timers.js';

/** What every transaction gets from the layer that creates it. */
export interface TransactionContext {
  readonly sender: MessageSender;
  readonly timers: TimerConfig;
  readonly logger: Logger;
  /** The layer's slim-record hand-over (absorb-record.ts); absent for stand-alone use. */
  readonly absorb?: AbsorbHandler;
  /** Told when a handed-over transaction ends on its own (a late transport error). */
  readonly absorbEnded?: (record: AbsorbRecord) => void;
}

/** A transition or TU action that the state machine does not allow: a programming error. */
export class TransactionStateError extends Error {
  constructor(
    message: string,
    readonly transactionId: string,
    readonly state: string,
  ) {
    super(message);
    this.name = 'TransactionStateError';
  }
}

/** The §17 timers (and the 100 Trying delay of §17.2.1). */
export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'Trying';

/**
 * Timers that only keep a finished transaction around to absorb retransmissions: they must not
 * keep a process alive on their own. Those that produce an outcome somebody waits for (A, B, E,
 * F, G, H, the 100 Trying delay) stay referenced.
 */
const ABSORB_TIMERS: ReadonlySet<TimerName> = new Set(['D', 'I', 'J', 'K', 'L', 'M']);

interface RunningTimer {
  readonly name: TimerName;
  readonly handle: ReturnType<typeof setTimeout>;
}

export abstract class Transaction<State extends string> {
  #state: State;
  #disposed = false;
  /** Set once the layer took over the waiting state with a slim record (absorb-record.ts). */
  #absorbed: AbsorbRecord | undefined;
  #absorbEnded: ((record: AbsorbRecord) => void) | undefined;
  /** Running timers: at most two at a time (A+B, E+F, G+H); none while a call rings. A
   *  transaction holds no timer objects or closures of its own (memory per ringing call). */
  #timers: RunningTimer[] | undefined;
  /** Termination listeners: the layer's (one, shared by all its transactions) and rarely more. */
  #onTerminated: ((transaction: this) => void) | undefined;
  #moreTerminationListeners: Array<(transaction: this) => void> | undefined;
  readonly #baseLogger: Logger;
  #logger: Logger | undefined;

  protected constructor(
    /** The matching key (§17.1.3, §17.2.3) or, for RFC 2543 requests, a generated id. */
    readonly id: string,
    initial: State,
    private readonly terminal: State,
    private readonly table: Readonly<Record<State, readonly State[]>>,
    logger: Logger,
  ) {
    this.#state = initial;
    this.#baseLogger = logger;
  }

  /** Made on first use: a pino child per transaction costs more than most transactions log
   *  (nothing, at the usual levels), and a proxy creates four per call. */
  protected get logger(): Logger {
    return (this.#logger ??= this.#baseLogger.child({ transaction: this.id }));
  }

  get state(): State {
    return this.#absorbed?.done ? this.terminal : this.#state;
  }

  get terminated(): boolean {
    return this.state === this.terminal;
  }

  /** The layer uses this to drop the transaction from its tables (§17.1.1.2: "destroyed the
   *  instant it enters the Terminated state"). */
  addTerminationListener(listener: (transaction: this) => void): void {
    if (this.#onTerminated === undefined) this.#onTerminated = listener;
    else (this.#moreTerminationListeners ??= []).push(listener);
  }

  /**
   * Ends the transaction without running the state machine: for shutdown only. Timers stop,
   * termination listeners run, the TU is not told (it is shutting down too).
   */
  dispose(): void {
    if (this.terminated) return;
    if (this.#absorbed) {
      // The layer disposes its record itself; this object only stops answering.
      this.#state = this.terminal;
      return;
    }
    this.#state = this.terminal;
    this.#disposed = true;
    this.#enterTerminal();
  }


  /** Runs after the layer has dropped the transaction: subclasses tell their TU here. */
  protected afterTerminated(): void {}

  /**
   * Hands the waiting state over to a slim record (absorb-record.ts) when the layer tracks this
   * transaction by its key and the wait is not zero: own timers stop, the termination listeners
   * are dropped (the layer's table now holds the record). True when handed over; the subclass
   * then releases what the state no longer needs.
   */
  protected handOver(context: TransactionContext, record: AbsorbRecord, ms: number): boolean {
    if (ms <= 0 || !context.absorb || !context.absorb(this, record, ms)) return false;
    this.#absorbed = record;
    this.#absorbEnded = context.absorbEnded;
    this.#stopAllTimers();
    this.#onTerminated = undefined;
    this.#moreTerminationListeners = undefined;
    return true;
  }

  protected transition(to: State): void {
    const from = this.state;
    if (!this.table[from].includes(to)) {
      throw new TransactionStateError(`illegal transition ${from} -> ${to} in ${this.constructor.name}`, this.id, from);
    }
    this.#state = to;
    // A handed-over transaction that fails on its own (a late transport error) ends its record too.
    if (to === this.terminal && this.#absorbed) {
      this.#absorbed.done = true;
      this.#absorbEnded?.(this.#absorbed);
    }
    if (this.#baseLogger.isLevelEnabled('debug')) this.logger.debug({ from, to }, 'transaction state');
    if (to === this.terminal) this.#enterTerminal();
  }

  /** What a timer firing means to the state machine. */
  protected abstract onTimer(name: TimerName): void;

  /**
   * (Re)starts timer `name`. A duration of 0 fires synchronously: §17 says the transaction then
   * moves to Terminated "immediately", and doing it in the same turn keeps state observable
   * without waiting for the event loop.
   */
  protected startTimer(name: TimerName, ms: number): void {
    this.stopTimer(name);
    if (ms <= 0) {
      this.onTimer(name);
      return;
    }
    // Arguments instead of a closure: nothing allocated per timer but Node's Timeout.
    const handle = setTimeout(Transaction.#fire, ms, this, name);
    if (ABSORB_TIMERS.has(name)) handle.unref?.();
    (this.#timers ??= []).push({ name, handle });
  }

  protected stopTimer(name: TimerName): void {
    const timers = this.#timers;
    if (timers === undefined) return;
    for (let i = 0; i < timers.length; i++) {
      if (timers[i]!.name !== name) continue;
      clearTimeout(timers[i]!.handle);
      timers.splice(i, 1);
      if (timers.length === 0) this.#timers = undefined;
      return;
    }
  }

  protected timerRunning(name: TimerName): boolean {
    return this.#timers?.some((timer) => timer.name === name) ?? false;
  }

  static #fire<S extends string>(transaction: Transaction<S>, name: TimerName): void {
    const timers = transaction.#timers;
    const at = timers?.findIndex((timer) => timer.name === name) ?? -1;
    if (at < 0) return;
    timers!.splice(at, 1);
    if (timers!.length === 0) transaction.#timers = undefined;
    transaction.onTimer(name);
  }

  #stopAllTimers(): void {
    for (const timer of this.#timers ?? []) clearTimeout(timer.handle);
    this.#timers = undefined;
  }

  /** Calls into the TU. A throwing TU must not break the state machine or, from a timer,
   *  crash the process: the error is logged. */
  protected notify(callback: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error({ err: error, callback }, 'transaction user callback threw');
    }
  }

  /** The message for a TU call that the current state does not accept. */
  protected refuse(action: string): never {
    throw new TransactionStateError(`${this.constructor.name} cannot ${action} in state ${this.state}`, this.id, this.state);
  }

  #enterTerminal(): void {
    this.#stopAllTimers();
    const first = this.#onTerminated;
    const listeners = first === undefined ? [] : [first, ...(this.#moreTerminationListeners ?? [])];
    this.#onTerminated = undefined;
    this.#moreTerminationListeners = undefined;
    for (const listener of listeners) {
      try {
        listener(this);
      } catch (error) {
        this.logger.error({ err: error }, 'termination listener threw');
      }
    }
    if (!this.#disposed) this.afterTerminated();
  }
}

/** A MessageSender rejects with a TransportError; anything else is wrapped so the TU always
 *  sees one type (§8.1.3.1: a transport error is treated as a 503). */
export function toTransportError(error: unknown, destination?: Destination): TransportError {
  if (error instanceof TransportError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TransportError(message, destination, error);
}
