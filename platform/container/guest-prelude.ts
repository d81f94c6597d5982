/**
 * The driver that runs inside every app isolate before the app's bundle. It owns the guest side
 * of the boundary: the frozen `sdk` global, handler lookup, promise tracking and the per-turn
 * caps on log lines and host calls. It is guest code: an app can break its own copy, but never
 * reach past it, because the host hands it only three callbacks whose arguments are copied and
 * never trusts what comes back (every reply is re-validated in `app-isolate.ts`).
 *
 * The host enters the isolate in exactly two ways — `dispatch` (a new event) and `settle` (a
 * host call finished) — each with a timeout, and app code has no timers, so every microtask an
 * app schedules runs inside one of those timed entries: an infinite loop after an `await` is
 * stopped like one before it.
 */

/** Caps per entry into the isolate, so a loop of `sdk.log` cannot flood the host's event loop. */
export interface GuestLimits {
  readonly maxLogsPerEntry: number;
  readonly maxCallsPerEntry: number;
  readonly maxLogChars: number;
  readonly maxArgsChars: number;
}

export const DEFAULT_GUEST_LIMITS: GuestLimits = {
  maxLogsPerEntry: 100,
  maxCallsPerEntry: 100,
  maxLogChars: 8 * 1024,
  maxArgsChars: 1024 * 1024,
};

/**
 * Evaluated with `Context.evalClosure`: `$0` log(eventId, level, message), `$1`
 * send(eventId, callId, capability, method, jsonArgs), `$2` complete(eventId, outcome),
 * `$3` GuestLimits; `$4` log, `$5` send, `$6` complete again, for entries the host runs
 * synchronously on its own thread (`inline`: they reach the host inside the same entry, in
 * order, without a task hand-off).
 * Returns the frozen driver `{ register, dispatch, settle }`.
 */
