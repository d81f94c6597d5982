/**
 * Third-party call control, RFC 3725 §4.1 "Flow I": the controller calls A with an INVITE
 * without SDP (1); A's 200 carries offer1 (2); the controller calls B with offer1 (3); B's 200
 * carries answer1 (4); the controller ACKs B (5, by the core) and ACKs A with answer1 (6, the
 * deferred ACK: RFC 3261 §13.2.2.4, RFC 3264 §5). A and B then talk to each other; the two
 * dialogs are bridged (BYE on one ends the other; re-INVITE/UPDATE/INFO relayed, see
 * leg-bridge.ts).
 *
 * RFC 3725 §4.1 warns that Flow I suits a B that answers at once (an automaton, a media server):
 * A resends its 200 while B rings, and A gives up after 64*T1 (§13.3.1.4). The core bounds the
 * wait the same way: without B's answer within 64*T1 it ACKs A with a declining answer and BYEs
 * it, and B is cancelled.
 *
 * Failures: A refuses → the call fails with A's status. B refuses or times out → A's offer is
 * answered with every stream declined (RFC 3264 §6) in the ACK, then A gets BYE
 * (§13.2.2.4 "MUST generate a valid answer in the ACK and then send a BYE immediately").
 */
import type { ThirdPartyCallEnd } from '../services/user-agent.js';
import type { HeaderField, SipResponse } from '../sip/index.js';
import { bridgeLegs } from './leg-bridge.js';
import type { UacTransaction } from './uac-transaction.js';
import type { UserAgentCore } from './user-agent-core.js';
import { bodyOf, type DialogEndReason, type UaDialog } from './user-agent-dialog.js';

export interface ThirdPartyCallOptions {
  /** The party called first, without SDP (Request-URI; IP literal or localhost, or via `route`). */
  a: string;
  /** The party called second, with A's offer. */
  b: string;
  /** From of both legs (the controller, or the user on whose behalf it calls). */
  from: string;
  /** Leg B's From; default `from` (e.g. A's identity, so that B sees who calls). */
  bFrom?: string;
  /** To of each leg (the party's address, when the Request-URI is its registered contact);
   *  default the Request-URI. */
  aTo?: string;
  bTo?: string;
  /** Further header fields for both INVITEs (P-Asserted-Identity …). */
  headers?: HeaderField[];
  /** Preloaded loose route set for both legs (the S-CSCF with `orig`, TS 24.229 §5.7.3). */
  route?: string[];
  /** Relay re-INVITE, UPDATE and INFO between the legs once up (default true). */
  relayInDialog?: boolean;
  /** Call-ID of each leg (default a fresh one, RFC 3261 §8.1.1.4): two dialogs, so they differ. */
  aCallId?: string;
  bCallId?: string;
  /** 1xx on either leg (for ring-back indications). */
  onProvisional?(leg: 'a' | 'b', response: SipResponse): void;
}

export interface ThirdPartyCallLegs {
  a: UaDialog;
  b: UaDialog;
}

/** How the call ended: plain data, the same the engines see. */
export type { ThirdPartyCallEnd };

export class ThirdPartyCall {
  /** Leg A's INVITE (sent at once, without a body). */
  readonly legA: UacTransaction;
  /** Both dialogs once B answered and A was ACKed with B's answer; undefined when it failed. */
  readonly established: Promise<ThirdPartyCallLegs | undefined>;
  readonly ended: Promise<ThirdPartyCallEnd>;
  readonly #core: UserAgentCore;
  readonly #options: ThirdPartyCallOptions;
  #legB: UacTransaction | undefined;
  #a: UaDialog | undefined;
  #legs: ThirdPartyCallLegs | undefined;
  #end: ThirdPartyCallEnd | undefined;
  #resolveLegs!: (legs: ThirdPartyCallLegs | undefined) => void;
  #resolveEnd!: (end: ThirdPartyCallEnd) => void;

