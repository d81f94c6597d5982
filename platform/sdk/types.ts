/**
 * The public types of the Switchboard app SDK: what an app's handlers receive. Modelled on the
 * SIP Servlet API (JSR 289 `doInvite`/`doErrorResponse`, Proxy, SipApplicationSession,
 * TimerService) in the shape of appserver spec §B.2: one `ctx` capability object, plain-data
 * state, named timers, no ambient authority.
 */
import type { PlainData } from './protocol.js';

export type { PlainData } from './protocol.js';

/** A JSON value (what the key-value store holds). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Header fields of a message, case-insensitive by name (compact forms are not expanded). */
export interface ReadonlySipHeaders {
  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined;
  /** Every value of `name`, in order. */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Every field as `[name, value]`, in order. */
  entries(): Array<[string, string]>;
}

/** Writable headers of a received request: changes apply to what the app proxies. */
export interface SipHeaders extends ReadonlySipHeaders {
  /** Replaces every field of `name` with one field. Via, Call-ID, CSeq, From, To are the container's (JSR 289 system headers). */
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
}

/** A party of the call from a From/To header: `"Alice" <sip:alice@example.com>;tag=1`. */
export interface Party {
  readonly uri: string;
  readonly user: string | undefined;
  readonly host: string | undefined;
  readonly displayName: string | undefined;
  readonly tag: string | undefined;
}

/** A place to send a request: a URI, optionally with a preference (RFC 3261 §20.10 q). */
export type Target = string | { uri: string; q?: number };

export interface ProxyOptions {
  /** Ring all targets at once (`parallel`, default) or one after another (`sequential`, in q order). */
  mode?: 'parallel' | 'sequential';
  /** Stay on the signalling path (Record-Route, RFC 3261 §16.6 step 4). Default: the server's setting. */
  recordRoute?: boolean;
  /** How long to ring, in seconds (per target when sequential) before the outcome is "noanswer". */
  timeout?: number;
  /** Follow 3xx responses (JSR 289 `setRecurse`). Default: the server's setting. */
  recurse?: boolean;
}

/** How a proxy attempt ended, in CPL's terms (RFC 3880 §6.1). */
export type OutcomeKind = 'success' | 'busy' | 'noanswer' | 'redirection' | 'failure';

/** A response the app sees: the best final response of a proxy attempt, or a branch response. */
export interface SipResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlySipHeaders;
  readonly body: string;
  /** The request this answers; act on it again from response handlers (e.g. proxy elsewhere). */
  readonly request: SipRequest;
  /** Outcome class of a final response; `undefined` for provisional ones. */
  readonly outcome: OutcomeKind | undefined;
  /** Nobody answered: the proxy gave up and made this response itself. */
  readonly timedOut: boolean;
  /** Contacts of a 3xx. */
  readonly contacts: readonly string[];
  /** The target whose branch produced it. */
  readonly target: string | undefined;
}

