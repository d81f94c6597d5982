/**
 * One isolated-vm Isolate running one app version (spec §B.5 "isolated" tier).
 *
 * Entries into the isolate are serialised and each carries a timeout equal to what is left of
 * the event's CPU budget; `isolate.cpuTime` before and after an entry charges the event. In
 * `async` mode entries use isolated-vm's `apply` (the isolate runs on isolated-vm's own thread
 * pool, so a runaway app never blocks this thread's event loop); in `sync` mode they use
 * `applySync`, for a worker thread that has nothing else to do (see `isolate-worker.ts`).
 *
 * Faults are classified here: `Script execution timed out.` → timeout; disposal "due to memory
 * limit" → memory for the running event and disposed for the others; anything else from an entry
 * (uncloneable result, a stack overflow that escaped the driver) → error.
 */
import ivm from 'isolated-vm';
import { DEFAULT_GUEST_LIMITS, GUEST_PRELUDE, type GuestLimits } from './guest-prelude.js';
import {
  IsolateLoadError,
  PayloadCopyError,
  type EventOutcome,
  type EventRequest,
  type IsolateCallbacks,
  type IsolateFault,
  type IsolateHandle,
  type IsolateHost,
  type IsolateMemory,
  type IsolateSpec,
} from './isolate-handle.js';
import { APP_LOG_LEVELS, type AppLogLevel, type Cloneable } from './types.js';

/**
 * `adaptive`: entries run with `applySync` on this thread (no thread hand-off: the crossing costs
 * what the guest computes) after a probation of `FAST_PROBATION_ENTRIES` pool entries, while the
 * app version behaves: no fault, and fewer than
 * `FAST_SLOW_ENTRIES` entries over `FAST_ENTRY_MAX_NS` (20 ms) of CPU or `FAST_ENTRY_MAX_WALL_MS`
 * (10 ms) of wall time on this thread. A fault (a loop, a memory
 * bomb, a throw) or the third slow entry moves the version to `async` entries for good, so a
 * runaway app can stall this thread once, for at most its CPU budget, and never again
 * (platform/container README, "Fast path").
 */
export type EntryMode = 'async' | 'sync' | 'adaptive';

/** Shared by every isolate of one app version (an isolate recreated after OOM stays demoted). */
export interface FastPathState {
  fast: boolean;
  /** Entries over FAST_ENTRY_MAX_NS so far. */
  slow: number;
  /** Entries run so far (the first `probation` go through the pool). */
  entries: number;
  /** Pool entries before the fast path (default FAST_PROBATION_ENTRIES). */
  probation?: number;
}

/** Entries an app version runs through isolated-vm's pool before the fast path: an app that
 *  loops or bombs from its first event is demoted without ever running on this thread. */
export const FAST_PROBATION_ENTRIES = 5;

/** Slow entries tolerated before demotion: a cold first entry (compiling the app and the SDK)
 *  or a GC pause can take a few ms on a loaded machine without being a runaway. */
export const FAST_SLOW_ENTRIES = 3;

/** CPU per entry counted as slow (20 ms: a cold first entry compiling the SDK, a GC pause or
 *  preemption on a loaded machine stay under it; a loop faults at its budget anyway). */
export const FAST_ENTRY_MAX_NS = 20_000_000n;

/** Wall time of a sync entry on this thread counted as slow: the thread's event loop stood still
 *  that long, whatever the cause (CPU, a lock, preemption on a loaded machine). */
export const FAST_ENTRY_MAX_WALL_MS = 10;

/** What the guest driver answers from `dispatch` or reports through `complete` (validated). */
type GuestReply =
  | { readonly done: false }
  | { readonly done: true; readonly ok: true; readonly value: Cloneable }
  | { readonly done: true; readonly ok: false; readonly kind: 'error' | 'unhandled'; readonly message: string; readonly stack?: string };

type GuestFunction = ivm.Reference<(...args: unknown[]) => unknown>;
/** Arguments of an entry: primitives and `Copy` handles only, never references. */
type EntryArguments = NonNullable<Parameters<GuestFunction['applySync']>[1]>;

