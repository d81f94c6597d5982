/**
 * `defineApp`: turns an app's handlers into the event handlers the sandbox calls (`request`,
 * `outcome`, `response`, `timer`, `expired`, `b2bua`, `callEnded`, `callConnected`, `uacInvite`,
 * `event`, `registration`;
 * platform/container guest prelude). Runs inside the isolate.
 *
 * Concurrency (spec §B.1 principle 1, JSR 359 APPLICATIONSESSION): the container delivers the
 * events of one application session one at a time. An event ends when its handler settles or
 * when it parks on `await req.proxy()` (or `req.b2bua()`, `ctx.uac.invite()`); the handler then
 * resumes inside the later `outcome` (`b2bua`, `uacInvite`) event, so at no time do two handlers of
 * one session run, and no event holds the session while a phone rings.
 */
import { createContext, type InviteParking } from './context.js';
import { EventScope } from './event-scope.js';
import { RequestImpl, ResponseImpl, type RequestHost } from './messages.js';
import { assertPlainData } from './cloneable.js';
import type {
  AppEventPayload,
  B2buaEventPayload,
  CallConnectedEventPayload,
  CallEndedEventPayload,
  ExpiredEventPayload,
  OutcomeEventPayload,
  RequestEventPayload,
  ResponseEventPayload,
  TimerEventPayload,
  UacInviteEventPayload,
  WireAction,
  PlainData,
  RegistrationEventPayload,
  WireResult,
} from './protocol.js';
import type { AppContext, AppDefinition, B2buaResult, RequestHandler, ResponseHandler, SipResponse, UacInviteResponse } from './types.js';

/** What `defineApp` returns: the sandbox's event handlers (export it as the module's default). */
export interface SwitchboardApp {
  readonly definition: AppDefinition;
  request(payload: RequestEventPayload): Promise<WireResult>;
  outcome(payload: OutcomeEventPayload): Promise<WireResult>;
  response(payload: ResponseEventPayload): Promise<WireResult>;
  timer(payload: TimerEventPayload): Promise<WireResult>;
  expired(payload: ExpiredEventPayload): Promise<WireResult>;
  b2bua(payload: B2buaEventPayload): Promise<WireResult>;
  callEnded(payload: CallEndedEventPayload): Promise<WireResult>;
  callConnected(payload: CallConnectedEventPayload): Promise<WireResult>;
  uacInvite(payload: UacInviteEventPayload): Promise<WireResult>;
  event(payload: AppEventPayload): Promise<WireResult>;
  registration(payload: RegistrationEventPayload): Promise<WireResult>;
}

interface CallState {
  readonly request: RequestImpl;
  /** The handler task that acts on this call now. */
  task: Promise<unknown>;
  /** A handler parked on `await req.proxy()` or `await req.b2bua()`. */
  pending:
    | { kind: 'proxy'; resolve: (response: SipResponse) => void; task: Promise<unknown> }
    | { kind: 'b2bua'; resolve: (result: B2buaResult) => void; task: Promise<unknown> }
    | undefined;
}

/** Actions after which the call's state stays for a later event (the attempt's outcome). */
const parks = (action: WireAction | undefined): boolean => action?.kind === 'proxy' || action?.kind === 'b2bua';

const METHOD_HANDLERS: Readonly<Record<string, keyof AppDefinition>> = {
  INVITE: 'onInvite',
  ACK: 'onAck',
  BYE: 'onBye',
  CANCEL: 'onCancel',
  REGISTER: 'onRegister',
  OPTIONS: 'onOptions',
  MESSAGE: 'onMessage',
  SUBSCRIBE: 'onSubscribe',
  NOTIFY: 'onNotify',
  REFER: 'onRefer',
  INFO: 'onInfo',
  PRACK: 'onPrack',
  UPDATE: 'onUpdate',
  PUBLISH: 'onPublish',
};