/** An initial request the app decides on. Exactly one action (reply, proxy, redirect, pass) per attempt. */
export interface SipRequest {
  readonly method: string;
  /** The Request-URI; assigning it changes where `proxy()` without targets sends the request. */
  uri: string;
  readonly headers: SipHeaders;
  readonly body: string;
  readonly callId: string;
  readonly from: Party;
  readonly to: Party;
  /** Whose service runs: the caller's (`originating`) or the callee's (`terminating`). */
  readonly direction: 'originating' | 'terminating';
  /** The served user, `user@domain`. */
  readonly aor: string;
  /** The AOR the caller proved with digest authentication, if any. */
  readonly authenticatedAs: string | undefined;
  readonly source: { readonly protocol: string; readonly address: string; readonly port: number };
  /** Always true: apps see initial requests; in-dialog requests follow the dialog (RFC 3261 §12). */
  readonly isInitial: boolean;
  /** An action was taken on this request in the current attempt. */
  readonly committed: boolean;
  /** Replaces the body that is proxied. */
  setBody(content: string, contentType: string): void;
  /**
   * Answers the request (final status 200–699).
   * @param headers extra header fields, as an object or `[name, value]` pairs
   * @param body text, or `{ contentType, content }` (text defaults to `text/plain`)
   */
  reply(status: number, reason?: string, headers?: HeaderInit, body?: string | { contentType: string; content: string }): void;
  /**
   * Proxies the request (RFC 3261 §16) to `targets` (default: the Request-URI). Resolves with
   * the best final response once the attempt ends; if it is not a 2xx the app may act again
   * (proxy elsewhere, reply, redirect). If it does not, the caller gets that response.
   * Awaiting it does not hold the application session: other events of the session wait, the
   * call does not.
   */
  proxy(targets?: Target | readonly Target[], options?: ProxyOptions): Promise<SipResponse>;
  /**
   * Answers the INVITE as a back-to-back user agent (RFC 3261 §6 B2BUA, JSR 289 B2buaHelper in
   * drachtio's `createB2BUA` shape): the server calls `target` on a new leg with its own
   * Call-ID, tags and CSeq, relays leg B's provisional and final responses to the caller, and
   * bridges the two dialogs (a BYE on one leg ends the other). Resolves once both legs are up
   * (`outcome: 'success'` with the `call`) or leg B failed (then the app may act again: reply,
   * proxy, b2bua elsewhere; without an action the caller gets leg B's status). Like `proxy()`,
   * awaiting it does not hold the application session. INVITE only.
   */
  b2bua(target: string, options?: B2buaOptions): Promise<B2buaResult>;
  /** Answers 302 (or 301 with `permanent`) listing `contacts` (RFC 3261 §8.3). */
  redirect(contacts: Target | readonly Target[], options?: { permanent?: boolean }): void;
  /** Leaves the request to the next app or service, then to normal routing. */
  pass(): void;
}

export type HeaderInit = Record<string, string> | ReadonlyArray<readonly [string, string]>;

export interface B2buaOptions {
  /** Leg B's From (URI or name-addr; default the caller's From, with a new tag). */
  from?: string;
  /** Leg B's To (default the caller's To). */
  to?: string;
  /** Extra header fields on leg B's INVITE (not Via, Call-ID, CSeq, From, To, Contact, Route,
   *  Record-Route, Max-Forwards, Content-Type, Content-Length: the server writes those). */
  headers?: HeaderInit;
  /** How long leg B may ring, in seconds, before the outcome is "noanswer" (needs core support;
   *  see platform/sdk/README.md). */
  timeout?: number;
}

/** A bridged call (or one the app placed with `ctx.uac.invite`), as plain data: store it in the
 *  session or a timer payload, end it with `ctx.calls.terminate(call)`. */
export interface CallRef {
  readonly id: string;
  /** Leg B's target (the party called) as the app gave it. */
  readonly target: string;
}

/** How `req.b2bua()` ended. `cancelled`: the caller gave up (CANCEL) before leg B answered. */
export type B2buaOutcomeKind = OutcomeKind | 'cancelled';

export interface B2buaResult {
  readonly outcome: B2buaOutcomeKind;
  /** 200 when bridged, else leg B's final status (408 when nobody answered, 487 cancelled). */
  readonly status: number;
  readonly reason: string;
  /** Nobody answered leg B: the server gave up and made the status itself. */
  readonly timedOut: boolean;
  /** The call, when `outcome` is `success`. */
  readonly call: CallRef | undefined;
}

/** A bridged call is over (`onCallEnded`). `by`: who hung up — `caller` (leg A), `callee`
 *  (leg B; for a call the app placed with `ctx.uac.invite`, the party it called) or `app`
 *  (`ctx.calls.terminate`). */
export interface CallEnd {
  readonly by: 'caller' | 'callee' | 'app';
  /** `remote-bye`, `ack-timeout`, `failed` (a leg's dialog broke) or `terminated` (by the app). */
  readonly reason: string;
  /** How long both legs were up. */
  readonly durationMs: number;
}

/** Options of `ctx.calls.connect(a, b, options)`. */
export interface ConnectOptions {
  /** From of leg A (what A's phone shows while it rings). Default `<sip:APP@DOMAIN>` with A's domain. */
  from?: string;
  /** From of leg B (who B sees calling). Default A's address as the app gave it. */
  bFrom?: string;
  /** Extra header fields on both INVITEs (not the ones the server writes: Via, Call-ID, CSeq,
   *  From, To, Contact, Route, Max-Forwards, Content-*). */
  headers?: HeaderInit;
}

