/**
 * Scripted user agents: the phones a test calls. Each answers INVITEs as its script says —
 * answer after a ring time, busy, decline, ring forever, a status of the test's choosing, or a
 * fault (unreachable, silent, crash while ringing) — on the kit's virtual clock, and keeps every
 * request it received. A script list is used one entry per INVITE (the last one repeats).
 */
import { reasonPhrase, type HeaderField } from '../sip/index.js';
import type { VirtualClock } from './virtual-clock.js';
import type { HostTimer } from '../sdk/host/app-sessions.js';

/**
 * - `answer`: 180, then 200 after the phone's `ringMs` (default 0);
 * - `busy` 486, `decline` 603 at once;
 * - `noanswer`: 180 and nothing more (a CANCEL gets 487);
 * - `unreachable`: the request cannot be sent (transport failure: the core makes a 503);
 * - `silent`: the request goes out and nothing ever comes back (Timer B: the core makes a 408);
 * - `{ status, reason?, ringMs?, headers?, body? }`: that final response after `ringMs`
 *   (180 first when it is a 2xx or `ringMs` > 0); a 3xx takes its Contact from `headers`;
 * - `{ crashAfterMs }`: 180, then the phone crashes: no final response, no answer to CANCEL,
 *   later requests fail like `unreachable`.
 */
export type AnswerScript =
  | 'answer'
  | 'busy'
  | 'decline'
  | 'noanswer'
  | 'unreachable'
  | 'silent'
  | { readonly status: number; readonly reason?: string; readonly ringMs?: number; readonly headers?: readonly HeaderField[]; readonly body?: { readonly contentType: string; readonly content: string } }
  | { readonly crashAfterMs: number };

export interface PhoneOptions {
  readonly answer?: AnswerScript | readonly AnswerScript[];
  /** Ring time before `answer` answers (virtual ms, default 0). */
  readonly ringMs?: number;
  /** Name in the ladder (default the URI's user part). */
  readonly name?: string;
  /** The registered contact, for a phone whose URI is an address of record of the kit's domains
   *  (default: the URI itself). */
  readonly contact?: string;
  /** Registration preference (RFC 3261 §20.10 q). */
  readonly q?: number;
  /** The final response to a non-INVITE request (MESSAGE, NOTIFY, INFO …); default 200. */
  readonly respond?: (request: ReceivedRequest) => number | { status: number; reason?: string };
}

export interface ReceivedRequest {
  readonly method: string;
  readonly uri: string;
  readonly callId: string;
  readonly headers: readonly HeaderField[];
  readonly body: string;
  /** Virtual ms since the kit started. */
  readonly at: number;
  /** The first value of a header field (case-insensitive). */
  header(name: string): string | undefined;
}

export interface FinalAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly HeaderField[];
  readonly body?: { readonly contentType: string; readonly content: string };
}

/** How the core hears from a phone about one INVITE. */
export interface InviteEvents {
  provisional(status: number, reason: string): void;
  final(answer: FinalAnswer): void;
}

/** The phone's side of one INVITE transaction. */
export interface InviteLeg {
  /** A CANCEL arrived: true when the phone answers it (the INVITE then gets 487). */
  cancel(): boolean;
}

export type InviteDelivery = { kind: 'unreachable' } | { kind: 'delivered'; leg: InviteLeg };

const answer = (status: number, reason?: string, rest: Partial<FinalAnswer> = {}): FinalAnswer => ({ status, reason: reason ?? (reasonPhrase(status) || 'Unknown'), headers: rest.headers ?? [], ...(rest.body ? { body: rest.body } : {}) });

export class Phone {
  readonly uri: string;
  readonly name: string;
  readonly contact: string;
  readonly q: number | undefined;
  /** Every request the phone received, in order. */
  readonly received: ReceivedRequest[] = [];
  readonly #scripts: readonly AnswerScript[];
  readonly #ringMs: number;
  readonly #respond: PhoneOptions['respond'];
  readonly #clock: VirtualClock;
  readonly #ringing = new Set<{ timers: HostTimer[]; done: boolean }>();
  /** Calls an app placed to this phone (`ctx.uac.invite`) that are up: Call-ID → hang up. */
  readonly #dialogs = new Map<string, () => void>();
  #next = 0;
  #crashed = false;

