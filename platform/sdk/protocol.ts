/**
 * The wire between the SDK inside an app isolate and the app engine on the host. Everything here
 * is plain structured-clone data (appserver spec §B.1 principle 2): the host sends one of these
 * payloads per event and the SDK answers with a `WireResult`. Type aliases, not interfaces, so
 * that they are assignable to the container's `Cloneable`.
 *
 * The guest is untrusted: the host re-validates every `WireResult` (host/wire-result.ts).
 */

/** Structured-clone-able data: what session attributes and timer payloads may hold. */
export type PlainData =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | RegExp
  | ArrayBuffer
  | ArrayBufferView
  | PlainData[]
  | ReadonlyArray<PlainData>
  | Map<PlainData, PlainData>
  | Set<PlainData>
  | { readonly [key: string]: PlainData };

/** Header fields in order, as `[name, value]` pairs (one pair per field value). */
export type WireHeaders = Array<[string, string]>;

/**
 * A message's header section as one string: `Name: value` lines (one per field, in order, names
 * as received) joined by CRLF, no trailing CRLF; '' when there are none. One string is far
 * cheaper to copy into the isolate than a list of pairs (issue 5, crossing cost); the SDK splits
 * it only when the app first reads a header (headers.ts parseHeaderSection).
 */
export type WireHeaderSection = string;

export type WireRequest = {
  method: string;
  uri: string;
  headers: WireHeaderSection;
  /** The body as UTF-8 text ('' when empty). */
  body: string;
  direction: 'originating' | 'terminating';
  aor: string;
  authenticatedAs?: string;
  source: { protocol: string; address: string; port: number };
};

export type WireResponse = {
  status: number;
  reason: string;
  headers: WireHeaderSection;
  body: string;
  /** The target whose branch produced it. */
  target?: string;
  /** Made by the proxy itself (e.g. 408 when nobody answered, RFC 3261 §16.7). */
  locallyGenerated?: boolean;
};

export type WireSession = {
  id: string;
  attributes: { [key: string]: PlainData };
  createdAt: number;
  expiresAt: number;
};

/** Common part of every event payload. */
export type WireEventBase = {
  /** The app's name from its manifest (`ctx.app`). */
  app?: string;
  /** Calls whose proxy ended in a quiet success (WireAction `quietSuccess`) since the app's
   *  last event: the SDK lets go of their state. */
  released?: string[];
  session: WireSession;
  /** Permissions the app's manifest grants (so the SDK can refuse early, naming the fix). */
  grants: string[];
};

export type RequestEventPayload = WireEventBase & { callRef: string; request: WireRequest };

/** How a proxy attempt ended (platform/services BranchOutcome, RFC 3880 §6.1 terms). */
export type WireOutcome = {
  kind: 'success' | 'busy' | 'noanswer' | 'redirection' | 'failure';
  status: number;
  reason: string;
  timedOut: boolean;
  contacts: string[];
};

export type OutcomeEventPayload = WireEventBase & { callRef: string; outcome: WireOutcome; response: WireResponse };

/** A response of a proxy branch (provisional or final) while the proxy still runs. */
export type ResponseEventPayload = WireEventBase & { callRef: string; response: WireResponse };

export type WireTimer = { id: string; name: string; payload: PlainData; repeatMs?: number };

/** A timer the app started: fires after `delayMs`, then every `repeatMs` if set. */
export type WireTimerStart = WireTimer & { delayMs: number };

export type TimerEventPayload = WireEventBase & { timer: WireTimer };

export type ExpiredEventPayload = WireEventBase;

/** A B2BUA call as the app holds it: plain data (an id), so it fits in session attributes and
 *  timer payloads (spec §B.1 principle 2); `ctx.calls.terminate(call)` ends it. */
export type WireCallRef = { id: string; target: string };

/** How a `b2bua()` attempt ended: both legs up (`success`, with the call), leg B's failure in
 *  RFC 3880 §6.1 terms, or `cancelled` (the caller CANCELled before leg B answered). */
export type WireB2buaOutcome = {
  kind: 'success' | 'busy' | 'noanswer' | 'redirection' | 'failure' | 'cancelled';
  status: number;
  reason: string;
  timedOut: boolean;
  call?: WireCallRef;
};

export type B2buaEventPayload = WireEventBase & { callRef: string; outcome: WireB2buaOutcome };

/** A bridged call ended: who hung up (`caller`, `callee`, or the `app` via ctx.calls) and how
 *  long both legs were up. */
export type WireCallEnd = { by: 'caller' | 'callee' | 'app'; reason: string; durationMs: number };

export type CallEndedEventPayload = WireEventBase & { call: WireCallRef; end: WireCallEnd };

