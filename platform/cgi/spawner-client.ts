/**
 * The server's side of the resident script spawner: starts it on first use, hands it runs over
 * Node IPC (JSON lines, spawner-protocol.ts) and resolves each with the spawner's result.
 *
 * Which spawner: script-spawner.py (python3 with posix_spawn, which does not copy the page
 * tables: ~1 ms per trivial script) when python3 is installed and scripts run as the server's
 * own user; otherwise script-spawner.ts (Node's fork from a small process, ~2 ms).
 *
 * Failure handling: if the spawner dies, every run it held fails as `spawn-failed` (500) and
 * their scripts' process groups are killed from here (they would be orphans no timeout covers);
 * the next run starts a new spawner. A run that gets no
 * answer within its timeout plus a margin fails as `timeout`, so a wedged spawner can never hold
 * a transaction forever. While no run is pending the spawner does not keep the server's event
 * loop alive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { Logger } from '../log/logger.js';
import { cgiFailure, type CgiFailure } from './cgi-failure.js';
import { killProcessGroup } from './process-group.js';
import type { Invocation, InvocationResult, RunLimits } from './run-script.js';
import type { SpawnerReply, SpawnerRequest } from './spawner-protocol.js';

/** Where a python3 with posix_spawn is looked for (the server's PATH is not trusted here). */
const PYTHONS = ['/usr/bin/python3', '/usr/local/bin/python3'];

/** Beyond a run's own timeout and close grace: time for the spawner to report it. */
const REPLY_MARGIN_MS = 2000;
/** A young V8 generation of 1 MB keeps the spawner's resident set (and so its fork cost) small. */
const SPAWNER_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];

interface PendingRun {
  resolve: (result: InvocationResult) => void;
  timer: NodeJS.Timeout;
  /** The script's process group, once started. */
  pid?: number;
}

export class SpawnerClient {
  readonly #logger: Logger;
  readonly #pending = new Map<number, PendingRun>();
  #child: ChildProcess | undefined;
  #nextId = 1;
  #closed = false;

  readonly #python: boolean;

  /** `python: false` forces the Node spawner (e.g. with `runAs`). */
  constructor(logger: Logger, options: { python?: boolean } = {}) {
    this.#logger = logger;
    this.#python = options.python ?? true;
  }

