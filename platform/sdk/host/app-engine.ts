/**
 * The app container as a service engine (platform/services ServiceEngine): selects the apps for
 * an initial request, delivers it into their sandboxes as an event and turns what the app did
 * into a Decision (reply → respond/reject, proxy → proxy with onOutcome, redirect, pass →
 * continue). A faulting app costs only its own call: 500 for a crash, a loop (CPU budget) or an
 * out-of-memory isolate, 503 over its session cap; an app disabled after repeated faults is
 * skipped (issue 5 §3). The core never waits longer than the app's wall-clock budget per event.
 */
import { randomUUID } from 'node:crypto';
import type { AppRuntime, Cloneable, DispatchResult } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import type {
  B2buaDecision,
  B2buaEnd,
  BranchOutcome,
  Decision,
  MessageEdits,
  ProxyDecision,
  RegistrationEvent,
  ResponseVerdict,
  ServiceCall,
  ServiceEngine,
  ServiceHost,
  ServiceResponse,
} from '../../services/index.js';
import {
  APP_EVENTS,
  PERMISSIONS,
  type WireAction,
  type WireB2buaOutcome,
  type WireCallEnd,
  type WireCallRef,
  type WireConnectResult,
  type WireResult,
  type WireTimer,
  type WireUacInviteAnswer,
} from '../protocol.js';
import { asJson, type AppEventSink } from './app-events.js';
import { CallRegistry } from './call-registry.js';
import { AppSessionStore, type HostClock, type HostSession } from './app-sessions.js';
import { answerThrough, composeProxy } from '../../services/index.js';
import { createAppSelector, type AppSelection, type AppSelector, type SelectedApp } from './app-selection.js';
import type { SessionPersistence } from './session-persistence.js';
import { toWireOutcome, toWireRequest, toWireResponse } from './wire.js';
import { parseWireResult } from './wire-result.js';

export interface AppEngineOptions {
  readonly runtime: AppRuntime;
  readonly logger: Logger;
  /** Which apps see which requests (config `apps.selection`, default `all`). */
  readonly selection?: AppSelection;
  /** A selector built elsewhere (takes precedence over `selection`). */
  readonly selector?: AppSelector;
  /** Idle application-session expiry (default 180 000 ms, JSR 289's 3 minutes). */
  readonly sessionExpiryMs?: number;
  /** Time for session expiry and app timers (default real time; the test kit's virtual clock). */
  readonly clock?: HostClock;
  /** Keeps application sessions and timers across a restart (default none: memory only);
   *  stored ones come back with `sessions.restore()`. */
  readonly sessionPersistence?: SessionPersistence;
  /** Where bridged calls are kept for `ctx.calls` (the registry given to
   *  `createCapabilityContainer({ calls })`); default a registry of the engine's own. */
  readonly calls?: CallRegistry;
  /** Told which calls an app handled, for per-app message traces (platform/trace's Tracer;
   *  structural, as this layer does not import the trace module). */
  readonly callMarker?: { markCall(callId: string, mark: { app?: string; linkedTo?: string }): boolean };
}

/** Per-app counters since the app was first seen (issue 5 §8). */
export interface AppEngineStats {
  /** Initial requests offered to the app. */
  readonly requests: number;
  /** Events delivered (requests, outcomes, responses, timers, expiries). */
  readonly events: number;
  /** Failed events by fault kind (timeout, error, memory, …). */
  readonly faults: Readonly<Record<string, number>>;
  /** CPU time spent in the app's isolate, ms. */
  readonly cpuMs: number;
  /** Live application sessions. */
  readonly sessions: number;
  /** Bridged (b2bua) calls up now. */
  readonly calls?: number;
}

export interface AppEngine extends ServiceEngine, AppEventSink {
  readonly sessions: AppSessionStore;
  /** Bridged (b2bua) calls that are up, per app. */
  readonly calls: CallRegistry;
  stats(app: string): AppEngineStats;
  /** Forget an undeployed app's sessions and timers. */
  dropApp(name: string): void;
  /** Delivers the host's registration changes to apps granted `registrations`
   *  (`onRegistration`); returns the unsubscribe function. */
  watchRegistrations(host: ServiceHost): () => void;
  close(): void;
}

const CONTINUE: Decision = { kind: 'continue' };

