/**
 * Data that crosses the sandbox boundary. Nothing but copies ever crosses: event payloads and
 * results are structured clones (V8 ValueSerializer, the same algorithm as `postMessage`), host
 * calls are JSON text. No function, `Reference` or host object is ever handed to app code, which
 * is what makes the isolate a capability boundary (appserver spec §B.1 principle 4, §B.5).
 */

/** A value the structured-clone algorithm copies faithfully; what events carry in and out. */
export type Cloneable =
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
  | Cloneable[]
  | ReadonlyArray<Cloneable>
  | Map<Cloneable, Cloneable>
  | Set<Cloneable>
  | { readonly [key: string]: Cloneable };

/** JSON values: the format of host calls (`sdk.hostCall`) in both directions. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Why an event failed.
 * - `timeout`: the event used up its CPU budget (`limits.cpuMsPerEvent`) or its wall-clock budget.
 * - `error`: the handler threw or its promise rejected (stack overflow included), or its result
 *   could not be cloned.
 * - `memory`: the isolate hit `limits.memoryMb` and was disposed; the next event recreates it.
 * - `disposed`: the isolate went away under the event (another event's OOM, undeploy, worker loss).
 * - `disabled`: the app faulted too often and refuses events until it is redeployed.
 * - `unhandled`: the app has no handler for the event name (the SDK maps this to 501).
 * - `overloaded`: a session cap (`limits.maxSessions`) or per-session queue cap was hit.
 * - `not-found`: no app of that name is deployed.
 */
export type FaultKind =
  | 'timeout'
  | 'error'
  | 'memory'
  | 'disposed'
  | 'disabled'
  | 'unhandled'
  | 'overloaded'
  | 'not-found';

/** Faults that count toward disabling an app (the app misbehaved, not the host or the caller). */
export const COUNTED_FAULTS: ReadonlySet<FaultKind> = new Set<FaultKind>(['timeout', 'error', 'memory']);

/** One event delivered to an app. */
export interface AppEvent {
  /** Handler name, e.g. `invite` or `timer:noAnswer`. */
  readonly name: string;
  /**
   * Application-session key: events with the same key run one at a time, in order, even across
   * `await` inside the app (JSR 359 APPLICATIONSESSION concurrency, spec §B.1 principle 1).
   */
  readonly sessionKey: string;
  readonly payload: Cloneable;
}

/** The result of one event, always a value: faults are data, never exceptions. */
export type DispatchResult =
  | { readonly ok: true; readonly value: Cloneable; readonly version: string; readonly cpuMs: number; readonly wallMs: number }
  | {
      readonly ok: false;
      readonly fault: FaultKind;
      readonly message: string;
      readonly version?: string;
      readonly cpuMs?: number;
      readonly wallMs?: number;
    };

/** Log levels an app may use through `sdk.log`. */
export type AppLogLevel = 'debug' | 'info' | 'warn' | 'error';
export const APP_LOG_LEVELS: ReadonlySet<string> = new Set<AppLogLevel>(['debug', 'info', 'warn', 'error']);