export const GUEST_PRELUDE = String.raw`'use strict';
const hostLogQueued = $0, hostSendQueued = $1, hostCompleteQueued = $2, limits = $3;
const hostLogInline = $4, hostSendInline = $5, hostCompleteInline = $6;
const G = globalThis;
const freeze = Object.freeze, defineProperty = Object.defineProperty, getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyNames = Object.getOwnPropertyNames, ObjectProto = Object.prototype;
const apply = Reflect.apply, StringCtor = String, ErrorCtor = Error, PromiseCtor = Promise;
const promiseResolve = Promise.resolve, promiseThen = Promise.prototype.then;
const MapCtor = Map, mapGet = Map.prototype.get, mapSet = Map.prototype.set, mapDelete = Map.prototype.delete;
const stringSlice = String.prototype.slice, arrayPush = Array.prototype.push, arrayJoin = Array.prototype.join;
const jsonStringify = JSON.stringify;

// WebAssembly memory lives outside the V8 heap and is not held to memoryLimit (measured: a 16 MB
// isolate grew a 131 MB wasm memory); SharedArrayBuffer and Atomics serve threads a sandbox has not.
delete G.WebAssembly; delete G.SharedArrayBuffer; delete G.Atomics;

let current = 0, logsLeft = 0, callsLeft = 0, nextCallId = 1, app, inline = false;
const pending = new MapCtor();
const PENDING = freeze({ done: false });

function text(value, max) {
  let s;
  try { s = typeof value === 'string' ? value : StringCtor(value); } catch (e) { s = '[unprintable]'; }
  return s.length > max ? apply(stringSlice, s, [0, max]) + '…' : s;
}

function failure(kind, error) {
  let message, stack;
  try {
    if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
      const name = error.name, msg = error.message;
      message = (typeof name === 'string' && name !== '' ? name + ': ' : '') + text(msg === undefined ? error : msg, 2000);
      const s = error.stack;
      if (typeof s === 'string') stack = text(s, 8000);
    } else {
      message = 'non-error value thrown: ' + text(error, 2000);
    }
  } catch (e) {
    message = 'unprintable error';
  }
  return stack === undefined ? { done: true, ok: false, kind, message } : { done: true, ok: false, kind, message, stack };
}

// Guest code runs only inside entries (no timers), so 'inline' is always the current entry's.
function hostLog(eventId, level, message) {
  return inline ? hostLogInline(eventId, level, message) : hostLogQueued(eventId, level, message);
}
function hostSend(eventId, id, capability, method, args) {
  return inline ? hostSendInline(eventId, id, capability, method, args) : hostSendQueued(eventId, id, capability, method, args);
}
function hostComplete(eventId, outcome) {
  return inline ? hostCompleteInline(eventId, outcome) : hostCompleteQueued(eventId, outcome);
}

function enter(eventId, inlineEntry) {
  current = eventId;
  inline = inlineEntry === true;
  logsLeft = limits.maxLogsPerEntry;
  callsLeft = limits.maxCallsPerEntry;
}

function log(level, message) {
  if (logsLeft <= 0) return;
  logsLeft--;
  hostLog(current, text(level, 16), text(message, limits.maxLogChars));
}

function hostCall(capability, method, jsonArgs) {
  const eventId = current;
  return new PromiseCtor(function (resolve, reject) {
    const args = jsonArgs === undefined ? 'null' : text(jsonArgs, limits.maxArgsChars + 1);
    if (args.length > limits.maxArgsChars) { reject(new ErrorCtor('host call arguments are too large')); return; }
    if (callsLeft <= 0) { reject(new ErrorCtor('too many host calls in one turn')); return; }
    callsLeft--;
    const id = nextCallId++;
    apply(mapSet, pending, [id, { resolve, reject }]);
    hostSend(eventId, id, text(capability, 64), text(method, 128), args);
  });
}

function show(value) {
  if (typeof value === 'string') return value;
  try { const json = jsonStringify(value); if (typeof json === 'string') return json; } catch (e) { /* fall through */ }
  return text(value, limits.maxLogChars);
}
function consoleAt(level) {
  return freeze(function () {
    const parts = [];
    for (let i = 0; i < arguments.length; i++) apply(arrayPush, parts, [show(arguments[i])]);
    log(level, apply(arrayJoin, parts, [' ']));
  });
}

defineProperty(G, 'sdk', { value: freeze({ log: freeze(log), hostCall: freeze(hostCall) }), writable: false, enumerable: false, configurable: false });
defineProperty(G, 'console', {
  value: freeze({ debug: consoleAt('debug'), log: consoleAt('info'), info: consoleAt('info'), warn: consoleAt('warn'), error: consoleAt('error') }),
  writable: true, enumerable: false, configurable: true,
});


function complete(eventId, outcome) {
  try { hostComplete(eventId, outcome); } catch (e) { hostComplete(eventId, failure('error', e)); }
}

function handlerNames(target) {
  const names = [];
  for (let o = target; o !== null && o !== ObjectProto && names.length < 200; o = getPrototypeOf(o)) {
    const own = getOwnPropertyNames(o);
    for (let i = 0; i < own.length; i++) {
      const name = own[i];
      if (name === 'constructor' || name in ObjectProto) continue;
      let value;
      try { value = target[name]; } catch (e) { continue; }
      if (typeof value === 'function') apply(arrayPush, names, [name]);
    }
  }
  return names;
}

function register() {
  let mod, target;
  try {
    mod = G.__switchboardApp;
    G.__switchboardApp = undefined;
    target = mod !== null && typeof mod === 'object' && mod.default !== undefined ? mod.default : mod;
  } catch (e) {
    return { ok: false, message: failure('error', e).message };
  }
  if (typeof target === 'function') { app = target; return { ok: true, kind: 'function', events: [] }; }
  if (target === null || typeof target !== 'object') {
    return { ok: false, message: 'the entry module must export (default) an object of event handlers or a dispatch function' };
  }
  const events = handlerNames(target);
  if (events.length === 0) return { ok: false, message: 'the entry module exports no event handlers' };
  app = target;
  return { ok: true, kind: 'object', events };
}

function dispatch(eventId, name, payload, sessionKey, inlineEntry) {
  enter(eventId, inlineEntry);
  if (app === undefined) return { done: true, ok: false, kind: 'error', message: 'app is not loaded' };
  const meta = freeze({ eventId, event: name, sessionKey });
  let result;
  try {
    if (typeof app === 'function') {
      result = apply(app, undefined, [name, payload, meta]);
    } else {
      const fn = name in ObjectProto ? undefined : app[name];
      if (typeof fn !== 'function') return { done: true, ok: false, kind: 'unhandled', message: 'no handler for event "' + text(name, 128) + '"' };
      result = apply(fn, app, [payload, meta]);
    }
  } catch (e) {
    return failure('error', e);
  }
  let then;
  try { then = result !== null && (typeof result === 'object' || typeof result === 'function') ? result.then : undefined; }
  catch (e) { return failure('error', e); }
  if (typeof then !== 'function') return { done: true, ok: true, value: result };
  try {
    apply(promiseThen, apply(promiseResolve, PromiseCtor, [result]), [
      function (value) { complete(eventId, { done: true, ok: true, value }); },
      function (error) { complete(eventId, failure('error', error)); },
    ]);
  } catch (e) {
    return failure('error', e);
  }
  return PENDING;
}

function settle(eventId, callId, ok, payload, inlineEntry) {
  enter(eventId, inlineEntry);
  const call = apply(mapGet, pending, [callId]);
  if (call === undefined) return;
  apply(mapDelete, pending, [callId]);
  if (ok) call.resolve(payload); else call.reject(new ErrorCtor(payload));
}

return freeze({ register, dispatch, settle });
`;
