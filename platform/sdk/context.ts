/**
 * `ctx`: the one capability object an app gets (spec §B.1 principle 4). Every call looks up the
 * scope of the application session's *current* event, so a handler that resumes after `await
 * req.proxy()` in a later event acts in that event.
 */
import { assertPlainData } from './cloneable.js';
import type { EventScope } from './event-scope.js';
import { guestSdk } from './guest-sdk.js';
import { PERMISSIONS, type PlainData } from './protocol.js';
import { headerPairs } from './headers.js';
import type { AppContext, AppLogger, AppSession, CallRef, Calls, JsonValue, KvStore, TimerRef, Timers, Uac, UacInviteResponse, UacResponse } from './types.js';

/** Finds the scope of a session's current event (throws outside one). */
export type ScopeLookup = (sessionId: string) => EventScope;

/** Handlers parked on INVITEs the app sent, until the event with the answer (define-app.ts). */
export interface InviteParking {
  /** Takes the session's one invite slot; throws while another invite of the session is pending
   *  (its handler could not park: the event ends at the first). */
  claim(sessionId: string): void;
  /** Gives the slot back (the invite did not start). */
  unclaim(sessionId: string): void;
  /** Parks the handler: `task` is the handler task the answer's event waits for. */
  park(inviteId: string, resolve: (response: UacInviteResponse) => void, task: Promise<unknown> | undefined): void;
}

const MAX_TIMER_MS = 24 * 60 * 60 * 1000;
let timerCounter = 0;

export function createContext(app: string, sessionId: string, scopeOf: ScopeLookup, parkInvite?: InviteParking): AppContext {
  const session: AppSession = {
    id: sessionId,
    get createdAt() {
      return new Date(scopeOf(sessionId).createdAt);
    },
    get expiresAt() {
      return new Date(scopeOf(sessionId).expiresAt);
    },
    get: <T extends PlainData = PlainData>(name: string) => scopeOf(sessionId).attribute(name) as T | undefined,
    set: (name, value) => scopeOf(sessionId).setAttribute(name, value),
    delete: (name) => scopeOf(sessionId).deleteAttribute(name),
    has: (name) => scopeOf(sessionId).hasAttribute(name),
    keys: () => scopeOf(sessionId).attributeNames(),
    setExpires: (ms) => scopeOf(sessionId).setExpires(ms),
    invalidate: () => scopeOf(sessionId).invalidate(),
  };

  const timers: Timers = {
    start(name, delayMs, payload, options) {
      const scope = scopeOf(sessionId);
      scope.requireGrant(PERMISSIONS.timers);
      if (typeof name !== 'string' || name === '') throw new TypeError('a timer needs a name');
      checkDelay(delayMs, 'delayMs');
      const repeatMs = options?.repeatMs;
      if (repeatMs !== undefined) checkDelay(repeatMs, 'repeatMs');
      assertPlainData(payload, `payload of timer "${name}"`);
      const id = `${name}.${Date.now().toString(36)}.${(timerCounter++).toString(36)}`;
      scope.startTimer({ id, name, payload, delayMs, ...(repeatMs === undefined ? {} : { repeatMs }) });
      const ref: TimerRef = { id, name, cancel: () => timers.cancel(id) };
      return ref;
    },
    cancel(id) {
      scopeOf(sessionId).cancelTimer(id);
    },
  };

  const call = async (method: string, args: JsonValue): Promise<JsonValue> => {
    scopeOf(sessionId).requireGrant(PERMISSIONS.kv);
    return JSON.parse(await guestSdk().hostCall(PERMISSIONS.kv, method, JSON.stringify(args))) as JsonValue;
  };
  const kv: KvStore = {
    get: async <T extends JsonValue = JsonValue>(key: string) => {
      const value = await call('get', { key });
      return value === null ? undefined : (value as T);
    },
    set: async (key, value) => {
      await call('set', { key, value });
    },
    delete: async (key) => (await call('delete', { key })) === true,
    list: async (prefix = '') => {
      const keys = await call('list', { prefix });
      return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
    },
  };

  const uac: Uac = {
    request: async (request) => {
      scopeOf(sessionId).requireGrant(PERMISSIONS.uac);
      const answer = await guestSdk().hostCall(PERMISSIONS.uac, 'request', JSON.stringify(request));
      return JSON.parse(answer) as UacResponse;
    },
    invite: async (request) => {
      const scope = scopeOf(sessionId);
      scope.requireGrant(PERMISSIONS.uac);
      if (parkInvite === undefined) throw new Error('ctx.uac.invite is not available outside defineApp');
      // The answer comes in a later event (a phone rings longer than an event may last), and a
      // request's caller cannot wait across events for an answer the app has not given yet.
      if (scope.actionsAllowed && scope.action === undefined) {
        throw new Error('answer, proxy or pass the request before awaiting ctx.uac.invite (the handler resumes in a later event)');
      }
      parkInvite.claim(sessionId);
      let id: unknown;
      try {
        id = (JSON.parse(await guestSdk().hostCall(PERMISSIONS.uac, 'invite', JSON.stringify(request))) as { id?: unknown } | null)?.id;
        if (typeof id !== 'string') throw new Error('the server did not start the call');
      } catch (error) {
        parkInvite.unclaim(sessionId);
        throw error;
      }
      const inviteId = id;
      return new Promise<UacInviteResponse>((resolve) => {
        const current = scopeOf(sessionId);
        parkInvite.park(inviteId, resolve, current.task);
        current.suspend();
      });
    },
  };

  const calls: Calls = {
    terminate: async (call) => {
      scopeOf(sessionId).requireGrant(PERMISSIONS.calls);
      const id = typeof call === 'string' ? call : call?.id;
      if (typeof id !== 'string' || id === '') throw new TypeError('calls.terminate() needs a call (the `call` of a b2bua result) or its id');
      return JSON.parse(await guestSdk().hostCall(PERMISSIONS.calls, 'terminate', JSON.stringify({ id }))) === true;
    },
    connect: async (a, b, options) => {
      scopeOf(sessionId).requireGrant(PERMISSIONS.calls);
      if (typeof a !== 'string' || a === '' || typeof b !== 'string' || b === '') throw new TypeError('calls.connect(a, b) needs two SIP URIs');
      const args = {
        a,
        b,
        ...(options?.from === undefined ? {} : { from: options.from }),
        ...(options?.bFrom === undefined ? {} : { bFrom: options.bFrom }),
        headers: headerPairs(options?.headers).map(([name, value]) => ({ name, value })),
      };
      const ref = JSON.parse(await guestSdk().hostCall(PERMISSIONS.calls, 'connect', JSON.stringify(args))) as CallRef;
      return Object.freeze({ id: String(ref.id), target: String(ref.target) });
    },
  };

  const line = (message: string, fields?: Record<string, JsonValue>): string =>
    fields === undefined ? String(message) : `${String(message)} ${JSON.stringify(fields)}`;
  const log: AppLogger = {
    debug: (message, fields) => guestSdk().log('debug', line(message, fields)),
    info: (message, fields) => guestSdk().log('info', line(message, fields)),
    warn: (message, fields) => guestSdk().log('warn', line(message, fields)),
    error: (message, fields) => guestSdk().log('error', line(message, fields)),
  };

  return Object.freeze({ app, session: Object.freeze(session), timers: Object.freeze(timers), kv: Object.freeze(kv), uac: Object.freeze(uac), calls: Object.freeze(calls), log: Object.freeze(log) });
}

function checkDelay(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_TIMER_MS) throw new RangeError(`${what} must be between 1 ms and 24 h`);
}