/** Defines an app. `export default defineApp({ onInvite(req, ctx) { … } })`. */
export function defineApp(definition: AppDefinition): SwitchboardApp {
  const name = definition.name ?? 'app';
  const scopes = new Map<string, EventScope>();
  const calls = new Map<string, CallState>();
  /** Handlers parked on `await ctx.uac.invite()`, by invite id; sessions with one pending. */
  const invites = new Map<string, { resolve: (response: UacInviteResponse) => void; task: Promise<unknown> | undefined }>();
  const inviting = new Set<string>();
  const parkInvite: InviteParking = {
    claim(sessionId) {
      if (inviting.has(sessionId)) throw new Error('this application session already waits for a ctx.uac.invite: await one at a time');
      inviting.add(sessionId);
    },
    unclaim: (sessionId) => void inviting.delete(sessionId),
    park: (id, resolve, task) => void invites.set(id, { resolve, task }),
  };
  const scopeOf = (sessionId: string): EventScope => {
    const scope = scopes.get(sessionId);
    if (scope === undefined) throw new Error('ctx and requests can be used only while an event of their session runs');
    return scope;
  };
  const host: RequestHost = {
    scope: scopeOf,
    supervised: definition.onBranchResponse !== undefined || definition.onProvisionalResponse !== undefined,
    awaitOutcome(callRef, resolve) {
      const call = calls.get(callRef);
      if (call !== undefined) call.pending = { kind: 'proxy', resolve, task: call.task };
    },
    awaitB2bua(callRef, resolve) {
      const call = calls.get(callRef);
      if (call !== undefined) call.pending = { kind: 'b2bua', resolve, task: call.task };
    },
  };

  /** Runs `work` with `scope` as the session's current scope. */
  async function inScope(scope: EventScope, work: (ctx: AppContext) => Promise<void>): Promise<WireResult> {
    for (const callRef of scope.released) calls.delete(callRef);
    scopes.set(scope.sessionId, scope);
    try {
      await work(createContext(scope.app ?? name, scope.sessionId, scopeOf, parkInvite));
      return scope.result();
    } finally {
      if (scopes.get(scope.sessionId) === scope) scopes.delete(scope.sessionId);
    }
  }

  const app: SwitchboardApp = {
    definition,

    async request(payload) {
      const scope = new EventScope(payload, true);
      let unhandled = false;
      const result = await inScope(scope, async (ctx) => {
        const request = new RequestImpl(payload.request, payload.callRef, scope.sessionId, host);
        const handler = requestHandler(definition, request.method);
        if (handler === undefined) {
          // Spec §B.2: an unhandled initial request is "not implemented", not a server error.
          // Flagged, so that an app chosen by `apps.selection: all` is skipped instead.
          unhandled = true;
          request.reply(501, 'Not Implemented');
          return;
        }
        const call: CallState = { request, task: Promise.resolve(), pending: undefined };
        calls.set(payload.callRef, call);
        let returned: unknown;
        try {
          call.task = Promise.resolve().then(() => {
            returned = handler(request, ctx);
            // Handing the proxy's promise back is not waiting for it (adopting it would call its then).
            return returned === request.lastProxy && request.lastProxy !== undefined ? request.lastProxy.quietly() : returned;
          });
          await scope.until(call.task);
          // `await req.proxy()` in the handler calls then in a job queued while it ran: let it run.
          await undefined;
          markQuietSuccess(scope.action, request, returned, definition);
        } finally {
          if (!parks(scope.action)) calls.delete(payload.callRef);
        }
      });
      return unhandled ? { ...result, unhandled: true } : result;
    },

    outcome(payload) {
      const success = payload.outcome.kind === 'success';
      const scope = new EventScope(payload, !success);
      return inScope(scope, async (ctx) => {
        const call = calls.get(payload.callRef);
        if (call === undefined) return; // state lost (isolate restarted): the proxy's best response goes out
        try {
          const response = new ResponseImpl(payload.response, payload.outcome, call.request);
          const pending = call.pending;
          call.pending = undefined;
          const handler = responseHandler(definition, response.status);
          if (handler !== undefined) {
            call.task = Promise.resolve().then(() => handler(response, ctx));
            await scope.until(call.task);
          }
          if (pending?.kind === 'proxy' && scope.action === undefined) {
            call.task = pending.task;
            pending.resolve(response);
            await scope.until(pending.task);
          }
        } finally {
          if (success || !parks(scope.action)) calls.delete(payload.callRef);
        }
      });
    },

    response(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        const call = calls.get(payload.callRef);
        if (call === undefined) return;
        const response = new ResponseImpl(payload.response, undefined, call.request);
        const handler = response.status < 200 ? definition.onProvisionalResponse : definition.onBranchResponse;
        if (handler !== undefined) await scope.until(Promise.resolve().then(() => handler(response, ctx)));
      });
    },

    timer(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        const handler = definition.timers?.[payload.timer.name];
        if (handler === undefined) {
          ctx.log.warn(`timer "${payload.timer.name}" fired but the app has no handler for it in "timers"`);
          return;
        }
        const timer = Object.freeze({ id: payload.timer.id, name: payload.timer.name, payload: payload.timer.payload, repeating: payload.timer.repeatMs !== undefined });
        await scope.until(Promise.resolve().then(() => handler(timer, ctx)));
      });
    },

    b2bua(payload) {
      // Bridged or cancelled: the caller has its answer, so nothing more can be done to the
      // request; after a failure the app may act again (reply, proxy, b2bua elsewhere).
      const final = payload.outcome.kind === 'success' || payload.outcome.kind === 'cancelled';
      const scope = new EventScope(payload, !final);
      return inScope(scope, async () => {
        const call = calls.get(payload.callRef);
        if (call === undefined) return; // state lost (isolate restarted): leg B's status goes out
        try {
          const pending = call.pending;
          call.pending = undefined;
          if (pending?.kind !== 'b2bua') return;
          const { kind, status, reason, timedOut } = payload.outcome;
          const ref = payload.outcome.call;
          const result: B2buaResult = Object.freeze({
            outcome: kind,
            status,
            reason,
            timedOut,
            call: ref === undefined ? undefined : Object.freeze({ id: ref.id, target: ref.target }),
          });
          call.task = pending.task;
          pending.resolve(result);
          await scope.until(pending.task);
        } finally {
          if (final || !parks(scope.action)) calls.delete(payload.callRef);
        }
      });
    },

    callEnded(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        const { call, end } = payload;
        const ref = Object.freeze({ id: call.id, target: call.target });
        const ended = Object.freeze({ by: end.by, reason: end.reason, durationMs: end.durationMs });
        await scope.until(Promise.resolve().then(() => definition.onCallEnded?.(ref, ended, ctx)));
      });
    },

    callConnected(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        const { call, result } = payload;
        const ref = Object.freeze({ id: call.id, target: call.target });
        const connected = Object.freeze({ outcome: result.outcome, status: result.status, reason: result.reason, leg: result.leg });
        await scope.until(Promise.resolve().then(() => definition.onCallConnected?.(ref, connected, ctx)));
      });
    },

    uacInvite(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async () => {
        // The session may invite again, whether or not a handler still waits for this answer.
        inviting.delete(payload.session.id);
        const pending = invites.get(payload.invite);
        if (pending === undefined) return; // state lost (isolate restarted): a call still ends with onCallEnded
        invites.delete(payload.invite);
        const { status, reason, headers, body, timedOut, call } = payload.answer;
        const response: UacInviteResponse = Object.freeze({
          status,
          reason,
          headers: headers.map((field) => Object.freeze({ name: field.name, value: field.value })),
          ...(body === undefined ? {} : { body }),
          timedOut: timedOut === true,
          ...(call === undefined ? {} : { call: Object.freeze({ id: call.id, target: call.target }) }),
        });
        pending.resolve(response);
        if (pending.task !== undefined) await scope.until(pending.task);
      });
    },

    async event(payload) {
      // Own properties only: an event named "constructor" or "toString" must not reach Object.prototype.
      const events = definition.events;
      const { name } = payload.event;
      const handler = events !== undefined && Object.prototype.hasOwnProperty.call(events, name) ? events[name] : undefined;
      const scope = new EventScope(payload, false);
      let reply: PlainData;
      const result = await inScope(scope, async (ctx) => {
        if (typeof handler !== 'function') return;
        const caller = payload.event.caller.kind === 'admin' ? Object.freeze({ kind: 'admin' as const }) : Object.freeze({ kind: 'user' as const, aor: payload.event.caller.aor });
        // A handler that waits for `ctx.uac.invite` ends this event there: the HTTP caller gets
        // what was returned by then (nothing), the rest runs in the later event.
        let returned = false;
        const task = Promise.resolve()
          .then(() => handler(Object.freeze({ name, payload: payload.event.payload, caller }), ctx))
          .then((value) => {
            if (returned) return;
            if (value !== undefined) assertPlainData(value, `the value returned by events.${name}`);
            reply = value ?? undefined;
          });
        await scope.until(task);
        returned = true;
      });
      if (typeof handler !== 'function') return { ...result, unhandled: true };
      return reply === undefined ? result : { ...result, reply };
    },

    registration(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        const { kind, aor, contact, expires, q, at } = payload.registration;
        const registration = Object.freeze({ kind, aor, contact, expires, q, at: new Date(at) });
        await scope.until(Promise.resolve().then(() => definition.onRegistration?.(registration, ctx)));
      });
    },

    expired(payload) {
      const scope = new EventScope(payload, false);
      return inScope(scope, async (ctx) => {
        await scope.until(Promise.resolve().then(() => definition.onSessionExpired?.(ctx)));
      });
    },
  };
  return Object.freeze(app);
}

function requestHandler(definition: AppDefinition, method: string): RequestHandler | undefined {
  const key = METHOD_HANDLERS[method.toUpperCase()];
  const specific = key === undefined ? undefined : (definition[key] as RequestHandler | undefined);
  return specific ?? definition.onRequest;
}

/**
 * Marks a proxy action whose success nobody in the app waits for (WireAction `quietSuccess`):
 * the handler returned nothing or the proxy's own promise, no code awaited or chained it, and
 * the app has no handler for 2xx responses. Then the success would only end the parked handler
 * with nothing after it, and the host need not deliver it.
 */
function markQuietSuccess(action: WireAction | undefined, request: RequestImpl, returned: unknown, definition: AppDefinition): void {
  const proxied = request.lastProxy;
  if (action?.kind !== 'proxy' || proxied === undefined || proxied.observed) return;
  if (returned !== proxied && returned !== undefined) return;
  if (responseHandler(definition, 200) !== undefined) return;
  action.quietSuccess = true;
}

function responseHandler(definition: AppDefinition, status: number): ResponseHandler | undefined {
  const byClass =
    status < 300 ? definition.onSuccessResponse : status < 400 ? definition.onRedirectResponse : definition.onErrorResponse;
  return byClass ?? definition.onResponse;
}
