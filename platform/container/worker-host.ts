/**
 * Hosts app isolates in a small pool of worker threads (spec §B.5 recommendation 1), as the
 * alternative to isolated-vm's own thread pool (`createInProcessHost`). Each isolate lives in
 * one worker, chosen as the one hosting fewest; a worker that dies takes its isolates with it
 * and their events end with fault `disposed` ("sandbox lost", spec §C.11), and the next isolate
 * created gets a fresh worker.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import {
  IsolateLoadError,
  PayloadCopyError,
  type EventOutcome,
  type EventRequest,
  type IsolateCallbacks,
  type IsolateHandle,
  type IsolateHost,
  type IsolateMemory,
  type IsolateSpec,
} from './isolate-handle.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface WorkerHostOptions {
  /** Worker threads in the pool (default 2). */
  readonly workers?: number;
}

/** Creates the pool lazily: no thread starts until the first isolate is created. */
export function createWorkerHost(options: WorkerHostOptions = {}): IsolateHost {
  const size = Math.max(1, options.workers ?? 2);
  const slots: Array<PooledWorker | undefined> = new Array<PooledWorker | undefined>(size).fill(undefined);
  let nextId = 1;
  let closed = false;

  const pick = async (): Promise<PooledWorker> => {
    let best: PooledWorker | undefined;
    for (let i = 0; i < slots.length; i++) {
      let slot = slots[i];
      if (slot === undefined || slot.dead) {
        slot = new PooledWorker(await workerSource());
        slots[i] = slot;
      }
      if (best === undefined || slot.load < best.load) best = slot;
    }
    if (best === undefined) throw new Error('worker pool is empty');
    return best;
  };

  return {
    kind: 'worker',
    async create(spec, callbacks) {
      if (closed) throw new Error('the worker host is closed');
      const worker = await pick();
      return worker.create(nextId++, spec, callbacks);
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot?.terminate()));
    },
  };
}

/** One worker thread and the isolates it hosts. */
class PooledWorker {
  readonly #worker: Worker;
  readonly #isolates = new Map<number, RemoteIsolate>();
  readonly #creating = new Map<number, { resolve: (handlers: readonly string[]) => void; reject: (error: Error) => void }>();
  readonly #memory = new Map<number, { resolve: (memory: IsolateMemory) => void; reject: (error: Error) => void }>();
  #nextRequest = 1;
  #exited = false;
  dead = false;

