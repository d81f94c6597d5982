/**
 * Starts the real `switchboard start` command as a child process on loopback ports, the way a
 * user runs it, and waits for its "started" log line. Requires `npm run build` (npm test runs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

export const launcher = fileURLToPath(new URL('../../bin/switchboard.js', import.meta.url));

export interface RunningServer {
  sipPort: number;
  httpPort: number;
  dataDir: string;
  /** Every log line the server printed so far (JSON lines from pino). */
  readonly logs: string[];
  stop(): Promise<number | null>;
}

export interface StartServerOptions {
  /** More `switchboard start` arguments, e.g. `['--config', file]`. */
  args?: string[];
  /** Reuse a data folder (a restart); default a fresh temp folder. */
  dataDir?: string;
  sipPort?: number;
  httpPort?: number;
}

export async function startServer(options: string[] | StartServerOptions = []): Promise<RunningServer> {
  const { args: extraArgs = [], ...given } = Array.isArray(options) ? { args: options } : options;
  const sipPort = given.sipPort ?? (await freePort());
  const httpPort = given.httpPort ?? (await freePort());
  const dataDir = given.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-data-'));
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', launcher, 'start', '--host', '127.0.0.1', '--sip-port', String(sipPort), '--http-port', String(httpPort), '--data-dir', dataDir, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  await waitForStart(child, logs);
  return {
    sipPort,
    httpPort,
    dataDir,
    logs,
    stop: () => stopChild(child),
  };
}

function waitForStart(child: ChildProcess, logs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${logs.join('\n')}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        logs.push(line);
        if (line.includes('"msg":"switchboard started"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${logs.join('\n')}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the real `switchboard` CLI (e.g. `user add …`) as a child process; `input` goes to stdin. */
export function runCli(args: string[], input = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}