  constructor(uri: string, options: PhoneOptions, clock: VirtualClock, defaultName: string) {
    this.uri = uri;
    this.name = options.name ?? defaultName;
    this.contact = options.contact ?? uri;
    this.q = options.q;
    const scripts = options.answer === undefined ? ['answer' as const] : Array.isArray(options.answer) ? options.answer : [options.answer as AnswerScript];
    if (scripts.length === 0) throw new Error(`phone ${uri}: an empty answer list`);
    this.#scripts = scripts;
    this.#ringMs = options.ringMs ?? 0;
    this.#respond = options.respond;
    this.#clock = clock;
  }

  get crashed(): boolean {
    return this.#crashed;
  }

  /** The requests of one method the phone received. */
  requests(method: string): ReceivedRequest[] {
    return this.received.filter((request) => request.method === method.toUpperCase());
  }

  /** The methods of the requests received, in order. */
  methods(): string[] {
    return this.received.map((request) => request.method);
  }

  /** Crashes now: ringing INVITEs never end, CANCELs go unanswered, new requests fail (503). */
  crash(): void {
    this.#crashed = true;
    for (const ring of this.#ringing) for (const timer of ring.timers) timer.cancel();
    this.#ringing.clear();
  }

  /** Back after a crash. */
  restart(): void {
    this.#crashed = false;
  }

  /** Call-IDs of the calls an app placed to this phone (`ctx.uac.invite`) that are up now. */
  calls(): string[] {
    return [...this.#dialogs.keys()];
  }

  /**
   * Hangs up (BYE from the phone, answered 200 by the server) the call with `callId`, or every
   * call an app placed to this phone; the app hears `onCallEnded` with `by: 'callee'`. Returns
   * how many calls ended. (Calls through a proxy or B2BUA end with `KitCall.hangup('callee')`.)
   */
  hangup(callId?: string): number {
    const ending = callId === undefined ? [...this.#dialogs.entries()] : [...this.#dialogs.entries()].filter(([id]) => id === callId);
    for (const [id, end] of ending) {
      this.#dialogs.delete(id);
      end();
    }
    return ending.length;
  }

  /** The core tells the phone about a dialog it is in; the returned function forgets it. */
  attachDialog(callId: string, hangup: () => void): () => void {
    this.#dialogs.set(callId, hangup);
    return () => void this.#dialogs.delete(callId);
  }

  /** An INVITE for this phone (the core calls this; tests use the kit). */
  invite(request: ReceivedRequest, events: InviteEvents): InviteDelivery {
    const script = this.#scripts[Math.min(this.#next++, this.#scripts.length - 1)]!;
    if (this.#crashed || script === 'unreachable') return { kind: 'unreachable' };
    this.received.push(request);
    const ring = { timers: [] as HostTimer[], done: false };
    const finish = (final: FinalAnswer): void => {
      if (ring.done) return;
      ring.done = true;
      for (const timer of ring.timers) timer.cancel();
      this.#ringing.delete(ring);
      events.final(final);
    };
    const later = (ms: number, what: () => void): void => {
      if (ms <= 0) what();
      else ring.timers.push(this.#clock.setTimeout(what, ms));
    };
    this.#ringing.add(ring);
    if (script === 'silent') ring.done = true;
    else if (script === 'busy') finish(answer(486));
    else if (script === 'decline') finish(answer(603));
    else if (script === 'noanswer') events.provisional(180, 'Ringing');
    else if (script === 'answer') {
      events.provisional(180, 'Ringing');
      later(this.#ringMs, () => finish(answer(200)));
    } else if ('crashAfterMs' in script) {
      events.provisional(180, 'Ringing');
      later(script.crashAfterMs, () => this.crash());
    } else {
      const ringMs = script.ringMs ?? 0;
      if (ringMs > 0 || (script.status >= 200 && script.status < 300)) events.provisional(180, 'Ringing');
      later(ringMs, () => finish(answer(script.status, script.reason, { headers: script.headers ?? [], ...(script.body ? { body: script.body } : {}) })));
    }
    return {
      kind: 'delivered',
      leg: {
        cancel: () => {
          if (this.#crashed || ring.done) return false;
          finish(answer(487, 'Request Terminated'));
          return true;
        },
      },
    };
  }

  /** A non-INVITE request (MESSAGE, BYE, NOTIFY …): its final response, or undefined when the
   *  phone is unreachable (crashed). */
  request(request: ReceivedRequest): FinalAnswer | undefined {
    if (this.#crashed) return undefined;
    this.received.push(request);
    if (request.method === 'BYE' || this.#respond === undefined) return answer(200);
    const given = this.#respond(request);
    return typeof given === 'number' ? answer(given) : answer(given.status, given.reason);
  }
}
