/**
 * Transaction timers (RFC 3261 §17 and Table 4 of Appendix A; RFC 6026 §8.4, §8.7).
 *
 * The base values T1, T2 and T4 are configuration of one `TransactionLayer` instance, never
 * process-global, so two stacks in one process (tests, a B2BUA with two legs) can differ.
 * Every other timer is derived from them, and the reliable/unreliable split is decided per
 * transaction from the transport it actually uses.
 */

/** The three base values of RFC 3261 §17.1.1.1 and §17.1.2.2, in milliseconds. */
export interface TimerConfig {
  /** RTT estimate; default 500 ms (§17.1.1.1). */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses; default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network; default 5 s. */
  T4: number;
}

export const DEFAULT_TIMER_CONFIG: Readonly<TimerConfig> = Object.freeze({ T1: 500, T2: 4000, T4: 5000 });

/** §17.2.1: a server INVITE transaction sends 100 Trying unless the TU answers within 200 ms. */
export const TRYING_DELAY_MS = 200;

/** Timer D's floor for unreliable transports: "at least 32 seconds" (§17.1.1.2). */
const TIMER_D_UNRELIABLE_MS = 32_000;

/** Fills defaults and rejects values that would break the state machines (a configuration bug). */
export function resolveTimerConfig(partial: Partial<TimerConfig> = {}): TimerConfig {
  const config: TimerConfig = {
    T1: partial.T1 ?? DEFAULT_TIMER_CONFIG.T1,
    T2: partial.T2 ?? DEFAULT_TIMER_CONFIG.T2,
    T4: partial.T4 ?? DEFAULT_TIMER_CONFIG.T4,
  };
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`transaction timer ${name} must be a positive number of milliseconds, got ${value}`);
    }
  }
  if (config.T2 < config.T1) {
    throw new RangeError(`transaction timer T2 (${config.T2} ms) must not be smaller than T1 (${config.T1} ms)`);
  }
  return config;
}

/**
 * The derived timer values for one transaction (RFC 3261 Table 4, RFC 6026 Table 1), in ms.
 * Retransmission timers (A, E, G) are `null` on reliable transports: they are not started
 * there (§17.1.1.2, §17.1.2.2, §17.2.1). "Wait" timers (D, I, J, K) are 0 on reliable
 * transports: the transaction moves to Terminated at once, as there is nothing to absorb.
 */
export interface TimerValues {
  /** INVITE request retransmit, initial interval (doubles without cap). */
  A: number | null;
  /** INVITE transaction timeout. */
  B: number;
  /** Wait for response retransmits in Completed (client INVITE). */
  D: number;
  /** Non-INVITE request retransmit, initial interval (doubles up to T2). */
  E: number | null;
  /** Non-INVITE transaction timeout. */
  F: number;
  /** INVITE final response retransmit, initial interval (doubles up to T2). */
  G: number | null;
  /** Wait for ACK receipt. */
  H: number;
  /** Wait for ACK retransmits in Confirmed. */
  I: number;
  /** Wait for non-INVITE request retransmits in Completed (server). */
  J: number;
  /** Wait for response retransmits in Completed (client non-INVITE). */
  K: number;
  /** RFC 6026: wait for INVITE retransmits in Accepted (server). */
  L: number;
  /** RFC 6026: wait for 2xx retransmits in Accepted (client). */
  M: number;
  /** Cap for E and G. */
  T2: number;
}

/** Derived values per configuration object: every transaction of a layer shares two frozen
 *  objects (reliable, unreliable) instead of building one per transaction. The base values are
 *  kept to notice a config object changed in place. */
interface Derived {
  T1: number;
  T2: number;
  T4: number;
  reliable: Readonly<TimerValues>;
  unreliable: Readonly<TimerValues>;
}
const derived = new WeakMap<TimerConfig, Derived>();

export function deriveTimerValues(config: TimerConfig, reliable: boolean): Readonly<TimerValues> {
  let values = derived.get(config);
  if (values === undefined || values.T1 !== config.T1 || values.T2 !== config.T2 || values.T4 !== config.T4) {
    values = {
      T1: config.T1,
      T2: config.T2,
      T4: config.T4,
      reliable: Object.freeze(computeTimerValues(config, true)),
      unreliable: Object.freeze(computeTimerValues(config, false)),
    };
    derived.set(config, values);
  }
  return reliable ? values.reliable : values.unreliable;
}

function computeTimerValues(config: TimerConfig, reliable: boolean): TimerValues {
  const { T1, T2, T4 } = config;
  const sixtyFourT1 = 64 * T1;
  return {
    A: reliable ? null : T1,
    B: sixtyFourT1,
    // §17.1.1.2: "at least 32 seconds"; a larger T1 stretches the peer's Timer H window too.
    D: reliable ? 0 : Math.max(TIMER_D_UNRELIABLE_MS, sixtyFourT1),
    E: reliable ? null : T1,
    F: sixtyFourT1,
    G: reliable ? null : T1,
    H: sixtyFourT1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : sixtyFourT1,
    K: reliable ? 0 : T4,
    L: sixtyFourT1,
    M: sixtyFourT1,
    T2,
  };
}