/** How a `ctx.calls.connect()` (RFC 3725 third-party call) attempt ended: both parties
 *  connected, or a leg failed (its status; 487 when it ended before B answered). */
export type WireConnectResult = { outcome: 'connected' | 'failed'; status: number; reason: string; leg?: 'a' | 'b' };

export type CallConnectedEventPayload = WireEventBase & { call: WireCallRef; result: WireConnectResult };

/** The final answer to an app's own INVITE (`ctx.uac.invite`, RFC 3261 §13.2.2): the response as
 *  plain data, `timedOut` when the server gave up ringing (CANCEL, then a local 408), and the
 *  call (the dialog the 2xx created) for a 2xx. */
export type WireUacInviteAnswer = {
  status: number;
  reason: string;
  headers: Array<{ name: string; value: string }>;
  body?: string;
  timedOut?: boolean;
  call?: WireCallRef;
};

/** An INVITE the app sent got its final answer; `invite` is the id the `invite` host call gave. */
export type UacInviteEventPayload = WireEventBase & { invite: string; answer: WireUacInviteAnswer };

/** Who delivered a named event over HTTP (platform/http HttpAccess): the admin token or a user
 *  with their own credentials. */
export type WireCaller = { kind: 'admin' } | { kind: 'user'; aor: string };

/** A named event with a plain-data payload (`POST /api/v1/apps/{name}/events/{event}`). */
export type WireAppEvent = { name: string; payload: PlainData; caller: WireCaller };

export type AppEventPayload = WireEventBase & { event: WireAppEvent };

/** A change of a registration (RFC 3261 §10.3, the registrar's binding events): `registered`
 *  (a new contact), `refreshed`, `unregistered` (removed by the user, Expires 0) or `expired`. */
export type WireRegistration = {
  kind: 'registered' | 'refreshed' | 'unregistered' | 'expired';
  /** `user@domain`. */
  aor: string;
  contact: string;
  /** Seconds the binding has left (0 when it is gone). */
  expires: number;
  q: number;
  /** When the change happened (epoch ms). */
  at: number;
};

export type RegistrationEventPayload = WireEventBase & { registration: WireRegistration };

export type WireTarget = { uri: string; q?: number };

export type WireBody = { contentType: string; content: string };

/** Changes to the request as the app made them, applied to what is proxied. */
export type WireEdits = { headers: WireHeaders; remove: string[]; body?: WireBody | null; uri?: string };

export type WireAction =
  | { kind: 'reply'; status: number; reason?: string; headers: WireHeaders; body?: WireBody }
  | {
      kind: 'proxy';
      targets: WireTarget[];
      forking?: 'parallel' | 'sequential';
      recordRoute?: boolean;
      timeoutMs?: number;
      recurse?: boolean;
      /** The app has branch or provisional response handlers (JSR 289 supervised proxy). */
      supervised: boolean;
      edits?: WireEdits;
      /** Nothing in the app waits for a success: no `await` or `then` on the proxy's promise
       *  (beyond handing it back as the handler's result) and no handler for 2xx responses. The
       *  host then sends no success outcome event (one crossing less per answered call). */
      quietSuccess?: true;
    }
  | { kind: 'redirect'; contacts: WireTarget[]; permanent: boolean }
  /** Answer the INVITE as a B2BUA toward `target` (a new leg with its own Call-ID, RFC 3261 §6). */
  | { kind: 'b2bua'; target: string; from?: string; to?: string; headers: WireHeaders; timeoutMs?: number }
  /** Not for this app: the next app or engine, then normal routing, decide. */
  | { kind: 'pass' };

export type WireResult = {
  action?: WireAction;
  /** What the app did to its application session during the event. */
  session?: { attributes?: { [key: string]: PlainData }; expiresInMs?: number; invalidate?: boolean };
  timers?: { start: WireTimerStart[]; cancel: string[] };
  /** For `response` events: hold the response back (`absorb`) or let the proxy act (`default`). */
  verdict?: 'default' | 'absorb';
  /** The app has no handler for the request's method (the action is the default 501), or for
   *  a named event. */
  unhandled?: boolean;
  /** For named events: what the handler returned (plain data, answered to the HTTP caller). */
  reply?: PlainData;
};

/** Event names the SDK answers (`AppEvent.name`). */
export const APP_EVENTS = {
  request: 'request',
  outcome: 'outcome',
  response: 'response',
  timer: 'timer',
  expired: 'expired',
  b2bua: 'b2bua',
  callEnded: 'callEnded',
  callConnected: 'callConnected',
  uacInvite: 'uacInvite',
  event: 'event',
  registration: 'registration',
} as const;

/** Permissions the SDK knows (manifest `permissions`). */
export const PERMISSIONS = { kv: 'kv', timers: 'timers', uac: 'uac', calls: 'calls', registrations: 'registrations' } as const;