/** How a `connect()` attempt ended (`onCallConnected`). */
export interface ConnectResult {
  /** `connected`: both parties talk; `failed`: one leg did not answer, refused, or the attempt
   *  was ended first (`ctx.calls.terminate`, A hung up while B rang: 487). */
  readonly outcome: 'connected' | 'failed';
  /** 200 when connected, else the failed leg's status (486 busy, 408 no answer, 480 a user of
   *  ours without a registered phone, 404 unknown user, 488 no session offered/answered). */
  readonly status: number;
  readonly reason: string;
  /** Which leg failed: `a` (called first) or `b`. */
  readonly leg: 'a' | 'b' | undefined;
}

/** Needs the `calls` permission: control the app's calls from any event (e.g. a timer). */
export interface Calls {
  /**
   * Ends a call: BYE on both legs of a bridged or connected call (RFC 3261 §15); a
   * `connect()` that is still ringing is cancelled. Resolves true once the requests are on
   * their way (`onCallEnded` or a failed `onCallConnected` follows, `by: 'app'`), false when
   * the call is unknown or already over.
   */
  terminate(call: CallRef | string): Promise<boolean>;
  /**
   * Click-to-dial (third-party call control, RFC 3725 §4.1 Flow I): the server calls `a` first
   * (INVITE without SDP), then `b` with A's session offer, and gives B's answer to A in the ACK.
   * A user of this server is called at their registered phone. Resolves at once with the
   * call (plain data: keep it in the session or the key-value store) — A may ring for 30 s,
   * longer than an event may last — and the outcome arrives as `onCallConnected(call, result)`;
   * a connected call's end as `onCallEnded(call, end)` (`by: 'caller'` is A, `'callee'` B).
   * Throws for a malformed URI or when the server has no UA core.
   */
  connect(a: string, b: string, options?: ConnectOptions): Promise<CallRef>;
}

/** The application session (JSR 289 SipApplicationSession): attributes are plain data. */
export interface AppSession {
  readonly id: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  get<T extends PlainData = PlainData>(name: string): T | undefined;
  /** Stores a structured-clone-able value; throws for functions, symbols, class instances. */
  set(name: string, value: PlainData): void;
  delete(name: string): void;
  has(name: string): boolean;
  keys(): string[];
  /** Keeps the session `ms` from now (default expiry: 3 minutes after the last event, as JSR 289). */
  setExpires(ms: number): void;
  /** Ends the session after this event: attributes are dropped and its timers cancelled. */
  invalidate(): void;
}

/** A timer as its handler sees it: a name and a plain-data payload, never a closure (spec §B.1 principle 3). */
export interface TimerEvent {
  readonly id: string;
  readonly name: string;
  readonly payload: PlainData;
  readonly repeating: boolean;
}

export interface TimerRef {
  readonly id: string;
  readonly name: string;
  cancel(): void;
}

/** Needs the `timers` permission. Timers belong to the application session and survive a redeploy. */
export interface Timers {
  /** Starts `name` after `delayMs`; with `repeatMs` it fires again every `repeatMs` until cancelled. */
  start(name: string, delayMs: number, payload?: PlainData, options?: { repeatMs?: number }): TimerRef;
  cancel(id: string): void;
}

/** Needs the `kv` permission. One namespace per app; values are JSON. */
export interface KvStore {
  get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined>;
  set(key: string, value: JsonValue): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
}

/** A request the server sends for the app as a UAC (RFC 3261 §8.1): out of dialog, not INVITE. */
export interface UacRequest {
  /** MESSAGE, OPTIONS, NOTIFY, PUBLISH, INFO… (INVITE, ACK, CANCEL, BYE, REGISTER are refused). */
  method: string;
  /** Target; a user of this server is reached at their registered phones (the first one). */
  uri: string;
  /** Default `<sip:APP@DOMAIN>` with the target's domain. */
  from?: string;
  /** Default the target URI. */
  to?: string;
  headers?: Array<{ name: string; value: string }>;
  /** Text body; `contentType` defaults to text/plain. */
  body?: string;
  contentType?: string;
}

export interface UacResponse {
  status: number;
  reason: string;
  headers: Array<{ name: string; value: string }>;
  body?: string;
}

