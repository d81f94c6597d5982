/**
 * Messages between the runtime's thread and an isolate worker (`isolate-worker.ts`). Each
 * message names the isolate it concerns (`id`), so one worker hosts many app isolates.
 * Everything is structured-clone data, like the sandbox boundary itself.
 */
import type { EventOutcome, EventRequest, GuestHostCall, IsolateMemory, IsolateSpec } from './isolate-handle.js';
import type { AppLogLevel } from './types.js';

export type ToWorker =
  | { readonly t: 'create'; readonly id: number; readonly spec: IsolateSpec }
  | { readonly t: 'dispatch'; readonly id: number; readonly request: EventRequest }
  | { readonly t: 'settle'; readonly id: number; readonly eventId: number; readonly callId: number; readonly ok: boolean; readonly text: string }
  | { readonly t: 'abandon'; readonly id: number; readonly eventId: number }
  | { readonly t: 'memory'; readonly id: number; readonly requestId: number }
  | { readonly t: 'dispose'; readonly id: number; readonly reason: string }
  /** Dispose every isolate and let the thread end on its own (see `PooledWorker.terminate`). */
  | { readonly t: 'shutdown' };

export type FromWorker =
  | { readonly t: 'created'; readonly id: number; readonly handlers?: readonly string[]; readonly error?: string }
  | { readonly t: 'outcome'; readonly id: number; readonly eventId: number; readonly outcome: EventOutcome }
  | { readonly t: 'host-call'; readonly id: number; readonly call: GuestHostCall }
  | { readonly t: 'log'; readonly id: number; readonly eventId: number; readonly level: AppLogLevel; readonly message: string }
  | { readonly t: 'memory'; readonly requestId: number; readonly memory?: IsolateMemory; readonly error?: string }
  | { readonly t: 'catastrophic'; readonly id: number; readonly message: string };
