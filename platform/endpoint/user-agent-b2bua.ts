/**
 * A back-to-back user agent for one incoming INVITE (RFC 3261 §6 "B2BUA": a UAS toward the
 * caller, a UAC toward the target, each leg its own dialog with its own Call-ID and tags).
 * Leg B is a new INVITE to `target` carrying A's body; B's provisional responses (101–199) and
 * final response are relayed to A with one To tag of ours (§12.1.1); on B's 2xx, B is ACKed by
 * the core and A gets our 2xx (resent until A's ACK, §13.3.1.4). A BYE on either leg ends the
 * other with BYE (§15); a CANCEL from A cancels B (§9) and A gets 487; `terminate()` does
 * whichever of these applies. Re-INVITE, UPDATE and INFO are relayed leg to leg (body only).
 */
import type { B2buaEnd } from '../services/user-agent.js';
import { createParams, createResponse, formatNameAddr, generateTag, type HeaderField, type NameAddr, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { UacTransaction } from './uac-transaction.js';
import type { UserAgentCore } from './user-agent-core.js';
import { bridgeLegs } from './leg-bridge.js';
import { bodyOf, type DialogEndReason, type MessageBody, type UaDialog } from './user-agent-dialog.js';

export interface B2buaOptions {
  /** Leg B's Request-URI (host an IP literal or localhost). */
  target: string;
  /** Leg B's From; default A's From (a fresh tag). */
  from?: string;
  /** Leg B's To; default A's To without tag. */
  to?: string;
  /** Further header fields for leg B's INVITE. */
  headers?: HeaderField[];
  /** Preloaded loose route set for leg B (e.g. back to an S-CSCF, TS 24.229 §5.7.5). */
  route?: string[];
  /** Relay re-INVITE, UPDATE and INFO between the legs (default true); else listeners decide. */
  relayInDialog?: boolean;
  /** Ring time of leg B in ms: then B is CANCELled and fails as a locally generated 408
   *  (`timedOut`), as a proxy's ring timeout would (CPL `proxy timeout`, RFC 3880 §6.1). */
  timeoutMs?: number;
  /**
   * Leg B failed (non-2xx final, or a local 408/503): return true to keep leg A pending (the
   * caller answers it, e.g. a new b2bua toward another target); default: B's status is relayed.
   */
  onFailure?(response: SipResponse): boolean;
}

export type { B2buaEnd };

export interface B2buaLegs {
  a: UaDialog;
  b: UaDialog;
}

export class B2buaSession {
  /** Leg B's INVITE client side. */
  readonly legB: UacTransaction;
  /** Both legs once B answered 2xx and A was answered; undefined when the call failed. */
  readonly established: Promise<B2buaLegs | undefined>;
  readonly ended: Promise<B2buaEnd>;
  readonly #core: UserAgentCore;
  readonly #a: InviteServerTransaction;
  readonly #aTag = generateTag();
  readonly #options: B2buaOptions;
  #legs: B2buaLegs | undefined;
  #end: B2buaEnd | undefined;
  #resolveLegs!: (legs: B2buaLegs | undefined) => void;
  #resolveEnd!: (end: B2buaEnd) => void;
  readonly #stopWatchingCancel: () => void;
  #ringTimer: NodeJS.Timeout | undefined;
  #timedOut = false;

  constructor(core: UserAgentCore, transaction: InviteServerTransaction, options: B2buaOptions) {
    this.#core = core;
    this.#a = transaction;
    this.#options = options;
    this.established = new Promise((resolve) => (this.#resolveLegs = resolve));
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
    this.#stopWatchingCancel = core.watchCancel(transaction, () => this.#onCancelFromA());
    const invite = transaction.request;
    const body = bodyOf(invite);
    this.legB = core.sendRequest(
      {
        method: 'INVITE',
        uri: options.target,
        from: options.from ?? formatNameAddr(withoutTag(invite.from)),
        to: options.to ?? formatNameAddr(withoutTag(invite.to)),
        // RFC 7332 §3: a B2BUA carries the received Max-Forwards over, decremented, so that a
        // call routed back into itself ends with 483 instead of looping.
        maxForwards: Math.max(0, Math.min(70, (invite.maxForwards ?? 70) - 1)),
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.route ? { route: options.route } : {}),
        ...(body ? { body } : {}),
      },
      {
        onProvisional: (response) => this.#relayProvisional(response),
        onFinal: (response, dialog) => {
          clearTimeout(this.#ringTimer);
          // After our ring timeout B's answer comes too late: its failure is already decided.
          if (!this.#timedOut) this.#onFinalFromB(response, dialog);
          else if (response.status < 300) void dialog?.bye();
        },
      },
    );
    if (options.timeoutMs !== undefined) this.#ringTimer = setTimeout(() => this.#onRingTimeout(), options.timeoutMs);
  }

  /** Leg B rang out (`timeoutMs`): the failure is a locally generated 408. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  get legs(): B2buaLegs | undefined {
    return this.#legs;
  }

  /** Ends the call from our side: BYE on both legs once established, else CANCEL B and 487 to A. */
  async terminate(): Promise<void> {
    if (this.#end) return;
    if (this.#legs) {
      const { a, b } = this.#legs;
      this.#finish({ by: 'local' });
      await Promise.all([a.bye(), b.bye()]);
      return;
    }
    this.legB.cancel();
    this.#answerA(487, 'Request Terminated');
    this.#finish({ by: 'local' });
  }

  /** Answers the caller (a final non-2xx) while its INVITE is pending: for `onFailure` owners
   *  that decided to keep leg A and then give up. */
  answerCaller(status: number, reason?: string): void {
    if (status < 300) throw new RangeError('answerCaller sends a failure (300-699)');
    this.#answerA(status, reason);
  }

  #relayProvisional(response: SipResponse): void {
    if (response.status === 100 || this.#end || !this.#aPending()) return;
    // An early dialog toward A: our tag and Contact on every provisional (§12.1.1, §13.3.1.1).
    this.#answerA(response.status, response.reason, bodyOf(response), [{ name: 'Contact', value: this.#core.contactFor(this.#a.flow) }]);
  }

  #onFinalFromB(response: SipResponse, b: UaDialog | undefined): void {
    if (response.status >= 200 && response.status < 300 && b) {
      if (this.#end || !this.#aPending()) {
        void b.bye(); // A went away meanwhile (CANCEL, terminate): B must not stay up
        return;
      }
      this.#stopWatchingCancel();
      const body = bodyOf(response);
      const a = this.#core.acceptInvite(this.#a, { toTag: this.#aTag, ...(body ? { body } : {}) });
      this.#link(a, b);
      return;
    }
    if (this.#end) return;
    if (response.status < 300) {
      // A 2xx that makes no dialog (no To tag or Contact): leg B is unusable.
      this.#answerA(502, 'Bad Gateway');
      this.#finish({ by: 'failure', status: 502 });
      return;
    }
    if (this.#options.onFailure?.(response)) {
      this.#stopWatchingCancel();
      this.#finish({ by: 'failure', status: response.status });
      return;
    }
    // §16.7-like relay of the failure: same status; 3xx contacts are B's, not meaningful for A.
    this.#answerA(response.status, response.reason);
    this.#finish({ by: 'failure', status: response.status });
  }

  #onRingTimeout(): void {
    if (this.#legs || this.#end) return;
    this.#timedOut = true;
    this.legB.cancel();
    this.#onFinalFromB(createResponse(this.legB.request, 408, 'Request Timeout'), undefined);
  }

  #onCancelFromA(): void {
    clearTimeout(this.#ringTimer);
    if (this.#end) return;
    this.legB.cancel();
    this.#answerA(487, 'Request Terminated');
    this.#finish({ by: 'cancel' });
  }

  #link(a: UaDialog, b: UaDialog): void {
    this.#legs = { a, b };
    this.#resolveLegs(this.#legs);
    bridgeLegs(a, b, { relayInDialog: this.#options.relayInDialog ?? true, onEnd: (by, reason) => this.#finish({ by, reason }) });
  }

  #aPending(): boolean {
    return this.#a.finalResponse === undefined && !this.#a.terminated;
  }

  #answerA(status: number, reason: string | undefined, body?: MessageBody, headers: HeaderField[] = []): void {
    if (!this.#aPending()) return;
    const response = createResponse(this.#a.request, status, reason, {
      toTag: this.#aTag,
      headers,
      ...(body ? { body: body.content, contentType: body.contentType } : {}),
    });
    try {
      this.#a.respond(response);
    } catch (error) {
      this.#core.logger.warn({ err: error, status }, 'leg A could not be answered');
    }
  }

  #finish(end: B2buaEnd): void {
    if (this.#end) return;
    this.#end = end;
    clearTimeout(this.#ringTimer);
    this.#stopWatchingCancel();
    if (!this.#legs) this.#resolveLegs(undefined);
    this.#resolveEnd(end);
  }
}

/** Starts a B2BUA for the INVITE of `transaction` toward `options.target`. */
export function startB2bua(core: UserAgentCore, transaction: InviteServerTransaction, options: B2buaOptions): B2buaSession {
  return new B2buaSession(core, transaction, options);
}

function withoutTag(address: NameAddr): NameAddr {
  return { ...address, params: createParams([...address.params.entries()].filter(([name]) => name.toLowerCase() !== 'tag')) };
}
