/**
 * Running SIP-CGI scripts (RFC 3050 §5.3, §5.4, §6.1): the script file is executed directly (no
 * shell, no arguments, §5.4), with exactly the environment it is given, the body on stdin, the
 * script's directory as working directory (§6.1 SHOULD), in its own process group.
 *
 * Limits (§5.6: "a timeout … the server MAY kill the script"; §7.4: scripts must not be able to
 * hurt the server): a per-invocation timeout that SIGKILLs the whole group, a cap on stdout
 * (exceeding it kills the group and fails the invocation), at most `maxConcurrent` scripts at a
 * time with a bounded FIFO queue behind them — a full queue, or a wait longer than
 * `maxQueueWaitMs`, fails at once as `saturated` (503). Expected failures are results, never
 * exceptions. Straggler processes the script left behind are killed when it exits.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { cgiFailure, type CgiFailure } from './cgi-failure.js';
import { killProcessGroup } from './process-group.js';

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
}

export interface Invocation {
  /** Absolute path of the executable. */
  script: string;
  env: Record<string, string>;
  stdin: Buffer;
  /** Defaults to the script's directory (§6.1). */
  cwd?: string;
  timeoutMs?: number;
}

export interface InvocationTiming {
  /** Time spent waiting for a slot. */
  queuedMs: number;
  /** From the spawn call to the process running (fork + exec), undefined if it never ran. */
  spawnMs?: number;
  /** From the spawn call to the result. */
  runMs: number;
}

export type InvocationResult =
  | { ok: true; stdout: Buffer; stderr: string; timing: InvocationTiming }
  | {
      ok: false;
      failure: CgiFailure;
      stderr: string;
      timing: InvocationTiming;
      exitCode?: number | null;
      signal?: NodeJS.Signals | null;
    };

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
  readonly #timeoutMs: number;
  readonly #maxOutputBytes: number;
  readonly #maxStderrBytes: number;
  readonly #closeGraceMs: number;
  readonly #runAs: { uid: number; gid: number } | undefined;
  readonly #queue: Waiting[] = [];
  #running = 0;
  readonly stats: InvokerStats = { started: 0, saturated: 0, timedOut: 0, outputLimited: 0, failed: 0 };

  constructor(options: InvokerOptions) {
    this.#logger = options.logger;
    this.#maxConcurrent = Math.max(1, options.maxConcurrent ?? 16);
    this.#maxQueue = Math.max(0, options.maxQueue ?? 64);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxQueueWaitMs = options.maxQueueWaitMs ?? this.#timeoutMs;
    this.#maxOutputBytes = options.maxOutputBytes ?? 256 * 1024;
    this.#maxStderrBytes = options.maxStderrBytes ?? 4096;
    this.#closeGraceMs = options.closeGraceMs ?? 200;
    // §7.4: dropping privileges is only possible (and only meaningful) for a root server.
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (options.runAs && !root) this.#logger.warn({ runAs: options.runAs }, 'cgi: runAs ignored, the server is not running as root');
    this.#runAs = options.runAs && root ? options.runAs : undefined;
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
    return new Promise((resolve) => {
      const started = performance.now();
      const timeoutMs = invocation.timeoutMs ?? this.#timeoutMs;
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let stderrBytes = 0;
      let spawnMs: number | undefined;
      let settled = false;
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      let child: ChildProcess;

      const timing = (): InvocationTiming => ({ queuedMs, ...(spawnMs === undefined ? {} : { spawnMs }), runMs: performance.now() - started });
      const settle = (result: InvocationResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(graceTimer);
        if (!result.ok) this.stats.failed++;
        resolve(result);
      };
      const fail = (failure: CgiFailure): void => {
        settle({ ok: false, failure, stderr, timing: timing(), ...(exit ? { exitCode: exit.code, signal: exit.signal } : {}) });
      };
      /** Kill the group and stop reading: the result is decided. */
      const abort = (failure: CgiFailure): void => {
        killProcessGroup(child.pid);
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.stdin?.destroy();
        fail(failure);
      };
      const timer = setTimeout(() => {
        this.stats.timedOut++;
        abort(cgiFailure('timeout', `killed after ${timeoutMs} ms`));
      }, timeoutMs);

      const options: SpawnOptions = {
        cwd: invocation.cwd ?? dirname(invocation.script),
        env: invocation.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
        ...(this.#runAs ? { uid: this.#runAs.uid, gid: this.#runAs.gid } : {}),
      };
      try {
        child = spawn(invocation.script, [], options);
      } catch (e) {
        clearTimeout(timer);
        fail(cgiFailure('spawn-failed', e instanceof Error ? e.message : String(e)));
        return;
      }

      // §5.5.2: the body on stdin; the script need not read it (EPIPE is not an error). Written
      // at once: the pipe exists as soon as spawn() returns.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(invocation.stdin);
      child.once('spawn', () => {
        spawnMs = performance.now() - started;
      });
      child.once('error', (error) => {
        if (spawnMs === undefined) fail(cgiFailure('spawn-failed', error.message));
        else this.#logger.debug({ err: error, script: invocation.script }, 'cgi: child process error');
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        if (settled) return;
        stdoutBytes += chunk.length;
        if (stdoutBytes > this.#maxOutputBytes) {
          this.stats.outputLimited++;
          abort(cgiFailure('output-limit', `more than ${this.#maxOutputBytes} octets of output`));
          return;
        }
        stdout.push(chunk);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        if (stderrBytes >= this.#maxStderrBytes) return;
        const kept = chunk.subarray(0, this.#maxStderrBytes - stderrBytes);
        stderrBytes += kept.length;
        stderr += kept.toString('utf8');
      });
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        // Anything the script left running dies with it: scripts are not resident (§3).
        killProcessGroup(child.pid);
        graceTimer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, this.#closeGraceMs);
      });
      child.once('close', () => finish());

      const finish = (): void => {
        if (settled || exit === undefined) return;
        if (exit.code === 0) {
          settle({ ok: true, stdout: Buffer.concat(stdout), stderr, timing: timing() });
          return;
        }
        const how = exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
        fail(cgiFailure('exit-status', how));
      };
    });
  }
}
