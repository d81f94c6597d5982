/**
 * One run of a SIP-CGI script (RFC 3050 §5.3, §5.4, §6.1): the file is executed directly (no
 * shell, no arguments, §5.4) with exactly the environment it is given, the body on stdin, the
 * script's directory as working directory (§6.1 SHOULD), in its own process group.
 *
 * Limits (§5.6: "a timeout … the server MAY kill the script"; §7.4): the timeout SIGKILLs the
 * whole group, stdout beyond `maxOutputBytes` kills the group and fails the run, and whatever
 * the script left running dies when it exits. Expected failures are results, never exceptions.
 *
 * Runs wherever it is called: in the resident spawner process (script-spawner.ts, the default,
 * so that fork() does not copy the server's page tables) or in the server itself.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cgiFailure, type CgiFailure } from './cgi-failure.js';
import { killProcessGroup } from './process-group.js';

export interface Invocation {
  /** Absolute path of the executable. */
  script: string;
  env: Record<string, string>;
  stdin: Buffer;
  /** Defaults to the script's directory (§6.1). */
  cwd?: string;
  timeoutMs?: number;
}

/** The limits of one run, resolved by the invoker. */
export interface RunLimits {
  timeoutMs: number;
  maxOutputBytes: number;
  maxStderrBytes: number;
  /** After the script exits, how long its output pipes may stay open (held by a straggler). */
  closeGraceMs: number;
  runAs?: { uid: number; gid: number };
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

/** Told when a script process exists and when its run is over (the spawner kills the groups
 *  still running when the server goes away). */
export interface RunObserver {
  started(pid: number): void;
  ended(pid: number): void;
}

/** Runs the script once; `queuedMs` is 0 here (the invoker fills it in). */
export function runScript(invocation: Invocation, limits: RunLimits, observer?: RunObserver): Promise<InvocationResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const timeoutMs = invocation.timeoutMs ?? limits.timeoutMs;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let stderrBytes = 0;
    let spawnMs: number | undefined;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    let child: ChildProcess | undefined;

    const timing = (): InvocationTiming => ({ queuedMs: 0, ...(spawnMs === undefined ? {} : { spawnMs }), runMs: performance.now() - started });
    const settle = (result: InvocationResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (child?.pid !== undefined) observer?.ended(child.pid);
      resolve(result);
    };
    const fail = (failure: CgiFailure): void => {
      settle({ ok: false, failure, stderr, timing: timing(), ...(exit ? { exitCode: exit.code, signal: exit.signal } : {}) });
    };
    /** Kill the group and stop reading: the result is decided. */
    const abort = (failure: CgiFailure): void => {
      killProcessGroup(child?.pid);
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      child?.stdin?.destroy();
      fail(failure);
    };
    const timer = setTimeout(() => abort(cgiFailure('timeout', `killed after ${timeoutMs} ms`)), timeoutMs);

    const options: SpawnOptions = {
      cwd: invocation.cwd ?? dirname(invocation.script),
      env: invocation.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      shell: false,
      windowsHide: true,
      ...(limits.runAs ? { uid: limits.runAs.uid, gid: limits.runAs.gid } : {}),
    };
    let scriptProcess: ChildProcess;
    try {
      scriptProcess = child = spawn(invocation.script, [], options);
    } catch (e) {
      fail(cgiFailure('spawn-failed', e instanceof Error ? e.message : String(e)));
      return;
    }
    if (scriptProcess.pid !== undefined) observer?.started(scriptProcess.pid);

    // §5.5.2: the body on stdin; the script need not read it (EPIPE is not an error). Written
    // at once: the pipe exists as soon as spawn() returns.
    scriptProcess.stdin?.on('error', () => undefined);
    scriptProcess.stdin?.end(invocation.stdin);
    scriptProcess.once('spawn', () => {
      spawnMs = performance.now() - started;
    });
    // After a successful spawn an 'error' is a failed kill or pipe error: the exit decides.
    scriptProcess.once('error', (error) => {
      if (spawnMs === undefined) fail(cgiFailure('spawn-failed', error.message));
    });
    scriptProcess.stdout?.on('data', (chunk: Buffer) => {
      if (settled) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > limits.maxOutputBytes) {
        abort(cgiFailure('output-limit', `more than ${limits.maxOutputBytes} octets of output`));
        return;
      }
      stdout.push(chunk);
    });
    scriptProcess.stderr?.on('data', (chunk: Buffer) => {
      if (stderrBytes >= limits.maxStderrBytes) return;
      const kept = chunk.subarray(0, limits.maxStderrBytes - stderrBytes);
      stderrBytes += kept.length;
      stderr += kept.toString('utf8');
    });
    scriptProcess.once('exit', (code, signal) => {
      exit = { code, signal };
      // Anything the script left running dies with it: scripts are not resident (§3).
      killProcessGroup(scriptProcess.pid);
      graceTimer = setTimeout(() => {
        scriptProcess.stdout?.destroy();
        scriptProcess.stderr?.destroy();
        finish();
      }, limits.closeGraceMs);
    });
    scriptProcess.once('close', () => finish());

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
