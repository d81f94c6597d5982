/**
 * The UAS core's 2xx retransmission (RFC 3261 §13.3.1.4): the 2xx to an INVITE is resent by the
 * TU, not the transaction, "with an interval that starts at T1 seconds and doubles for each
 * retransmission until it reaches T2 seconds", until the ACK arrives; after 64*T1 without an
 * ACK "the dialog is confirmed, but the session SHOULD be terminated" (a BYE).
 * On reliable transports nothing is resent, but the 64*T1 wait for the ACK still applies.
 */
export interface AnswerRetransmitterOptions {
  T1: number;
  T2: number;
  reliable: boolean;
  /** Resend the 2xx. */
  resend(): void;
  /** 64*T1 passed without an ACK. */
  onAckTimeout(): void;
}

export class AnswerRetransmitter {
  readonly #options: AnswerRetransmitterOptions;
  #interval: number;
  #retransmit: NodeJS.Timeout | undefined;
  #giveUp: NodeJS.Timeout | undefined;

  constructor(options: AnswerRetransmitterOptions) {
    this.#options = options;
    this.#interval = options.T1;
  }

  get running(): boolean {
    return this.#giveUp !== undefined;
  }

  start(): void {
    if (this.#giveUp) return;
    if (!this.#options.reliable) this.#schedule();
    this.#giveUp = setTimeout(() => {
      this.stop();
      this.#options.onAckTimeout();
    }, 64 * this.#options.T1);
    this.#giveUp.unref();
  }

  /** The ACK arrived (or the dialog ended). */
  stop(): void {
    clearTimeout(this.#retransmit);
    clearTimeout(this.#giveUp);
    this.#retransmit = undefined;
    this.#giveUp = undefined;
  }

  #schedule(): void {
    this.#retransmit = setTimeout(() => {
      this.#options.resend();
      this.#interval = Math.min(2 * this.#interval, this.#options.T2);
      this.#schedule();
    }, this.#interval);
    this.#retransmit.unref();
  }
}
