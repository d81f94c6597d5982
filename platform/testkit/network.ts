/**
 * The kit's network: the phones (by contact and by address of record), the location service the
 * app engine sees (ServiceHost.lookup), and sending requests from the server to a phone with
 * the ladder written on the way. Where the real core would hit a transport error (no phone
 * there, a crashed phone) it makes a 503 itself; where nothing ever answers, Timer B makes a 408
 * after 64·T1 = 32 s (RFC 3261 §17.1.1.2, §8.1.3.1).
 */
import { parseUri, type HeaderField } from '../sip/index.js';
import type { Ladder } from './ladder.js';
import type { FinalAnswer, Phone, ReceivedRequest } from './phones.js';
import type { VirtualClock } from './virtual-clock.js';

/** RFC 3261 §17.1.1.2: Timer B = 64·T1. */
export const TIMER_B_MS = 64 * 500;

/** The server (core plus apps) in the ladder. */
export const SERVER = 'app';

export interface ResponseEvents {
  provisional(status: number, reason: string): void;
  /** `local`: made by the core (timeout, transport failure), not received. */
  final(answer: FinalAnswer, local: boolean): void;
}

export interface OutboundInvite {
  /** CANCEL (§9.1: sent once a provisional response arrived; until then only remembered). */
  cancel(): void;
}

export interface OutgoingRequest {
  readonly method: string;
  readonly uri: string;
  readonly callId: string;
  readonly headers: readonly HeaderField[];
  readonly body: string;
}

/** `user@host[:port]`, host lower-cased: how the kit matches URIs. */
export function uriKey(uri: string): string {
  try {
    const parsed = parseUri(uri);
    if (parsed.kind !== 'sip') return uri.toLowerCase();
    return `${parsed.user ?? ''}@${parsed.host.toLowerCase()}${parsed.port === undefined ? '' : `:${parsed.port}`}`;
  } catch {
    return uri.toLowerCase();
  }
}

export class Network {
  readonly #phones: Phone[] = [];
  readonly #users = new Set<string>();
  readonly #domains: readonly string[];
  readonly #clock: VirtualClock;
  readonly #ladder: Ladder;

  constructor(domains: readonly string[], clock: VirtualClock, ladder: Ladder) {
    this.#domains = domains.map((domain) => domain.toLowerCase());
    this.#clock = clock;
    this.#ladder = ladder;
  }

  add(phone: Phone): void {
    this.#phones.push(phone);
    const aor = this.aorOf(phone.uri);
    if (aor !== undefined) this.#users.add(aor);
  }

  /** A user of ours without a registered phone (lookups give no-bindings, calls 480). */
  addUser(aor: string): void {
    this.#users.add(aor.toLowerCase());
  }

  isLocalDomain(domain: string): boolean {
    return this.#domains.includes(domain.toLowerCase());
  }

  /** `user@domain` when `uri` is an address of one of our domains. */
  aorOf(uri: string): string | undefined {
    try {
      const parsed = parseUri(uri);
      if (parsed.kind !== 'sip' || parsed.user === undefined || !this.isLocalDomain(parsed.host)) return undefined;
      return `${parsed.user}@${parsed.host.toLowerCase()}`;
    } catch {
      return undefined;
    }
  }

  /** The location service: found (the phones registered for the AOR) / no-bindings / unknown-user. */
  lookup(aor: string): { kind: 'found'; phones: Phone[] } | { kind: 'no-bindings' } | { kind: 'unknown-user' } {
    const phones = this.#phones.filter((phone) => this.aorOf(phone.uri) === aor);
    if (phones.length > 0) return { kind: 'found', phones };
    return this.#users.has(aor) ? { kind: 'no-bindings' } : { kind: 'unknown-user' };
  }

  /** The phone at a contact URI, if any. */
  phoneAt(uri: string): Phone | undefined {
    const key = uriKey(uri);
    return this.#phones.find((phone) => uriKey(phone.contact) === key);
  }

