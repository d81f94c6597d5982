/**
 * The UA surface engines see (issue 5): originate requests as a UAC (RFC 3261 §8.1), hold
 * dialogs (§12), bridge an incoming INVITE as a B2BUA and connect two parties by third-party
 * call control (RFC 3725, issue 7). Types only: the endpoint implements
 * them over its UA core (platform/endpoint/user-agent-service.ts); engines never see
 * transactions, sockets or SipMessage objects — responses and requests are plain data.
 *
 *   const uac = host.userAgent?.sendRequest(
 *     { method: 'MESSAGE', uri: 'sip:bob@192.0.2.7', from: 'sip:notify@example.com',
 *       body: { contentType: 'text/plain', content: 'missed call' } });
 *   const final = await uac.final;                            // ServiceResponse
 *
 *   // in decide(): answer the INVITE as a B2BUA
 *   return { kind: 'b2bua', target: 'sip:prepaid@192.0.2.9', onLegs: ({ a, b }, call) => …};
 *
 *   // click-to-dial: ring alice, then connect her to bob (RFC 3725 Flow I)
 *   const call = host.userAgent?.thirdPartyCall(
 *     { a: 'sip:alice@192.0.2.7', b: 'sip:bob@192.0.2.8', from: 'sip:click2dial@example.com' });
 *   const legs = await call.established;                     // { a, b } DialogHandles, or undefined
 */
import type { HeaderField } from '../sip/index.js';
import type { BranchOutcome, Decision, ServiceResponse } from './decision.js';

export interface MessageBodySpec {
  contentType: string;
  content: string | Buffer;
}

/** An out-of-dialog request (RFC 3261 §8.1.1). The core adds Via, Max-Forwards, a From tag,
 *  Call-ID (unless given), CSeq and, for INVITE, Contact. ACK and CANCEL are the core's. */
export interface OutgoingRequestSpec {
  method: string;
  /** Request-URI; this release resolves only IP literals and localhost (no RFC 3263). */
  uri: string;
  /** name-addr or URI; a tag in it is replaced. */
  from: string;
  /** Default: the Request-URI. */
  to?: string;
  callId?: string;
  /** Preloaded loose route set (§8.1.1.1), in order. */
  route?: string[];
  headers?: HeaderField[];
  body?: MessageBodySpec;
}

export interface ClientEvents {
  /** 1xx responses. */
  onProvisional?(response: ServiceResponse): void;
  /** The final response: received, or generated locally (408 timeout, 503 transport failure or
   *  unresolvable target, `locallyGenerated`). For INVITE the first 2xx only, with its dialog
   *  (the core has ACKed it; later forks are ACKed and ended with BYE). */
  onFinal?(response: ServiceResponse, dialog: DialogHandle | undefined): void;
}

export interface ClientHandle {
  /** The final response, as given to onFinal. */
  readonly final: Promise<ServiceResponse>;
  /** INVITE only: the dialog of the 2xx, undefined for any other outcome. */
  dialog(): Promise<DialogHandle | undefined>;
  /** CANCEL a pending INVITE (§9.1: sent once a provisional arrived); no effect afterwards. */
  cancel(): void;
}

export type DialogEndReason = 'local-bye' | 'remote-bye' | 'ack-timeout' | 'failed';

/** A request that arrived in one of the engine's dialogs (BYE excepted: the core answers it
 *  and reports `remote-bye`). Answer exactly once; without a listener the core answers
 *  re-INVITE/UPDATE 488, INFO/OPTIONS 200, the rest 501. */
export interface InDialogRequestEvent {
  readonly method: string;
  readonly headers: HeaderField[];
  readonly body?: { contentType: string; content: Buffer };
  /** A 2xx to a re-INVITE carries our Contact and is resent until its ACK (§13.3.1.4). */
  respond(status: number, reason?: string, options?: { headers?: HeaderField[]; body?: MessageBodySpec }): void;
}

export interface DialogHandle {
  /** Opaque, stable for the dialog's life. */
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly state: 'early' | 'confirmed' | 'terminated';
  /** A request in the dialog (INFO, re-INVITE, UPDATE, MESSAGE, NOTIFY …; BYE ends it). A 2xx to
   *  a re-INVITE is ACKed by the core. */
  request(method: string, options?: { headers?: HeaderField[]; body?: MessageBodySpec }): Promise<ServiceResponse>;
  /** §15: sends BYE (once); resolves when it completed. */
  bye(): Promise<void>;
  onRequest(listener: (request: InDialogRequestEvent) => void): () => void;
  onEnd(listener: (reason: DialogEndReason) => void): () => void;
}

export interface B2buaLegs {
  /** Toward the caller (the incoming INVITE). */
  a: DialogHandle;
  /** Toward the target. */
  b: DialogHandle;
}

export type B2buaEnd =
  | { by: 'a' | 'b'; reason: DialogEndReason }
  | { by: 'local' }
  | { by: 'cancel' }
  | { by: 'failure'; status: number };

export interface B2buaControl {
  /** BYE on both legs once established; before that CANCEL leg B and 487 to the caller. */
  terminate(): Promise<void>;
}