interface LiveEvent {
  readonly id: number;
  readonly budgetNs: bigint;
  readonly budgetMs: number;
  usedNs: bigint;
  /** An entry for this event is running right now. */
  running: boolean;
  done: boolean;
  /** The guest's final answer, delivered once no entry of the event is running (CPU fully charged). */
  completed?: GuestReply;
  readonly resolve: (outcome: EventOutcome) => void;
}

const TIMED_OUT = 'Script execution timed out.';

export class AppIsolate implements IsolateHandle {
  readonly #isolate: ivm.Isolate;
  readonly #mode: EntryMode;
  readonly #callbacks: IsolateCallbacks;
  readonly #memoryMb: number;
  readonly #fastPath: FastPathState;
  readonly #events = new Map<number, LiveEvent>();
  #dispatch: GuestFunction | undefined;
  #settle: GuestFunction | undefined;
  /** Tail of the entry queue (async mode): one entry at a time keeps `cpuTime` deltas exact. */
  #tail: Promise<void> = Promise.resolve();
  /** Entries queued on `#tail` that have not finished yet. */
  #queued = 0;
  #disposed = false;
  #handlers: readonly string[] = [];

  private constructor(isolate: ivm.Isolate, mode: EntryMode, callbacks: IsolateCallbacks, memoryMb: number, fastPath: FastPathState) {
    this.#isolate = isolate;
    this.#mode = mode;
    this.#fastPath = fastPath;
    this.#callbacks = callbacks;
    this.#memoryMb = memoryMb;
  }

  /** Creates the isolate, installs the driver, runs the bundle; rejects with `IsolateLoadError`. */
  static async create(spec: IsolateSpec, callbacks: IsolateCallbacks, mode: EntryMode = 'async', fastPath: FastPathState = { fast: mode === 'adaptive', slow: 0, entries: 0 }): Promise<AppIsolate> {
    const isolate = new ivm.Isolate({
      memoryLimit: spec.memoryMb,
      onCatastrophicError: (message) => callbacks.catastrophic(message),
    });
    const self = new AppIsolate(isolate, mode, callbacks, spec.memoryMb, fastPath);
    try {
      await self.#load(spec);
    } catch (error) {
      const reason = isolate.isDisposed && /memory limit/.test(messageOf(error))
        ? `exceeded its memory limit of ${spec.memoryMb} MB while loading`
        : messageOf(error) === TIMED_OUT
          ? `top-level code ran longer than ${spec.loadTimeoutMs} ms`
          : describeError(error);
      self.#disposed = true;
      if (!isolate.isDisposed) isolate.dispose();
      throw error instanceof IsolateLoadError ? error : new IsolateLoadError(reason);
    }
    return self;
  }

  get disposed(): boolean {
    return this.#disposed || this.#isolate.isDisposed;
  }

  get handlers(): readonly string[] {
    return this.#handlers;
  }

  dispatch(request: EventRequest): Promise<EventOutcome> {
    if (this.disposed) return Promise.resolve(faultOutcome('disposed', 'the app isolate is disposed', 0n));
    let payload: ivm.Copy<Cloneable>;
    try {
      payload = new ivm.ExternalCopy(request.payload).copyInto({ release: true });
    } catch (error) {
      throw new PayloadCopyError(messageOf(error));
    }
    return new Promise<EventOutcome>((resolve) => {
      const event: LiveEvent = {
        id: request.eventId,
        budgetMs: request.cpuBudgetMs,
        budgetNs: BigInt(Math.round(request.cpuBudgetMs * 1e6)),
        usedNs: 0n,
        running: false,
        done: false,
        resolve,
      };
      this.#events.set(event.id, event);
      this.#enter(event, this.#dispatch, [request.eventId, request.name, payload, request.sessionKey], true);
    });
  }

  settle(eventId: number, callId: number, ok: boolean, text: string): void {
    const event = this.#events.get(eventId);
    if (event === undefined || event.done || this.disposed) return;
    this.#enter(event, this.#settle, [eventId, callId, ok, text], false);
  }

  abandon(eventId: number): void {
    const event = this.#events.get(eventId);
    if (event !== undefined) this.#finish(event, faultOutcome('timeout', 'abandoned by the runtime', event.usedNs));
  }