/** A call the app places itself as a UAC (RFC 3261 §13.2.1): an INVITE with the app's SDP offer. */
export interface UacInvite {
  /** Whom to call; a user of this server is called at their registered phone (the first one). */
  uri: string;
  /** Default `<sip:APP@DOMAIN>` with the target's domain. */
  from?: string;
  /** Default the target URI. */
  to?: string;
  /** Extra header fields (not the ones the server writes: Via, Call-ID, CSeq, From, To, Contact,
   *  Route, Record-Route, Max-Forwards, Content-*). */
  headers?: Array<{ name: string; value: string }>;
  /** The session offer (RFC 3264 §5); the answer comes in the 2xx's body. Required: the server
   *  ACKs the 2xx at once, so it cannot carry an answer to an offer made in the 2xx. */
  body: string;
  /** Default application/sdp. */
  contentType?: string;
  /** How long it may ring, in ms (default 60 000, at most 300 000); then the server sends CANCEL
   *  (RFC 3261 §9.1) and the answer is a local 408 with `timedOut`. */
  timeoutMs?: number;
}

/** How `ctx.uac.invite` ended: the final response, and for a 2xx the call the app now holds. */
export interface UacInviteResponse extends UacResponse {
  /** The server gave up ringing (`timeoutMs`): it CANCELled and made this 408 itself. */
  timedOut: boolean;
  /**
   * The dialog the 2xx created (the server has ACKed it), as plain data like a bridged call:
   * `ctx.calls.terminate(call)` sends BYE (needs `calls`), and `onCallEnded(call, end)` fires in
   * this application session when it ends — `by: 'callee'` when the called party hung up (or
   * the dialog broke, reason `failed`), `by: 'app'` (reason `terminated`) when the app ended it.
   * Absent for any other status.
   */
  call?: CallRef;
}

/** Needs the `uac` permission: send requests of your own (e.g. a missed-call MESSAGE). */
export interface Uac {
  /** Resolves with the final response (a local 408 when nobody answers, 480 when a user of ours
   *  has no registered phone, 503 when the target cannot be reached). */
  request(request: UacRequest): Promise<UacResponse>;
  /**
   * Calls someone (JSR 289 `SipFactory.createRequest("INVITE")` + `send()`): sends the INVITE
   * with `body` as the offer and resolves with the final response — for a 2xx with the `call`.
   * Like `await req.proxy()`, the wait does not hold the application session: the event that
   * calls it ends there, and the handler resumes in a later event of the same session once the
   * answer is in (a phone may ring for a minute; an event may last only its wall-clock budget).
   * So: in a request handler, answer or pass the request first (it throws otherwise); a named
   * event answers its HTTP caller when its handler starts waiting; await one invite at a time.
   * The answer is a local 404/480 for a user of ours who is unknown / has no registered phone,
   * 503 when the target cannot be reached, 408 (`timedOut`) after `timeoutMs`. In-dialog
   * requests from the far end get the server's default answers (re-INVITE/UPDATE 488, INFO and
   * OPTIONS 200); its BYE ends the call.
   */
  invite(request: UacInvite): Promise<UacInviteResponse>;
}

export interface AppLogger {
  debug(message: string, fields?: Record<string, JsonValue>): void;
  info(message: string, fields?: Record<string, JsonValue>): void;
  warn(message: string, fields?: Record<string, JsonValue>): void;
  error(message: string, fields?: Record<string, JsonValue>): void;
}

/** Everything an app may use, in one object (no ambient authority, spec §B.1 principle 4). */
export interface AppContext {
  /** The app's name (from its manifest). */
  readonly app: string;
  readonly session: AppSession;
  readonly timers: Timers;
  readonly kv: KvStore;
  readonly uac: Uac;
  readonly calls: Calls;
  readonly log: AppLogger;
}

/** A request handler may hand back what `req.proxy()` returns (`return req.proxy(target)`):
 *  then, with no 2xx handler, a successful call costs the app no second event. */
export type RequestHandler = (req: SipRequest, ctx: AppContext) => void | Promise<unknown>;
export type ResponseHandler = (res: SipResponse, ctx: AppContext) => void | Promise<void>;
export type TimerHandler = (timer: TimerEvent, ctx: AppContext) => void | Promise<void>;
export type CallEndedHandler = (call: CallRef, end: CallEnd, ctx: AppContext) => void | Promise<void>;
export type CallConnectedHandler = (call: CallRef, result: ConnectResult, ctx: AppContext) => void | Promise<void>;

