/**
 * A call (or any initial request) a test makes with `kit.invite(...)` / `kit.request(...)`: the
 * caller's view — provisional responses, the final response, CANCEL and hang-up.
 */
import type { HeaderField, SipRequest } from '../sip/index.js';
import { formatUri, reasonPhrase } from '../sip/index.js';
import type { Ladder } from './ladder.js';
import { SERVER } from './network.js';
import type { VirtualClock } from './virtual-clock.js';
import type { Activity } from './activity.js';

export interface CallResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly HeaderField[];
  readonly body?: string;
  /** The first value of a header field (case-insensitive). */
  header(name: string): string | undefined;
}

/** What the simulated core attaches to a call to act on the caller's CANCEL and BYE. */
export interface CallControl {
  cancel?(): void;
  hangup?(by: 'caller' | 'callee'): void;
}

/** Virtual time `settle()` waits for a final response by default (Timer C is 185 s). */
export const DEFAULT_SETTLE_MS = 600_000;

export class KitCall {
  readonly request: SipRequest;
  /** The caller's name in the ladder. */
  readonly caller: string;
  readonly provisional: CallResponse[] = [];
  /** Resolves with the caller's final response; may need the clock to move (see `settle`). */
  readonly final: Promise<CallResponse>;
  /** Set by the core: how to CANCEL or end this call. */
  control: CallControl = {};
  /** Whether a 2xx dialog is up (until BYE). */
  established = false;
  #response: CallResponse | undefined;
  #resolve!: (response: CallResponse) => void;
  readonly #ladder: Ladder;
  readonly #clock: VirtualClock;
  readonly #activity: Activity;

  constructor(request: SipRequest, caller: string, deps: { ladder: Ladder; clock: VirtualClock; activity: Activity }) {
    this.request = request;
    this.caller = caller;
    this.#ladder = deps.ladder;
    this.#clock = deps.clock;
    this.#activity = deps.activity;
    this.final = new Promise((resolve) => (this.#resolve = resolve));
  }

  get callId(): string {
    return this.request.callId;
  }

  get method(): string {
    return this.request.method;
  }

  /** The final response, once there is one. */
  get response(): CallResponse | undefined {
    return this.#response;
  }

  /**
   * Runs the virtual clock until the caller has a final response (at most `maxMs` of virtual
   * time, default 10 minutes) and returns it. Throws if none came.
   */
  async settle(maxMs = DEFAULT_SETTLE_MS): Promise<CallResponse> {
    const done = await this.#clock.runUntil(() => this.#response !== undefined, maxMs);
    if (!done || this.#response === undefined) throw new Error(`${this.method} ${this.callId}: no final response within ${maxMs} ms of virtual time`);
    return this.#response;
  }

  /** The caller CANCELs (§9.1); resolves once the kit is idle again. */
  async cancel(): Promise<void> {
    if (this.#response !== undefined) return;
    this.#ladder.record({ from: this.caller, to: SERVER, method: 'CANCEL', uri: formatUri(this.request.uri), callId: this.callId });
    this.#activity.run(() => this.control.cancel?.());
    await this.#activity.idle();
  }

  /** Ends the established call with a BYE from the caller (or from the callee). */
  async hangup(by: 'caller' | 'callee' = 'caller'): Promise<void> {
    if (!this.established) throw new Error(`${this.callId}: no established call to hang up`);
    this.established = false;
    this.#activity.run(() => this.control.hangup?.(by));
    await this.#activity.idle();
  }

  // ---- for the simulated core ----

  /** A provisional response to the caller. */
  sendProvisional(status: number, reason?: string): void {
    if (this.#response !== undefined) return;
    const response = toResponse(status, reason, []);
    this.provisional.push(response);
    this.#ladder.record({ from: SERVER, to: this.caller, method: this.method, status, reason: response.reason, callId: this.callId });
  }

  /** The final response to the caller (later ones are ignored, as a transaction would). */
  sendFinal(status: number, reason?: string, headers: readonly HeaderField[] = [], body?: string): void {
    if (this.#response !== undefined) return;
    const response = toResponse(status, reason, headers, body);
    this.#response = response;
    this.established = this.method === 'INVITE' && status >= 200 && status < 300;
    this.#ladder.record({ from: SERVER, to: this.caller, method: this.method, status, reason: response.reason, callId: this.callId });
    this.#resolve(response);
  }

  /** Records a message of this call in the ladder (BYEs of the caller). */
  record(from: string, to: string, method: string, status?: number): void {
    this.#ladder.record({ from, to, method, callId: this.callId, ...(status === undefined ? {} : { status, reason: reasonPhrase(status) }) });
  }
}

function toResponse(status: number, reason: string | undefined, headers: readonly HeaderField[], body?: string): CallResponse {
  const fields = headers.map((field) => ({ name: field.name, value: field.value }));
  return {
    status,
    reason: reason ?? (reasonPhrase(status) || 'Unknown'),
    headers: fields,
    ...(body === undefined || body === '' ? {} : { body }),
    header: (name) => fields.find((field) => field.name.toLowerCase() === name.toLowerCase())?.value,
  };
}