  whenIdle(): Promise<void> {
    return this.#tail;
  }

  async memory(): Promise<IsolateMemory> {
    const stats = this.#mode === 'sync' ? this.#isolate.getHeapStatisticsSync() : await this.#isolate.getHeapStatistics();
    return {
      usedHeapBytes: stats.used_heap_size,
      totalHeapBytes: stats.total_heap_size,
      externalBytes: stats.externally_allocated_size,
      heapLimitBytes: stats.heap_size_limit,
      cpuMs: Number(this.#isolate.cpuTime) / 1e6,
    };
  }

  dispose(reason: string): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const event of [...this.#events.values()]) this.#finish(event, faultOutcome('disposed', reason, event.usedNs));
    this.#dispatch?.release();
    this.#settle?.release();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  async #load(spec: IsolateSpec): Promise<void> {
    const sync = this.#mode === 'sync';
    const isolate = this.#isolate;
    const context = sync ? isolate.createContextSync() : await isolate.createContext();
    // async and adaptive mode: `ignored` callbacks are queued to this thread and never stall the
    // isolate's thread; sync mode (worker): plain callbacks run inline, the worker has nothing else to do.
    const flavour = sync ? {} : { ignored: true as const };
    const limits = spec.guestLimits ?? DEFAULT_GUEST_LIMITS;
    const prelude = [
      new ivm.Callback((eventId: unknown, level: unknown, message: unknown) => this.#onLog(eventId, level, message), flavour),
      new ivm.Callback(
        (eventId: unknown, callId: unknown, capability: unknown, method: unknown, jsonArgs: unknown) =>
          this.#onSend(eventId, callId, capability, method, jsonArgs, limits),
        flavour,
      ),
      new ivm.Callback((eventId: unknown, reply: unknown) => this.#onComplete(eventId, reply), flavour),
      new ivm.ExternalCopy(limits).copyInto({ release: true }),
      // For sync entries on this thread (sync, adaptive): delivered inline, within the entry.
      new ivm.Callback((eventId: unknown, level: unknown, message: unknown) => this.#onLog(eventId, level, message)),
      new ivm.Callback(
        (eventId: unknown, callId: unknown, capability: unknown, method: unknown, jsonArgs: unknown) =>
          this.#onSend(eventId, callId, capability, method, jsonArgs, limits),
      ),
      new ivm.Callback((eventId: unknown, reply: unknown) => this.#onComplete(eventId, reply)),
    ];
    const driverOptions = { result: { reference: true as const }, timeout: spec.loadTimeoutMs };
    const driver = (sync
      ? context.evalClosureSync(GUEST_PRELUDE, prelude, driverOptions)
      : await context.evalClosure(GUEST_PRELUDE, prelude, driverOptions)) as unknown as ivm.Reference<Record<string, unknown>>;
    const register = this.#property(driver, 'register');
    this.#dispatch = this.#property(driver, 'dispatch');
    this.#settle = this.#property(driver, 'settle');
    driver.release();

    const scriptInfo = { filename: `app:///${spec.appName}@${spec.version}.js` };
    const script = sync ? isolate.compileScriptSync(spec.code, scriptInfo) : await isolate.compileScript(spec.code, scriptInfo);
    const runOptions = { timeout: spec.loadTimeoutMs, release: true };
    if (sync) script.runSync(context, runOptions);
    else await script.run(context, runOptions);

    const applyOptions = { result: { copy: true as const }, timeout: spec.loadTimeoutMs };
    const reply: unknown = sync
      ? register.applySync(undefined, [], applyOptions)
      : await register.apply(undefined, [], applyOptions);
    register.release();
    if (!isRecord(reply) || reply.ok !== true) {
      throw new IsolateLoadError(isRecord(reply) && typeof reply.message === 'string' ? reply.message : 'the app did not register');
    }
    const events = reply.events;
    this.#handlers = Array.isArray(events) ? events.filter((name): name is string => typeof name === 'string') : [];
    context.release();
  }

  #property(driver: ivm.Reference<Record<string, unknown>>, name: string): GuestFunction {
    // A property read on an idle isolate: synchronous in both modes.
    return driver.getSync(name, { reference: true }) as unknown as GuestFunction;
  }

  /** Queues one entry for `event` (async mode) or runs it now (sync mode). */
  #enter(event: LiveEvent, fn: GuestFunction | undefined, args: EntryArguments, isDispatch: boolean): void {
    if (fn === undefined) return;
    const run = async (): Promise<void> => {
      if (event.done || this.disposed) return;
      const leftNs = event.budgetNs - event.usedNs;
      if (leftNs <= 0n) {
        this.#finish(event, faultOutcome('timeout', `CPU budget of ${event.budgetMs} ms per event exhausted`, event.usedNs));
        return;
      }
      const timeout = Math.max(1, Math.ceil(Number(leftNs) / 1e6));
      const before = this.#isolate.cpuTime;
      const options = { result: { copy: true as const }, timeout };
      const sync = this.#syncEntry();
      if (this.#mode === 'adaptive') this.#fastPath.entries += 1;
      let reply: unknown;
      let failure: unknown;
      let failed = false;
      event.running = true;
      const wallStarted = sync && this.#mode === 'adaptive' ? performance.now() : 0;
      try {
        const entryArgs = [...args, sync];
        reply = sync ? fn.applySync(undefined, entryArgs, options) : await fn.apply(undefined, entryArgs, options);
      } catch (error) {
        failed = true;
        failure = error;
      }
      event.running = false;
      if (this.#isolate.isDisposed) {
        if (this.#mode === 'adaptive') this.#fastPath.fast = false;
        this.#onDisposedDuring(event, failure);
        return;
      }
      const used = this.#isolate.cpuTime - before;
      event.usedNs += used;
      const slow = used > FAST_ENTRY_MAX_NS || (wallStarted !== 0 && performance.now() - wallStarted > FAST_ENTRY_MAX_WALL_MS);
      if (this.#mode === 'adaptive' && (failed || (slow && ++this.#fastPath.slow >= FAST_SLOW_ENTRIES))) this.#fastPath.fast = false;
      if (failed) {
        const message = messageOf(failure);
        this.#finish(
          event,
          message === TIMED_OUT
            ? faultOutcome('timeout', `CPU budget of ${event.budgetMs} ms per event exceeded`, event.usedNs)
            : faultOutcome('error', message, event.usedNs),
        );
        return;
      }
      if (isDispatch) {
        const parsed = parseReply(reply);
        if (parsed.done) event.completed = parsed;
      }
      this.#deliver(event);
    };
    // A bug here must fail the event, never wedge the entry queue.
    const hostFault = (error: unknown): void => this.#finish(event, faultOutcome('error', `sandbox host error: ${messageOf(error)}`, event.usedNs));
    // A sync entry with nothing queued before it runs now: no promise hop, same order.
    if (this.#mode === 'sync' || (this.#queued === 0 && this.#syncEntry())) {
      run().catch(hostFault);
      return;
    }
    this.#queued += 1;
    const dequeue = (): void => {
      this.#queued -= 1;
    };
    this.#tail = this.#tail.then(() =>
      run().then(dequeue, (error: unknown) => {
        dequeue();
        hostFault(error);
      }),
    );
  }

  /** Whether the next entry runs with `applySync` on this thread (sync mode, or the fast path). */
  #syncEntry(): boolean {
    if (this.#mode === 'sync') return true;
    return this.#mode === 'adaptive' && this.#fastPath.fast && this.#fastPath.entries >= (this.#fastPath.probation ?? FAST_PROBATION_ENTRIES);
  }

  /** The isolate went away during an entry: OOM (isolated-vm's message says so) or `dispose()`. */
  #onDisposedDuring(event: LiveEvent, failure: unknown): void {
    if (this.#disposed) return;
    if (/memory limit/.test(messageOf(failure))) {
      this.#finish(event, faultOutcome('memory', `exceeded the memory limit of ${this.#memoryMb} MB; the isolate was disposed`, event.usedNs));
      this.dispose('the app isolate was disposed after another event exceeded its memory limit');
    } else {
      this.dispose('the app isolate was disposed');
    }
  }

  #deliver(event: LiveEvent): void {
    const reply = event.completed;
    if (event.done || event.running || reply === undefined || !reply.done) return;
    if (reply.ok) this.#finish(event, { ok: true, value: reply.value, cpuMs: nsToMs(event.usedNs) });
    else this.#finish(event, faultOutcome(reply.kind, reply.message, event.usedNs, reply.stack));
  }

  #finish(event: LiveEvent, outcome: EventOutcome): void {
    if (event.done) return;
    event.done = true;
    this.#events.delete(event.id);
    event.resolve(outcome);
  }

  #onComplete(eventId: unknown, reply: unknown): void {
    if (typeof eventId !== 'number') return;
    const event = this.#events.get(eventId);
    if (event === undefined || event.done) return;
    const parsed = parseReply(reply);
    event.completed = parsed.done ? parsed : { done: true, ok: false, kind: 'error', message: 'the app isolate reported an unfinished event' };
    this.#deliver(event);
  }

  #onSend(eventId: unknown, callId: unknown, capability: unknown, method: unknown, jsonArgs: unknown, limits: GuestLimits): void {
    if (typeof eventId !== 'number' || typeof callId !== 'number') return;
    if (typeof capability !== 'string' || typeof method !== 'string' || typeof jsonArgs !== 'string') return;
    if (capability.length > 64 || method.length > 128 || jsonArgs.length > limits.maxArgsChars) return;
    const event = this.#events.get(eventId);
    // Work an app starts after its event ended is never resumed: no event, no answer.
    if (event === undefined || event.done) return;
    this.#callbacks.hostCall({ eventId, callId, capability, method, jsonArgs });
  }