  /** A name for the ladder: the phone's, else `user@host` of the URI. */
  labelOf(uri: string): string {
    return this.phoneAt(uri)?.name ?? uriKey(uri).replace(/^@/u, '');
  }

  received(request: OutgoingRequest): ReceivedRequest {
    const headers = request.headers.map((field) => ({ name: field.name, value: field.value }));
    return {
      method: request.method.toUpperCase(),
      uri: request.uri,
      callId: request.callId,
      headers,
      body: request.body,
      at: this.#clock.elapsed,
      header: (name) => headers.find((field) => field.name.toLowerCase() === name.toLowerCase())?.value,
    };
  }

  /** Sends an INVITE from the server to `request.uri`; responses come back through `events`. */
  invite(request: OutgoingRequest, events: ResponseEvents): OutboundInvite {
    const label = this.labelOf(request.uri);
    const phone = this.phoneAt(request.uri);
    const { callId } = request;
    this.#ladder.record({ from: SERVER, to: label, method: 'INVITE', uri: request.uri, callId });
    let provisional = false;
    let done = false;
    let cancelWanted = false;
    let cancelSent = false;
    const local = (status: number, reason: string): void => {
      if (done) return;
      done = true;
      timerB.cancel();
      this.#ladder.record({ from: label, to: SERVER, method: 'INVITE', status, reason, callId, local: true });
      events.final({ status, reason, headers: [] }, true);
    };
    const timerB = this.#clock.setTimeout(() => local(408, 'Request Timeout'), TIMER_B_MS);
    const delivery = phone?.invite(this.received(request), {
      provisional: (status, reason) => {
        if (done) return;
        this.#ladder.record({ from: label, to: SERVER, method: 'INVITE', status, reason, callId });
        if (!provisional) timerB.cancel();
        provisional = true;
        events.provisional(status, reason);
        if (cancelWanted && !cancelSent) sendCancel();
      },
      final: (answer) => {
        this.#ladder.record({ from: label, to: SERVER, method: 'INVITE', status: answer.status, reason: answer.reason, callId });
        if (done) return;
        done = true;
        timerB.cancel();
        events.final(answer, false);
      },
    });
    const sendCancel = (): void => {
      cancelSent = true;
      this.#ladder.record({ from: SERVER, to: label, method: 'CANCEL', uri: request.uri, callId });
      if (delivery?.kind === 'delivered') delivery.leg.cancel();
    };
    // §8.1.3.1: a transport error is treated as a 503 — no phone there, or a crashed one.
    if (delivery === undefined || delivery.kind === 'unreachable') local(503, 'Service Unavailable');
    return {
      cancel: () => {
        if (done || cancelSent) return;
        cancelWanted = true;
        if (provisional) sendCancel();
      },
    };
  }

  /** A phone sends a request in a dialog with the server (its BYE), which the core answers 200. */
  fromPhone(phone: Phone, method: string, callId: string): void {
    this.#ladder.record({ from: phone.name, to: SERVER, method, callId });
    this.#ladder.record({ from: SERVER, to: phone.name, method, status: 200, reason: 'OK', callId });
  }

  /** Sends a non-INVITE request from `from` (default the server) to a phone; its final response. */
  request(request: OutgoingRequest, from = SERVER): FinalAnswer & { local: boolean } {
    const label = this.labelOf(request.uri);
    const phone = this.phoneAt(request.uri);
    const { callId, method } = request;
    this.#ladder.record({ from, to: label, method, uri: request.uri, callId });
    const answer = phone?.request(this.received(request));
    if (answer === undefined) {
      this.#ladder.record({ from: label, to: from, method, status: 503, reason: 'Service Unavailable', callId, local: true });
      return { status: 503, reason: 'Service Unavailable', headers: [], local: true };
    }
    this.#ladder.record({ from: label, to: from, method, status: answer.status, reason: answer.reason, callId });
    return { ...answer, local: false };
  }
}