/** Who delivered a named event: the admin token, or a user with their own credentials. */
export type EventCaller = { readonly kind: 'admin' } | { readonly kind: 'user'; readonly aor: string };

/** A named event (`POST /api/v1/apps/{app}/events/{name}` with a JSON body). */
export interface AppEvent {
  readonly name: string;
  /** The JSON body (null when there was none). */
  readonly payload: PlainData;
  /** Who sent it; check it before acting for a user (`caller.aor`, `user@domain`). */
  readonly caller: EventCaller;
}

/** A registration changed (`onRegistration`; permission `registrations`). */
export interface RegistrationEvent {
  /** `registered` (a new contact), `refreshed`, `unregistered` (by the user) or `expired`. */
  readonly kind: 'registered' | 'refreshed' | 'unregistered' | 'expired';
  /** `user@domain`. */
  readonly aor: string;
  /** The contact URI of the binding. */
  readonly contact: string;
  /** Seconds the binding has left (0 once it is gone). */
  readonly expires: number;
  readonly q: number;
  /** When it happened. */
  readonly at: Date;
}

export type RegistrationHandler = (event: RegistrationEvent, ctx: AppContext) => void | Promise<void>;

/** A named-event handler; what it returns (plain JSON data) is the HTTP answer's `result`. */
export type EventHandler = (event: AppEvent, ctx: AppContext) => PlainData | void | Promise<PlainData | void>;

/**
 * An app: handlers per method (JSR 289 `doXxx`), a catch-all, response handlers by class, named
 * timers and session listeners. An initial request whose method has no handler and no
 * `onRequest` is answered 501 (spec §B.2).
 */
export interface AppDefinition {
  /** Shown in logs; the manifest's name is authoritative. */
  readonly name?: string;
  readonly onInvite?: RequestHandler;
  readonly onAck?: RequestHandler;
  readonly onBye?: RequestHandler;
  readonly onCancel?: RequestHandler;
  readonly onRegister?: RequestHandler;
  readonly onOptions?: RequestHandler;
  readonly onMessage?: RequestHandler;
  readonly onSubscribe?: RequestHandler;
  readonly onNotify?: RequestHandler;
  readonly onRefer?: RequestHandler;
  readonly onInfo?: RequestHandler;
  readonly onPrack?: RequestHandler;
  readonly onUpdate?: RequestHandler;
  readonly onPublish?: RequestHandler;
  /** Any method without its own handler, extension methods included. */
  readonly onRequest?: RequestHandler;
  /** 101–199 of a proxy branch (the proxy is then supervised). */
  readonly onProvisionalResponse?: ResponseHandler;
  /** Final response of one branch while others still run (JSR 289 doBranchResponse). */
  readonly onBranchResponse?: ResponseHandler;
  /** The best final response of an attempt, by class (JSR 289 doSuccess/Redirect/ErrorResponse). */
  readonly onSuccessResponse?: ResponseHandler;
  readonly onRedirectResponse?: ResponseHandler;
  readonly onErrorResponse?: ResponseHandler;
  /** Any final response without a class handler. */
  readonly onResponse?: ResponseHandler;
  /** Named timer handlers (`ctx.timers.start('noAnswer', …)` → `timers.noAnswer`). */
  readonly timers?: Readonly<Record<string, TimerHandler>>;
  /** Named events delivered over HTTP (`POST /api/v1/apps/{app}/events/{name}`), each in an
   *  application session of its own. */
  readonly events?: Readonly<Record<string, EventHandler>>;
  /** A call the app bridged with `req.b2bua()`, connected with `ctx.calls.connect()` or placed
   *  with `ctx.uac.invite()` is over (delivered in the application session that made it). */
  readonly onCallEnded?: CallEndedHandler;
  /** A `ctx.calls.connect()` attempt connected both parties or failed (in the application
   *  session that made it). */
  readonly onCallConnected?: CallConnectedHandler;
  /** Needs the `registrations` permission: every registration change of the server's users,
   *  in order per AOR (one application session per AOR). */
  readonly onRegistration?: RegistrationHandler;
  /** The application session expired; call `ctx.session.setExpires()` to keep it. */
  readonly onSessionExpired?: (ctx: AppContext) => void | Promise<void>;
}