  run(invocation: Invocation, limits: RunLimits): Promise<InvocationResult> {
    if (this.#closed) return Promise.resolve(failed(cgiFailure('spawn-failed', 'the SIP-CGI invoker is closed')));
    return new Promise((resolve) => {
      const id = this.#nextId++;
      const timeoutMs = (invocation.timeoutMs ?? limits.timeoutMs) + limits.closeGraceMs + REPLY_MARGIN_MS;
      const timer = setTimeout(() => this.#settle(id, failed(cgiFailure('timeout', `the script spawner did not answer within ${timeoutMs} ms`))), timeoutMs);
      this.#pending.set(id, { resolve, timer });
      const request: SpawnerRequest = {
        type: 'run',
        id,
        invocation: {
          script: invocation.script,
          env: invocation.env,
          stdin: invocation.stdin.toString('base64'),
          ...(invocation.cwd !== undefined ? { cwd: invocation.cwd } : {}),
          ...(invocation.timeoutMs !== undefined ? { timeoutMs: invocation.timeoutMs } : {}),
        },
        limits,
      };
      this.#spawner().then(
        (child) => {
          child.ref();
          child.channel?.ref();
          child.send(request);
        },
        (error: unknown) => this.#settle(id, failed(cgiFailure('spawn-failed', `cannot start the script spawner: ${String(error)}`))),
      );
    });
  }

  /** Stop the spawner (it kills the scripts still running); pending runs fail. */
  close(): void {
    this.#closed = true;
    this.#child?.disconnect();
    for (const id of [...this.#pending.keys()]) this.#settle(id, failed(cgiFailure('spawn-failed', 'the SIP-CGI invoker was closed')));
  }

  #settle(id: number, result: InvocationResult): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (this.#pending.size === 0 && this.#child) {
      this.#child.unref();
      this.#child.channel?.unref();
    }
    pending.resolve(result);
  }

  #starting: Promise<ChildProcess> | undefined;

  #spawner(): Promise<ChildProcess> {
    if (this.#child?.connected) return Promise.resolve(this.#child);
    this.#starting ??= spawnerCommand(this.#python).then(([command, args]) => {
      // A clean environment: the spawner holds no server secrets; each script gets its own env.
      const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json', env: {} });
      child.on('message', (reply: SpawnerReply) => {
        if (reply.type === 'result') this.#settle(reply.id, toResult(reply));
        else { const pending = this.#pending.get(reply.id); if (pending) pending.pid = reply.pid; }
      });
      child.once('exit', (code, signal) => this.#lost(child, signal ? `killed by ${signal}` : `exit status ${code}`));
      child.once('error', (error) => this.#lost(child, error.message));
      this.#child = child;
      this.#starting = undefined;
      return child;
    });
    return this.#starting;
  }

  #lost(child: ChildProcess, how: string): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    if (this.#closed) return;
    this.#logger.warn({ how, runs: this.#pending.size }, 'cgi: the script spawner exited; its runs fail and a new one starts on the next run');
    for (const [id, run] of [...this.#pending]) {
      killProcessGroup(run.pid);
      this.#settle(id, failed(cgiFailure('spawn-failed', `the script spawner exited (${how})`)));
    }
  }
}

function failed(failure: CgiFailure): InvocationResult {
  return { ok: false, failure, stderr: '', timing: { queuedMs: 0, runMs: 0 } };
}

function toResult(reply: Extract<SpawnerReply, { type: 'result' }>): InvocationResult {
  const timing = { queuedMs: 0, runMs: reply.runMs, ...(reply.spawnMs === undefined ? {} : { spawnMs: reply.spawnMs }) };
  if (reply.ok) return { ok: true, stdout: Buffer.from(reply.stdout ?? '', 'base64'), stderr: reply.stderr, timing };
  return {
    ok: false,
    failure: cgiFailure(reply.failure?.code ?? 'spawn-failed', reply.failure?.detail ?? 'the script spawner gave no reason'),
    stderr: reply.stderr,
    timing,
    ...(reply.exitCode !== undefined ? { exitCode: reply.exitCode } : {}),
    ...(reply.signal !== undefined ? { signal: reply.signal as NodeJS.Signals | null } : {}),
  };
}

const cachedCommands = new Map<boolean, Promise<[string, string[]]>>();

/**
 * python3 with script-spawner.py (beside this file in the sources; from dist/ the sources' copy),
 * else Node with the compiled `script-spawner.js` beside this file (the build), or — when running
 * from TypeScript sources (tests) — the same entry bundled with esbuild and run with `-e`.
 */
function spawnerCommand(python: boolean): Promise<[string, string[]]> {
  let command = cachedCommands.get(python);
  if (command === undefined) {
    command = (async (): Promise<[string, string[]]> => {
      const interpreter = python ? PYTHONS.find((path) => existsSync(path)) : undefined;
      const script = [new URL('./script-spawner.py', import.meta.url), new URL('../../../platform/cgi/script-spawner.py', import.meta.url)]
        .map((url) => fileURLToPath(url))
        .find((path) => existsSync(path));
      // -I: isolated (no user site, no PYTHON* variables), -S: no site import (faster start).
      if (interpreter !== undefined && script !== undefined) return [interpreter, ['-I', '-S', script]];
      const compiled = fileURLToPath(new URL('./script-spawner.js', import.meta.url));
      if (existsSync(compiled)) return [process.execPath, [...SPAWNER_FLAGS, compiled]];
      const entry = fileURLToPath(new URL('./script-spawner.ts', import.meta.url));
      const result = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent' });
      return [process.execPath, [...SPAWNER_FLAGS, '-e', result.outputFiles[0]?.text ?? '']];
    })();
    cachedCommands.set(python, command);
  }
  return command;
}
