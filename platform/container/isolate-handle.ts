/**
 * What the runtime needs from one app isolate, wherever it is hosted: in this thread
 * (`AppIsolate` driven through isolated-vm's own thread pool) or in a worker thread
 * (`worker-host.ts`). The runtime owns queues, versions, wall-clock budgets and capabilities; a
 * handle owns one isolate, its CPU budget per event, and its fault classification.
 */
import type { GuestLimits } from './guest-prelude.js';
import type { AppLogLevel, Cloneable } from './types.js';

/** What `IsolateHost.create` loads. */
export interface IsolateSpec {
  readonly appName: string;
  readonly version: string;
  /** The bundle (`AppBundle.code`). */
  readonly code: string;
  readonly memoryMb: number;
  /** Time the bundle's top-level code may run while loading. */
  readonly loadTimeoutMs: number;
  readonly guestLimits?: GuestLimits;
}

export interface EventRequest {
  /** Unique per handle; the guest reports completions and host calls under it. */
  readonly eventId: number;
  readonly name: string;
  readonly sessionKey: string;
  readonly payload: Cloneable;
  /** CPU time the event may use summed over all its entries into the isolate. */
  readonly cpuBudgetMs: number;
}

/** Faults an isolate itself can report (the runtime adds `disabled`, `overloaded`, `not-found`). */
export type IsolateFault = 'timeout' | 'error' | 'memory' | 'disposed' | 'unhandled';

export type EventOutcome =
  | { readonly ok: true; readonly value: Cloneable; readonly cpuMs: number }
  | { readonly ok: false; readonly fault: IsolateFault; readonly message: string; readonly stack?: string; readonly cpuMs: number };

/** A call the app made through `sdk.hostCall`; answered with `IsolateHandle.settle`. */
export interface GuestHostCall {
  readonly eventId: number;
  readonly callId: number;
  readonly capability: string;
  readonly method: string;
  /** JSON text, unparsed: the host parses it with its own `JSON.parse`. */
  readonly jsonArgs: string;
}

/** How an isolate reaches its owner. Arguments are validated copies of guest data. */
export interface IsolateCallbacks {
  hostCall(call: GuestHostCall): void;
  log(eventId: number, level: AppLogLevel, message: string): void;
  /** V8 lost control of the isolate (isolated-vm `onCatastrophicError`): the process must end. */
  catastrophic(message: string): void;
}

export interface IsolateMemory {
  readonly usedHeapBytes: number;
  readonly totalHeapBytes: number;
  /** ArrayBuffer memory outside the heap that still counts against `memoryMb`. */
  readonly externalBytes: number;
  readonly heapLimitBytes: number;
  /** CPU time the isolate has used since it was created. */
  readonly cpuMs: number;
}

export interface IsolateHandle {
  /** Event names the app exports handlers for; empty when it exports one dispatch function. */
  readonly handlers: readonly string[];
  /** Runs one event. Throws `PayloadCopyError` synchronously if the payload cannot be cloned. */
  dispatch(request: EventRequest): Promise<EventOutcome>;
  /** Answers a host call; the guest's continuation runs inside this entry, under the event's CPU budget. */
  settle(eventId: number, callId: number, ok: boolean, text: string): void;
  /** Forgets an event the runtime gave up on (wall-clock timeout); its later work is never resumed. */
  abandon(eventId: number): void;
  memory(): Promise<IsolateMemory>;
  /** Disposes the isolate; events in flight end with fault `disposed` and `reason`. */
  dispose(reason: string): void;
  /**
   * Resolves once no guest code of this isolate is running any more (after `dispose`, when the
   * terminated entry has returned). A process must not exit before: isolated-vm crashes
   * (SIGSEGV) if the process exits while its thread pool still runs an isolate.
   */
  whenIdle(): Promise<void>;
  readonly disposed: boolean;
}

export interface IsolateHost {
  readonly kind: 'in-process' | 'worker';
  /** Creates an isolate and loads the bundle; rejects with `IsolateLoadError`. */
  create(spec: IsolateSpec, callbacks: IsolateCallbacks): Promise<IsolateHandle>;
  close(): Promise<void>;
}

/** The bundle threw, timed out or ran out of memory while loading, or exports no handlers. */
export class IsolateLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IsolateLoadError';
  }
}

/** The event payload is not structured-cloneable (a caller bug, not an app fault). */
export class PayloadCopyError extends TypeError {
  constructor(message: string) {
    super(`event payload cannot be copied into the sandbox: ${message}`);
    this.name = 'PayloadCopyError';
  }
}