  #onLog(eventId: unknown, level: unknown, message: unknown): void {
    if (typeof eventId !== 'number' || typeof message !== 'string') return;
    const checked: AppLogLevel = typeof level === 'string' && APP_LOG_LEVELS.has(level) ? (level as AppLogLevel) : 'info';
    this.#callbacks.log(eventId, checked, message);
  }
}

/**
 * Hosts isolates in this thread; guest code runs on isolated-vm's thread pool — or, with
 * `fastPath` (the default), on this thread with `applySync` while each app version stays fast and
 * fault-free (EntryMode `adaptive`).
 */
export function createInProcessHost(options: { fastPath?: boolean | { probationEntries: number } } = {}): IsolateHost {
  const fastPath = options.fastPath ?? true;
  const probation = typeof fastPath === 'object' ? fastPath.probationEntries : FAST_PROBATION_ENTRIES;
  const states = new Map<string, FastPathState>();
  return {
    kind: 'in-process',
    create: (spec, callbacks) => {
      if (!fastPath) return AppIsolate.create(spec, callbacks, 'async');
      const key = `${spec.appName}@${spec.version}`;
      let state = states.get(key);
      if (state === undefined) states.set(key, (state = { fast: true, slow: 0, entries: 0, probation }));
      return AppIsolate.create(spec, callbacks, 'adaptive', state);
    },
    close: async () => {},
  };
}

function parseReply(value: unknown): GuestReply {
  if (isRecord(value) && typeof value.done === 'boolean') {
    if (!value.done) return { done: false };
    if (value.ok === true) return { done: true, ok: true, value: value.value as Cloneable };
    if (value.ok === false && (value.kind === 'error' || value.kind === 'unhandled') && typeof value.message === 'string') {
      return typeof value.stack === 'string'
        ? { done: true, ok: false, kind: value.kind, message: value.message, stack: value.stack }
        : { done: true, ok: false, kind: value.kind, message: value.message };
    }
  }
  return { done: true, ok: false, kind: 'error', message: 'malformed reply from the app isolate' };
}

function faultOutcome(fault: IsolateFault, message: string, usedNs: bigint, stack?: string): EventOutcome {
  return stack === undefined
    ? { ok: false, fault, message, cpuMs: nsToMs(usedNs) }
    : { ok: false, fault, message, stack, cpuMs: nsToMs(usedNs) };
}

function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `Name: message` of an error copied out of the isolate (isolated-vm keeps the guest's name). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name !== '' && error.name !== 'Error' ? `${error.name}: ${error.message}` : `Error: ${error.message}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