export function createAppEngine(options: AppEngineOptions): AppEngine {
  const { runtime } = options;
  const logger = options.logger.child({ component: 'app-engine' });
  const selector = options.selector ?? createAppSelector(options.selection ?? 'all', logger);
  const calls = options.calls ?? new CallRegistry();
  const now = (): number => options.clock?.now() ?? Date.now();
  let seq = 0;

  const counters = new Map<string, { requests: number; events: number; faults: Record<string, number>; cpuMs: number }>();
  const counter = (app: string) => {
    let entry = counters.get(app);
    if (entry === undefined) counters.set(app, (entry = { requests: 0, events: 0, faults: {}, cpuMs: 0 }));
    return entry;
  };
  /** Calls of each app that ended in a quiet success since its last event (WireEventBase
   *  `released`): the next event tells the SDK to let go of them. */
  const released = new Map<string, string[]>();

  /** Delivers one event and counts it. */
  async function dispatch(app: string, name: string, sessionKey: string, payload: Cloneable): Promise<DispatchResult> {
    const done = released.get(app);
    if (done !== undefined && isPayloadRecord(payload)) {
      released.delete(app);
      payload = { ...payload, released: done };
    }
    const result = await runtime.dispatch(app, { name, sessionKey, payload });
    const entry = counter(app);
    entry.events += 1;
    if (name === APP_EVENTS.request) entry.requests += 1;
    entry.cpuMs += result.cpuMs ?? 0;
    if (!result.ok) entry.faults[result.fault] = (entry.faults[result.fault] ?? 0) + 1;
    return result;
  }

  const grantsOf = (app: string): string[] => runtime.manifest(app)?.permissions.map((p) => p.split(':')[0] ?? p) ?? [];

  const sessions = new AppSessionStore({
    ...(options.sessionExpiryMs === undefined ? {} : { expiryMs: options.sessionExpiryMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sessionPersistence === undefined ? {} : { persistence: options.sessionPersistence }),
    onTimer: (session, timer) => void deliverTimer(session, timer),
    onExpired: (session) => void expire(session),
  });

  /** Applies an event's result; false (logged) if the result is not a valid one. */
  function apply(session: HostSession, result: DispatchResult): { ok: true; result: WireResult } | { ok: false } {
    if (!result.ok) return { ok: false };
    const parsed = parseWireResult(result.value);
    if (!parsed.ok) {
      logger.warn({ app: session.app, sessionKey: session.key }, parsed.message);
      return { ok: false };
    }
    const problems = sessions.apply(session, parsed.result, grantsOf(session.app).includes(PERMISSIONS.timers));
    for (const problem of problems) logger.warn({ app: session.app, sessionKey: session.key }, problem);
    return parsed;
  }

  function release(session: HostSession): void {
    session.activeCalls = Math.max(0, session.activeCalls - 1);
    sessions.touch(session);
    if (session.activeCalls > 0) return;
    // Unpin the version: a redeploy lets this call finish on its version, later events use the new one.
    runtime.endSession(session.app, session.key);
    // Invalidate when ready (JSR 289 invalidateWhenReady, on by default, spec §C.3): a session
    // that holds no attributes and no timers is dropped as soon as its last call is decided, so
    // the per-app session cap counts live state, not call history.
    if (session.timers.size === 0 && Object.keys(session.attributes).length === 0) sessions.invalidate(session);
  }

  function faultDecision(result: Extract<DispatchResult, { ok: false }>, selected: SelectedApp): Decision {
    switch (result.fault) {
      case 'not-found':
      case 'disabled':
        // A quarantined app is skipped (spec §D): the next app, the other engines and normal
        // routing keep serving its users until it is redeployed — unless its iFC says
        // SESSION_TERMINATED (TS 29.228 DefaultHandling: the AS is unavailable).
        return selected.onFault === 'terminate' ? { kind: 'reject', status: 503, reason: 'Service Unavailable' } : CONTINUE;
      case 'unhandled':
        return { kind: 'reject', status: 501, reason: 'Not Implemented' };
      case 'overloaded':
        return { kind: 'reject', status: 503, reason: 'Service Unavailable' };
      default:
        // iFC DefaultHandling SESSION_CONTINUED: the call goes on without the faulty app.
        return selected.onFault === 'continue' ? CONTINUE : { kind: 'reject', status: 500, reason: 'Server Internal Error' };
    }
  }

  /** The Decision for an event's result; releases the call unless it goes on proxying or
   *  bridging. `ua`: the core can bridge this request (an INVITE, and a UA core). */
  function decide(session: HostSession, callRef: string, result: DispatchResult, selected: SelectedApp, ua: boolean): Decision {
    if (!result.ok) {
      release(session);
      return faultDecision(result, selected);
    }
    const applied = apply(session, result);
    if (!applied.ok) {
      release(session);
      return selected.onFault === 'continue' ? CONTINUE : { kind: 'reject', status: 500, reason: 'Server Internal Error' };
    }
    const action = applied.result.action;
    // No handler for the method: an app chosen by `all` was not chosen for it; one a rule names
    // answers 501 (spec §B.2).
    if (action === undefined || action.kind === 'pass' || (applied.result.unhandled === true && !selected.explicit)) {
      release(session);
      return CONTINUE;
    }
    if (action.kind === 'proxy') return proxyDecision(session, callRef, action, selected, ua);
    if (action.kind === 'b2bua' && ua) return b2buaDecision(session, callRef, action, selected);
    release(session);
    if (action.kind === 'b2bua') {
      logger.warn({ app: session.app, sessionKey: session.key }, 'b2bua needs an INVITE and a server with a UA core; answered 501');
      return { kind: 'reject', status: 501, reason: 'Not Implemented' };
    }
    if (action.kind === 'redirect') return { kind: 'redirect', contacts: action.contacts, permanent: action.permanent };
    if (action.headers.length === 0 && action.body === undefined && action.status >= 300) {
      return { kind: 'reject', status: action.status, ...(action.reason === undefined ? {} : { reason: action.reason }) };
    }
    return {
      kind: 'respond',
      status: action.status,
      ...(action.reason === undefined ? {} : { reason: action.reason }),
      headers: action.headers.map(([name, value]) => ({ name, value })),
      ...(action.body === undefined ? {} : { body: action.body }),
    };
  }

  function proxyDecision(session: HostSession, callRef: string, action: Extract<WireAction, { kind: 'proxy' }>, selected: SelectedApp, ua: boolean): ProxyDecision {
    const edits = toEdits(action.edits);
    const decision: ProxyDecision = {
      kind: 'proxy',
      targets: action.targets.map((target) => ({ ...target, ...(edits === undefined ? {} : { edits }) })),
      options: {
        ...(action.forking === undefined ? {} : { forking: action.forking }),
        ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
        ...(action.recordRoute === undefined ? {} : { recordRoute: action.recordRoute }),
        ...(action.recurse === undefined ? {} : { recurse: action.recurse }),
      },
      onOutcome: (outcome) => (outcome.kind === 'success' && action.quietSuccess === true ? quietSuccess(session, callRef) : onOutcome(session, callRef, outcome, selected, ua)),
    };
    if (action.supervised) decision.onResponse = (response) => onResponse(session, callRef, response);
    return decision;
  }

  /** A success nobody in the app waits for (WireAction `quietSuccess`): no event, one crossing
   *  less per answered call; the SDK lets go of the call on the app's next event. */
  function quietSuccess(session: HostSession, callRef: string): Decision {
    const list = released.get(session.app);
    if (list === undefined) released.set(session.app, [callRef]);
    else list.push(callRef);
    release(session);
    return CONTINUE;
  }

  async function onOutcome(session: HostSession, callRef: string, outcome: BranchOutcome, selected: SelectedApp, ua: boolean): Promise<Decision> {
    const payload = { callRef, ...toWireOutcome(outcome), session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const result = await dispatch(session.app, APP_EVENTS.outcome, session.key, payload);
    if (outcome.kind === 'success') {
      // The call is up; what the app returns can only change its session.
      apply(session, result);
      release(session);
      return CONTINUE;
    }
    return decide(session, callRef, result, selected, ua);
  }

  /**
   * A `b2bua` action as the core's B2buaDecision (platform/services/user-agent.ts). The call
   * keeps its application session busy (never idle, its version pinned) until it is over: both
   * legs up resumes the app with the call (kept in `calls` for `ctx.calls.terminate`); leg B's
   * failure asks the app again, like a proxy outcome; a CANCEL from the caller resumes it with
   * `cancelled`; the end of a bridged call is the `callEnded` event.
   */
  function b2buaDecision(session: HostSession, callRef: string, action: Extract<WireAction, { kind: 'b2bua' }>, selected: SelectedApp): B2buaDecision {
    const ref: WireCallRef = { id: callRef, target: action.target };
    let state: 'ringing' | 'up' | 'over' = 'ringing';
    let upAt = 0;
    const decision: B2buaDecision = {
      kind: 'b2bua',
      target: action.target,
      ...(action.from === undefined ? {} : { from: action.from }),
      ...(action.to === undefined ? {} : { to: action.to }),
      ...(action.headers.length === 0 ? {} : { headers: action.headers.map(([name, value]) => ({ name, value })) }),
      ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
      onLegs: (legs, control) => {
        if (state !== 'ringing') return;
        options.callMarker?.markCall(legs.b.callId, { linkedTo: session.key });
        state = 'up';
        upAt = now();
        calls.add(session.app, ref.id, control);
        void b2buaEvent(session, callRef, { kind: 'success', status: 200, reason: 'OK', timedOut: false, call: ref }).then((result) => apply(session, result));
      },
      onOutcome: async (outcome) => {
        state = 'over';
        const { kind, status, reason, timedOut } = toWireOutcome(outcome).outcome;
        return decide(session, callRef, await b2buaEvent(session, callRef, { kind, status, reason, timedOut }), selected, true);
      },
      onEnd: (end) => {
        if (state === 'up') {
          state = 'over';
          calls.remove(session.app, ref.id);
          void callEnded(session, ref, toCallEnd(end, now() - upAt));
        } else if (state === 'ringing' && end.by !== 'failure') {
          // The caller gave up before leg B answered (CANCEL → 487, RFC 3261 §9.2): leg B's
          // failure never reaches onOutcome, so the parked handler is resumed here.
          state = 'over';
          void b2buaEvent(session, callRef, { kind: 'cancelled', status: 487, reason: 'Request Terminated', timedOut: false }).then((result) => {
            apply(session, result);
            release(session);
          });
        }
      },
    };
    return decision;
  }

  function b2buaEvent(session: HostSession, callRef: string, outcome: WireB2buaOutcome): Promise<DispatchResult> {
    const payload = { callRef, outcome, session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    return dispatch(session.app, APP_EVENTS.b2bua, session.key, payload);
  }

  async function callEnded(session: HostSession, call: WireCallRef, end: WireCallEnd): Promise<void> {
    const payload = { call, end, session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const result = await dispatch(session.app, APP_EVENTS.callEnded, session.key, payload);
    apply(session, result);
    release(session);
  }

  /**
   * Third-party calls (`ctx.calls.connect`, connect-calls.ts) and the app's own INVITEs
   * (`ctx.uac.invite`, uac-invite.ts) hold the application session that started them, like a
   * b2bua call: never idle, version pinned, until the attempt failed or the call ended. Their
   * events are delivered in that session.
   */
  const connecting = new Map<string, HostSession>();
  const heldKey = (app: string, call: WireCallRef): string => `${app}\n${call.id}`;
  calls.listen({
    started(app, key, call) {
      const manifest = runtime.manifest(app);
      const session = sessions.get(app, key) ?? (manifest === undefined ? undefined : sessions.open(app, key, manifest.limits.maxSessions));
      if (session === undefined || session.invalidated) return false;
      session.activeCalls += 1;
      connecting.set(heldKey(app, call), session);
      return true;
    },
    placing(app, callId, linkedTo) {
      // Both legs under the app's rule; the second shows as a leg of the first.
      options.callMarker?.markCall(callId, linkedTo === undefined ? { app } : { app, linkedTo });
    },
    connected(app, _key, call, result) {
      const session = connecting.get(heldKey(app, call));
      if (session !== undefined) void callConnected(session, call, result);
    },
    invited(app, _key, call, answer) {
      const session = connecting.get(heldKey(app, call));
      if (session !== undefined) void uacInvited(session, call, answer);
    },
    ended(app, _key, call, end) {
      const session = connecting.get(heldKey(app, call));
      if (session === undefined) return;
      connecting.delete(heldKey(app, call));
      void callEnded(session, call, end);
    },
  });

  async function callConnected(session: HostSession, call: WireCallRef, result: WireConnectResult): Promise<void> {
    const payload = { call, result, session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const dispatched = await dispatch(session.app, APP_EVENTS.callConnected, session.key, payload);
    apply(session, dispatched);
    if (result.outcome === 'connected') return;
    connecting.delete(heldKey(session.app, call));
    release(session);
  }

  /** The answer to the app's INVITE resumes the handler that awaits `ctx.uac.invite`. */
  async function uacInvited(session: HostSession, call: WireCallRef, answer: WireUacInviteAnswer): Promise<void> {
    const payload = { invite: call.id, answer, session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const dispatched = await dispatch(session.app, APP_EVENTS.uacInvite, session.key, payload);
    apply(session, dispatched);
    if (answer.call !== undefined) return;
    connecting.delete(heldKey(session.app, call));
    release(session);
  }

  async function onResponse(session: HostSession, callRef: string, response: ServiceResponse): Promise<ResponseVerdict> {
    const payload = { callRef, response: toWireResponse(response), session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const result = await dispatch(session.app, APP_EVENTS.response, session.key, payload);
    const applied = apply(session, result);
    return applied.ok && applied.result.verdict === 'absorb' ? { kind: 'absorb' } : { kind: 'default' };
  }

  async function deliverTimer(session: HostSession, timer: WireTimer): Promise<void> {
    session.activeCalls += 1;
    const payload = { timer, session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const result = await dispatch(session.app, APP_EVENTS.timer, session.key, payload);
    apply(session, result);
    release(session);
  }

  async function expire(session: HostSession): Promise<void> {
    session.activeCalls += 1;
    const payload = { session: sessions.snapshot(session), grants: grantsOf(session.app), app: session.app };
    const result = await dispatch(session.app, APP_EVENTS.expired, session.key, payload);
    const before = session.expiresAt;
    apply(session, result);
    session.activeCalls -= 1;
    if (session.activeCalls === 0) runtime.endSession(session.app, session.key);
    // The app extended the session in its onSessionExpired (JSR 289 sessionExpired + setExpires).
    if (session.expiresAt <= before && session.activeCalls === 0) sessions.invalidate(session);
  }

  async function offer(selected: SelectedApp, call: ServiceCall, uri: string | undefined): Promise<Decision> {
    const { app } = selected;
    const manifest = runtime.manifest(app);
    if (manifest === undefined || runtime.disabled(app) === true) {
      return faultDecision({ ok: false, fault: manifest === undefined ? 'not-found' : 'disabled', message: '' } as Extract<DispatchResult, { ok: false }>, selected);
    }
    const key = call.request.callId;
    options.callMarker?.markCall(key, { app });
    const session = sessions.open(app, key, manifest.limits.maxSessions);
    if (session === undefined) {
      logger.warn({ app, max: manifest.limits.maxSessions }, 'app has reached its application-session cap');
      return { kind: 'reject', status: 503, reason: 'Service Unavailable' };
    }
    session.activeCalls += 1;
    const callRef = `${key}#${++seq}`;
    const payload = { callRef, request: toWireRequest(call, uri), session: sessions.snapshot(session), grants: grantsOf(app), app };
    const result = await dispatch(app, APP_EVENTS.request, key, payload);
    return decide(session, callRef, result, selected, call.host.userAgent !== undefined && call.request.method === 'INVITE');
  }

  /**
   * Offers the request to the chain from `index` on (app-chain.ts): an app that proxies to one
   * target hands the request, retargeted there, to the next app; its decision wraps theirs.
   */
  async function runChain(chain: readonly SelectedApp[], index: number, call: ServiceCall, uri: string | undefined): Promise<Decision> {
    for (let i = index; i < chain.length; i++) {
      const decision = await offer(chain[i]!, call, uri);
      if (decision.kind === 'continue') continue;
      const only = decision.kind === 'proxy' && decision.targets.length === 1 ? decision.targets[0] : undefined;
      if (decision.kind === 'proxy' && only !== undefined && i + 1 < chain.length) {
        const downstream = await runChain(chain, i + 1, call, only.uri);
        return downstream.kind === 'proxy' || downstream.kind === 'continue' ? composeProxy(decision, downstream) : answerThrough(decision, downstream);
      }
      return decision;
    }
    return CONTINUE;
  }

  /**
   * A registration change, to every app granted `registrations`: in the application session of
   * the AOR (`registration:<aor>`), so one user's changes reach an app in order; the session is
   * dropped after the event unless the app keeps state in it.
   */
  function deliverRegistration(event: RegistrationEvent): void {
    const at = now();
    const kind = event.type === 'added' ? 'registered' : event.type === 'removed' ? 'unregistered' : event.type;
    const gone = event.type === 'removed' || event.type === 'expired';
    const registration = { kind, aor: event.aor, contact: event.contact.uri, q: event.contact.q, expires: gone ? 0 : Math.max(0, Math.round((event.contact.expiresAt - at) / 1000)), at };
    for (const app of runtime.names()) {
      const manifest = runtime.manifest(app);
      if (manifest === undefined || runtime.disabled(app) === true || !grantsOf(app).includes(PERMISSIONS.registrations)) continue;
      const key = `registration:${event.aor}`;
      const session = sessions.open(app, key, manifest.limits.maxSessions);
      if (session === undefined) {
        logger.warn({ app, max: manifest.limits.maxSessions }, 'app has reached its application-session cap; registration event dropped');
        continue;
      }
      session.activeCalls += 1;
      const payload = { registration, session: sessions.snapshot(session), grants: grantsOf(app), app };
      void dispatch(app, APP_EVENTS.registration, key, payload).then((result) => {
        apply(session, result);
        release(session);
      });
    }
  }

  /** A named event from HTTP, in an application session of its own (AppEventSink). */
  const deliverEvent: AppEngine['deliverEvent'] = async (app, name, payload, caller) => {
    const manifest = runtime.manifest(app);
    if (manifest === undefined) return { kind: 'not-found', message: `no app "${app}"` };
    if (runtime.disabled(app) === true) return { kind: 'unavailable', message: `app "${app}" is disabled after repeated faults` };
    const key = `event:${name}:${randomUUID()}`;
    const session = sessions.open(app, key, manifest.limits.maxSessions);
    if (session === undefined) return { kind: 'unavailable', message: `app "${app}" has reached its application-session cap` };
    session.activeCalls += 1;
    try {
      const event = { name, payload, caller };
      const result = await dispatch(app, APP_EVENTS.event, key, { event, session: sessions.snapshot(session), grants: grantsOf(app), app });
      if (!result.ok && result.fault === 'unhandled') return { kind: 'not-found', message: `app "${app}" has no handler for event "${name}"` };
      if (!result.ok) {
        logger.warn({ app, event: name, fault: result.fault }, `event failed: ${result.message}`);
        return result.fault === 'overloaded' || result.fault === 'disabled' ? { kind: 'unavailable', message: result.message } : { kind: 'fault', message: `the app's handler failed (${result.fault})` };
      }
      const applied = apply(session, result);
      if (!applied.ok) return { kind: 'fault', message: 'the app returned an invalid result' };
      if (applied.result.unhandled === true) return { kind: 'not-found', message: `app "${app}" has no handler for event "${name}"` };
      const value = asJson(applied.result.reply);
      if (value === undefined) {
        logger.warn({ app, event: name }, 'event handler returned something that is not JSON');
        return { kind: 'fault', message: 'the handler returned something that is not JSON' };
      }
      return { kind: 'ok', value };
    } finally {
      release(session);
    }
  };

  return {
    name: 'apps',
    deliverEvent,
    watchRegistrations: (host) => host.onRegistration(deliverRegistration),
    sessions,
    async decide(call) {
      const chain = await selector.select(call, runtime.names());
      return chain.length === 0 ? CONTINUE : runChain(chain, 0, call, undefined);
    },
    stats(app) {
      const entry = counter(app);
      return { requests: entry.requests, events: entry.events, faults: { ...entry.faults }, cpuMs: Math.round(entry.cpuMs * 1000) / 1000, sessions: sessions.count(app), calls: calls.count(app) };
    },
    calls,
    dropApp: (name) => {
      sessions.dropApp(name);
      calls.dropApp(name);
    },
    close: () => sessions.close(),
  };
}

/** Who ended a bridged call, in the app's terms (leg A is the caller's, B the callee's). */
function toCallEnd(end: B2buaEnd, durationMs: number): WireCallEnd {
  const by = end.by === 'a' ? 'caller' : end.by === 'b' ? 'callee' : 'app';
  const reason = end.by === 'a' || end.by === 'b' ? end.reason : end.by === 'local' ? 'terminated' : end.by;
  return { by, reason, durationMs: Math.max(0, durationMs) };
}

function toEdits(edits: Extract<WireAction, { kind: 'proxy' }>['edits']): MessageEdits | undefined {
  if (edits === undefined) return undefined;
  const out: MessageEdits = {};
  if (edits.headers.length > 0) out.headers = edits.headers.map(([name, value]) => ({ name, value }));
  if (edits.remove.length > 0) out.remove = edits.remove;
  if (edits.body !== undefined) out.body = edits.body;
  return out.headers || out.remove || out.body !== undefined ? out : undefined;
}

/** Event payloads are plain objects (the SDK's WireEventBase); anything else is left alone. */
function isPayloadRecord(payload: Cloneable): payload is { [key: string]: Cloneable } {
  return typeof payload === 'object' && payload !== null && Object.getPrototypeOf(payload) === Object.prototype;
}