/**
 * Answer the incoming INVITE as a B2BUA toward `target` (a new dialog on each side: own Call-ID,
 * tags, CSeq; provisional and final responses of leg B relayed to the caller; BYE on one leg
 * ends the other; re-INVITE/UPDATE/INFO relayed leg to leg unless `relayInDialog` is false).
 * To be added to the `Decision` union (platform/services/decision.ts).
 */
export interface B2buaDecision {
  kind: 'b2bua';
  target: string;
  /** Leg B's From (default the caller's From) and To (default the caller's To). */
  from?: string;
  to?: string;
  headers?: HeaderField[];
  relayInDialog?: boolean;
  /** Ring time of leg B in ms; then B is CANCELled and onOutcome hears `noanswer` (408,
   *  timedOut). Default: until B answers or its INVITE transaction times out. */
  timeoutMs?: number;
  /** Both legs are up (A's 2xx sent). */
  onLegs?(legs: B2buaLegs, control: B2buaControl): void;
  /** Called once when the call is over, however it ended. */
  onEnd?(end: B2buaEnd): void;
  /** Leg B produced no 2xx: what next for the caller (`continue` relays leg B's status). */
  onOutcome?(outcome: BranchOutcome): Decision | Promise<Decision>;
}

/**
 * A call set up by a third party between `a` and `b` (RFC 3725 §4.1 "Flow I", click-to-dial):
 * A is called first with an INVITE without SDP; A's 200 carries the offer, which goes to B in
 * a second INVITE; B's answer goes back to A in the ACK. Both INVITEs come from us, with their
 * own Call-ID, tags and CSeq. Flow I suits a B that answers at once: A resends its 200 while B
 * rings and gives up after 32 s (64*T1), and so do we.
 */
export interface ThirdPartyCallSpec {
  /** Called first (its phone rings first). Request-URI; IP literal or localhost unless routed. */
  a: string;
  /** Called once A answered, with A's session offer. */
  b: string;
  /** From of both legs (the service, or the user on whose behalf it calls). */
  from: string;
  /** Leg B's From; default `from` (e.g. A's address, so that B sees who is calling). */
  bFrom?: string;
  /** To of each leg: the party's address when `a`/`b` is its registered contact (default the
   *  Request-URI). */
  aTo?: string;
  bTo?: string;
  /** Further header fields for both INVITEs (an AS sets P-Asserted-Identity, TS 24.229 §5.7.3). */
  headers?: HeaderField[];
  /** Preloaded loose route set for both legs. Default: none — except on ISC with
   *  `isc.originatingScscf`, where both legs go to that S-CSCF with `orig` (TS 24.229 §5.7.3),
   *  like every request an engine originates. */
  route?: string[];
  /** Relay re-INVITE, UPDATE and INFO between the legs once up (default true). */
  relayInDialog?: boolean;
  /** Call-ID of each leg's INVITE (default a fresh one, RFC 3261 §8.1.1.4): a caller that picks
   *  them knows the calls before the first message goes out (per-call traces). Must differ. */
  aCallId?: string;
  bCallId?: string;
}

export interface ThirdPartyCallLegs {
  /** The dialog with the party called first. */
  a: DialogHandle;
  /** The dialog with the party called second. */
  b: DialogHandle;
}

export type ThirdPartyCallEnd =
  /** That leg ended by itself: its BYE (`remote-bye`), a 408/481 in the dialog (`failed`), or,
   *  before B answered, A's BYE / our 64*T1 wait for B (`ack-timeout`). The other got BYE. */
  | { by: 'a' | 'b'; reason: DialogEndReason }
  /** `terminate()`. */
  | { by: 'local' }
  /** That leg's INVITE failed: its final status (408 no answer, 503 unreachable, 486 busy …;
   *  488 when A offered no session or B answered none). A was ACKed and sent BYE if it answered. */
  | { by: 'failure'; leg: 'a' | 'b'; status: number; reason: string };

export interface ThirdPartyCallEvents {
  /** 1xx on either leg (e.g. 180 from B: play ring-back on the web page). */
  onProvisional?(leg: 'a' | 'b', response: ServiceResponse): void;
  /** Both parties are connected. */
  onEstablished?(legs: ThirdPartyCallLegs): void;
  /** Called once when the call is over, however it ended (setup failures included). */
  onEnd?(end: ThirdPartyCallEnd): void;
}

export interface ThirdPartyCallHandle {
  /** Both dialogs once connected; undefined when the call failed or was terminated first. */
  readonly established: Promise<ThirdPartyCallLegs | undefined>;
  /** How the call ended (as given to onEnd). */
  readonly ended: Promise<ThirdPartyCallEnd>;
  /** Ends the call: BYE on both legs once up; before that CANCEL what rings and BYE A if it
   *  answered. Resolves when the requests completed. */
  terminate(): Promise<void>;
}

/** What ServiceHost gains: `readonly userAgent?: UserAgentService`. */
export interface UserAgentService {
  sendRequest(spec: OutgoingRequestSpec, events?: ClientEvents): ClientHandle;
  /** Connects `spec.a` and `spec.b` (RFC 3725 Flow I, see ThirdPartyCallSpec). The server's
   *  UA always has it; optional only so that test doubles of this interface need not. */
  thirdPartyCall?(spec: ThirdPartyCallSpec, events?: ThirdPartyCallEvents): ThirdPartyCallHandle;
}
