/**
 * The UA surface engines see (issue 5): originate requests as a UAC (RFC 3261 §8.1), hold
 * dialogs (§12) and bridge an incoming INVITE as a B2BUA. Types only: the endpoint implements
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
  /** Both legs are up (A's 2xx sent). */
  onLegs?(legs: B2buaLegs, control: B2buaControl): void;
  /** Called once when the call is over, however it ended. */
  onEnd?(end: B2buaEnd): void;
  /** Leg B produced no 2xx: what next for the caller (`continue` relays leg B's status). */
  onOutcome?(outcome: BranchOutcome): Decision | Promise<Decision>;
}

/** What ServiceHost gains: `readonly userAgent?: UserAgentService`. */
export interface UserAgentService {
  sendRequest(spec: OutgoingRequestSpec, events?: ClientEvents): ClientHandle;
}
