/**
 * Running SIP-CGI scripts (RFC 3050 §5.3): at most `maxConcurrent` scripts at a time with a
 * bounded FIFO queue behind them — a full queue, or a wait longer than `maxQueueWaitMs`, fails
 * at once as `saturated` (503). Each run (run-script.ts: direct exec, clean environment, body on
 * stdin, own process group, timeout and output limits) happens in the resident spawner process
 * (spawner-client.ts) unless `spawner: false`, so that forking a script does not copy the
 * server's page tables. Expected failures are results, never exceptions.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { cgiFailure } from './cgi-failure.js';
import { runScript, type Invocation, type InvocationResult, type RunLimits } from './run-script.js';
import { SpawnerClient } from './spawner-client.js';

export type { Invocation, InvocationResult, InvocationTiming } from './run-script.js';

export interface InvokerOptions {
  logger: Logger;
  /** Scripts running at once (default 16). */
  maxConcurrent?: number;
  /** Invocations waiting for a slot (default 64); one more is refused as `saturated`. */
  maxQueue?: number;
  /** Longest wait for a slot before `saturated` (default: the timeout). */
  maxQueueWaitMs?: number;
  /** Wall-clock limit of one run, from spawn to exit (default 5000 ms). */
  timeoutMs?: number;
  /** Most stdout octets accepted (default 256 KiB). */
  maxOutputBytes?: number;
  /** stderr octets kept for the log (default 4 KiB; the rest is read and dropped). */
  maxStderrBytes?: number;
  /** After the script exits, how long its output pipes may stay open (held by a straggler). */
  closeGraceMs?: number;
  /** Run scripts as this user and group — applied only when the server runs as root. */
  runAs?: { uid: number; gid: number };
  /** Fork scripts from the small resident spawner process (default true); false: from here. */
  spawner?: boolean;
}

interface Waiting {
  invocation: Invocation;
  queuedAt: number;
  timer: NodeJS.Timeout;
  resolve: (result: InvocationResult) => void;
}

export interface InvokerStats {
  started: number;
  saturated: number;
  timedOut: number;
  outputLimited: number;
  failed: number;
}

export class CgiInvoker {
  readonly #logger: Logger;
  readonly #maxConcurrent: number;
  readonly #maxQueue: number;
  readonly #maxQueueWaitMs: number;
  readonly #limits: RunLimits;
  readonly #spawner: SpawnerClient | undefined;
  readonly #queue: Waiting[] = [];
  #running = 0;
  readonly stats: InvokerStats = { started: 0, saturated: 0, timedOut: 0, outputLimited: 0, failed: 0 };

  constructor(options: InvokerOptions) {
    this.#logger = options.logger;
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? 16);
    this.#maxQueue = Math.max(0, options.maxQueue ?? 64);
    const timeoutMs = options.timeoutMs ?? 5000;
    this.#maxQueueWaitMs = options.maxQueueWaitMs ?? timeoutMs;
    // §7.4: dropping privileges is only possible (and only meaningful) for a root server.
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (options.runAs && !root) this.#logger.warn({ runAs: options.runAs }, 'cgi: runAs ignored, the server is not running as root');
    this.#limits = {
      timeoutMs,
      maxOutputBytes: options.maxOutputBytes ?? 256 * 1024,
      maxStderrBytes: options.maxStderrBytes ?? 4096,
      closeGraceMs: options.closeGraceMs ?? 200,
      ...(options.runAs && root ? { runAs: options.runAs } : {}),
    };
    // posix_spawn (the python3 spawner) cannot change the user: scripts run as another user fork from Node.
    this.#spawner = options.spawner === false ? undefined : new SpawnerClient(this.#logger, { python: this.#limits.runAs === undefined });
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#queue.length;
  }

  invoke(invocation: Invocation): Promise<InvocationResult> {
    if (this.#running < this.#maxConcurrent) return this.#start(invocation, 0);
    if (this.#queue.length >= this.#maxQueue) {
      return Promise.resolve(this.#saturated(`${this.#running} scripts running and ${this.#queue.length} waiting`, 0));
    }
    return new Promise((resolve) => {
      const waiting: Waiting = {
        invocation,
        queuedAt: performance.now(),
        resolve,
        timer: setTimeout(() => {
          const index = this.#queue.indexOf(waiting);
          if (index >= 0) this.#queue.splice(index, 1);
          resolve(this.#saturated(`no free slot within ${this.#maxQueueWaitMs} ms`, this.#maxQueueWaitMs));
        }, this.#maxQueueWaitMs),
      };
      this.#queue.push(waiting);
    });
  }

  #saturated(detail: string, queuedMs: number): InvocationResult {
    this.stats.saturated++;
    return { ok: false, failure: cgiFailure('saturated', detail), stderr: '', timing: { queuedMs, runMs: 0 } };
  }

  #start(invocation: Invocation, queuedMs: number): Promise<InvocationResult> {
    this.#running++;
    this.stats.started++;
    return this.#run(invocation, queuedMs).finally(() => {
      this.#running--;
      this.#next();
    });
  }

  #next(): void {
    while (this.#running < this.#maxConcurrent && this.#queue.length > 0) {
      const waiting = this.#queue.shift()!;
      clearTimeout(waiting.timer);
      void this.#start(waiting.invocation, performance.now() - waiting.queuedAt).then(waiting.resolve);
    }
  }

  #run(invocation: Invocation, queuedMs: number): Promise<InvocationResult> {
    const run = this.#spawner ? this.#spawner.run(invocation, this.#limits) : runScript(invocation, this.#limits);
    return run.then((result) => {
      if (!result.ok) {
        this.stats.failed++;
        if (result.failure.code === 'timeout') this.stats.timedOut++;
        if (result.failure.code === 'output-limit') this.stats.outputLimited++;
      }
      return { ...result, timing: { ...result.timing, queuedMs } };
    });
  }

  /** Stop the resident spawner (scripts still running are killed). */
  close(): void {
    this.#spawner?.close();
  }
}