  constructor(source: WorkerSource) {
    this.#worker = source.eval ? new Worker(source.code, { eval: true }) : new Worker(source.url);
    this.#worker.on('message', (message: FromWorker) => this.#onMessage(message));
    this.#worker.on('error', (error) => this.#lost(`the sandbox worker failed: ${error.message}`));
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      this.#lost(`the sandbox worker exited with code ${code}`);
    });
  }

  get load(): number {
    return this.#isolates.size + this.#creating.size;
  }

  async create(id: number, spec: IsolateSpec, callbacks: IsolateCallbacks): Promise<IsolateHandle> {
    if (this.dead) throw new Error('the sandbox worker is gone');
    const isolate = new RemoteIsolate(id, this, callbacks);
    const created = new Promise<readonly string[]>((resolve, reject) => this.#creating.set(id, { resolve, reject }));
    this.#isolates.set(id, isolate);
    this.post({ t: 'create', id, spec });
    try {
      isolate.handlers = await created;
    } catch (error) {
      this.#isolates.delete(id);
      throw error;
    }
    return isolate;
  }

  post(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  memory(id: number): Promise<IsolateMemory> {
    const requestId = this.#nextRequest++;
    return new Promise<IsolateMemory>((resolve, reject) => {
      this.#memory.set(requestId, { resolve, reject });
      this.post({ t: 'memory', id, requestId });
    });
  }

  forget(id: number): void {
    this.#isolates.delete(id);
  }

  /**
   * Stops the thread. `Worker.terminate()` while the worker is inside an isolated-vm sync call
   * aborts the whole process (isolated-vm asserts on the terminated thread: "Assertion
   * `try_catch.HasCaught()' failed", seen in this suite), so the worker is asked to shut down
   * between tasks; `terminate()` is only the fallback for a worker that does not exit.
   */
  async terminate(graceMs = 5_000): Promise<void> {
    this.#lost('the sandbox worker was stopped');
    if (this.#exited) return;
    const exited = new Promise<boolean>((resolve) => this.#worker.once('exit', () => resolve(true)));
    try {
      this.post({ t: 'shutdown' });
    } catch {
      // The worker is already gone.
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const clean = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (!clean) await this.#worker.terminate();
  }

  #onMessage(message: FromWorker): void {
    switch (message.t) {
      case 'created': {
        const waiter = this.#creating.get(message.id);
        this.#creating.delete(message.id);
        if (message.error === undefined) waiter?.resolve(message.handlers ?? []);
        else waiter?.reject(new IsolateLoadError(message.error));
        return;
      }
      case 'outcome':
        this.#isolates.get(message.id)?.onOutcome(message.eventId, message.outcome);
        return;
      case 'host-call':
        this.#isolates.get(message.id)?.callbacks.hostCall(message.call);
        return;
      case 'log':
        this.#isolates.get(message.id)?.callbacks.log(message.eventId, message.level, message.message);
        return;
      case 'catastrophic':
        this.#isolates.get(message.id)?.callbacks.catastrophic(message.message);
        return;
      case 'memory': {
        const waiter = this.#memory.get(message.requestId);
        this.#memory.delete(message.requestId);
        if (message.memory !== undefined) waiter?.resolve(message.memory);
        else waiter?.reject(new Error(message.error ?? 'no memory statistics'));
        return;
      }
    }
  }

  #lost(reason: string): void {
    if (this.dead) return;
    this.dead = true;
    for (const waiter of this.#creating.values()) waiter.reject(new IsolateLoadError(reason));
    this.#creating.clear();
    for (const waiter of this.#memory.values()) waiter.reject(new Error(reason));
    this.#memory.clear();
    for (const isolate of [...this.#isolates.values()]) isolate.lost(reason);
    this.#isolates.clear();
  }
}

/** The runtime-side stand-in for an isolate in a worker. */
class RemoteIsolate implements IsolateHandle {
  readonly #id: number;
  readonly #worker: PooledWorker;
  readonly callbacks: IsolateCallbacks;
  handlers: readonly string[] = [];
  readonly #pending = new Map<number, (outcome: EventOutcome) => void>();
  #disposed = false;

  constructor(id: number, worker: PooledWorker, callbacks: IsolateCallbacks) {
    this.#id = id;
    this.#worker = worker;
    this.callbacks = callbacks;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  dispatch(request: EventRequest): Promise<EventOutcome> {
    if (this.#disposed) return Promise.resolve({ ok: false, fault: 'disposed', message: 'the app isolate is disposed', cpuMs: 0 });
    try {
      this.#worker.post({ t: 'dispatch', id: this.#id, request });
    } catch (error) {
      throw new PayloadCopyError(error instanceof Error ? error.message : String(error));
    }
    return new Promise<EventOutcome>((resolve) => this.#pending.set(request.eventId, resolve));
  }

  settle(eventId: number, callId: number, ok: boolean, text: string): void {
    if (!this.#disposed && this.#pending.has(eventId)) this.#worker.post({ t: 'settle', id: this.#id, eventId, callId, ok, text });
  }

  abandon(eventId: number): void {
    if (!this.#pending.delete(eventId) || this.#disposed) return;
    this.#worker.post({ t: 'abandon', id: this.#id, eventId });
  }

  /** The worker's entries are its own business; `PooledWorker.terminate` waits for the thread. */
  whenIdle(): Promise<void> {
    return Promise.resolve();
  }

  memory(): Promise<IsolateMemory> {
    if (this.#disposed) return Promise.reject(new Error('the app isolate is disposed'));
    return this.#worker.memory(this.#id);
  }

  dispose(reason: string): void {
    if (this.#disposed) return;
    this.#worker.post({ t: 'dispose', id: this.#id, reason });
    this.lost(reason);
  }

  onOutcome(eventId: number, outcome: EventOutcome): void {
    const resolve = this.#pending.get(eventId);
    this.#pending.delete(eventId);
    resolve?.(outcome);
    // The worker's isolate disposed itself (OOM): later events must recreate it. Its other
    // events' outcomes are already on their way (in any order), so wait for them.
    if (!outcome.ok && (outcome.fault === 'memory' || outcome.fault === 'disposed') && !this.#disposed) {
      this.#disposed = true;
      this.#worker.post({ t: 'dispose', id: this.#id, reason: outcome.message });
    }
    if (this.#disposed && this.#pending.size === 0) this.#worker.forget(this.#id);
  }

  /** The isolate is gone (disposed here, in the worker, or with the worker). */
  lost(reason: string): void {
    this.#disposed = true;
    this.#worker.forget(this.#id);
    for (const resolve of this.#pending.values()) resolve({ ok: false, fault: 'disposed', message: reason, cpuMs: 0 });
    this.#pending.clear();
  }
}

type WorkerSource = { readonly eval: false; readonly url: URL } | { readonly eval: true; readonly code: string };

let cachedSource: Promise<WorkerSource> | undefined;

/**
 * The compiled `isolate-worker.js` beside this file (the build), or — when running from
 * TypeScript sources (tests) — the same entry bundled on the fly with esbuild and started with
 * `eval`, its `require` rooted at this folder so `isolated-vm` resolves as usual.
 */
function workerSource(): Promise<WorkerSource> {
  cachedSource ??= (async (): Promise<WorkerSource> => {
    const compiled = new URL('./isolate-worker.js', import.meta.url);
    if (existsSync(fileURLToPath(compiled))) return { eval: false, url: compiled };
    const entry = fileURLToPath(new URL('./isolate-worker.ts', import.meta.url));
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: ['isolated-vm', 'esbuild'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';
    return {
      eval: true,
      code: `(function (require) {\n${code}\n})(require('node:module').createRequire(${JSON.stringify(entry)}));`,
    };
  })();
  return cachedSource;
}