  constructor(core: UserAgentCore, options: ThirdPartyCallOptions) {
    if (options.aCallId !== undefined && options.aCallId === options.bCallId) throw new Error('the two legs of a third-party call need different Call-IDs');
    this.#core = core;
    this.#options = options;
    this.established = new Promise((resolve) => (this.#resolveLegs = resolve));
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
    // (1) INVITE A, no SDP: A's 2xx carries the offer; its ACK waits for B's answer.
    this.legA = core.sendRequest(
      { method: 'INVITE', ...this.#leg(options.a, options.from, options.aTo, options.aCallId) },
      {
        deferAck: true,
        onProvisional: (response) => this.#provisional('a', response),
        onFinal: (response, dialog) => this.#onFinalFromA(response, dialog),
      },
    );
  }

  get legB(): UacTransaction | undefined {
    return this.#legB;
  }

  get legs(): ThirdPartyCallLegs | undefined {
    return this.#legs;
  }

  /** Ends the call from our side: BYE both legs once up; before, CANCEL what is pending and
   *  end A's dialog (declining ACK + BYE) if A already answered. */
  async terminate(): Promise<void> {
    if (this.#end) return;
    this.#finish({ by: 'local' });
    if (this.#legs) {
      await Promise.all([this.#legs.a.bye(), this.#legs.b.bye()]);
      return;
    }
    this.legA.cancel();
    this.#legB?.cancel();
    if (this.#a) await this.#a.abandonAck(this.legA.request.cseq.seq);
  }

  #onFinalFromA(response: SipResponse, a: UaDialog | undefined): void {
    if (!a) {
      this.#finish({ by: 'failure', leg: 'a', status: response.status, reason: response.reason });
      return;
    }
    const seq = this.legA.request.cseq.seq;
    if (this.#end) {
      void a.abandonAck(seq); // terminated while A's 2xx was on its way
      return;
    }
    this.#a = a;
    const offer = bodyOf(response);
    if (!offer) {
      // RFC 3264 §5: a 2xx to an offer-less INVITE must offer; without one there is nothing to give B.
      this.#finish({ by: 'failure', leg: 'a', status: 488, reason: 'Not Acceptable Here' });
      void a.abandonAck(seq);
      return;
    }
    // A's BYE (it gave up waiting for our ACK) or the core's 64*T1 wait ends the attempt.
    a.onEnd((reason) => {
      if (this.#legs || this.#end) return;
      this.#finish({ by: 'a', reason });
      this.#legB?.cancel();
    });
    // (3) INVITE B with offer1.
    this.#legB = this.#core.sendRequest(
      { method: 'INVITE', ...this.#leg(this.#options.b, this.#options.bFrom ?? this.#options.from, this.#options.bTo, this.#options.bCallId), body: offer },
      {
        onProvisional: (provisional) => this.#provisional('b', provisional),
        onFinal: (final, b) => this.#onFinalFromB(final, b, a, seq),
      },
    );
  }

  #onFinalFromB(response: SipResponse, b: UaDialog | undefined, a: UaDialog, seq: number): void {
    if (b && this.#end) {
      void b.bye(); // (5) was sent by the core; A is gone: B must not stay up
      return;
    }
    if (this.#end) return;
    const answer = b ? bodyOf(response) : undefined;
    if (!b || !answer) {
      // B refused, timed out, or answered without SDP: decline A's offer in the ACK, then BYE.
      const status = b ? 488 : response.status;
      this.#finish({ by: 'failure', leg: 'b', status, reason: b ? 'Not Acceptable Here' : response.reason });
      if (b) void b.bye();
      void a.abandonAck(seq);
      return;
    }
    // (5) B was ACKed by the core; (6) ACK A with answer1.
    a.acknowledge(seq, [], answer);
    this.#legs = { a, b };
    this.#resolveLegs(this.#legs);
    bridgeLegs(a, b, { relayInDialog: this.#options.relayInDialog ?? true, onEnd: (by, reason) => this.#finish({ by, reason }) });
  }

  #leg(
    uri: string,
    from: string,
    to: string | undefined,
    callId: string | undefined,
  ): { uri: string; from: string; to?: string; callId?: string; headers?: HeaderField[]; route?: string[] } {
    const { headers, route } = this.#options;
    return {
      uri,
      from,
      ...(to !== undefined ? { to } : {}),
      ...(callId !== undefined ? { callId } : {}),
      ...(headers ? { headers } : {}),
      ...(route ? { route } : {}),
    };
  }

  #provisional(leg: 'a' | 'b', response: SipResponse): void {
    if (this.#end || !this.#options.onProvisional) return;
    try {
      this.#options.onProvisional(leg, response);
    } catch (error) {
      this.#core.logger.error({ err: error }, 'third-party call provisional listener threw');
    }
  }

  #finish(end: ThirdPartyCallEnd): void {
    if (this.#end) return;
    this.#end = end;
    if (!this.#legs) this.#resolveLegs(undefined);
    this.#resolveEnd(end);
  }
}

/** Starts an RFC 3725 Flow I call between `options.a` and `options.b`. */
export function startThirdPartyCall(core: UserAgentCore, options: ThirdPartyCallOptions): ThirdPartyCall {
  return new ThirdPartyCall(core, options);
}
