#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.
//
// `start` hosts app isolates (isolated-vm), and on Node 20+ V8's startup snapshot must be off in
// that process (`--no-node-snapshot`; it cannot be set at run time). Without the flag the launcher
// runs the server as a child with it, forwards signals, and hands the child a pipe ("lifeline")
// so the server stops even when the launcher is killed with SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const SNAPSHOT_FLAG = '--no-node-snapshot';
const LIFELINE_ENV = 'SWITCHBOARD_LIFELINE_FD';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, 'dist', 'platform', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`switchboard: ${entry} is missing; run "npm install" or "npm run build" in ${root} first\n`);
  process.exit(1);
}
const args = process.argv.slice(2);
const snapshotOff = process.execArgv.includes(SNAPSHOT_FLAG) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(SNAPSHOT_FLAG);

if (args[0] === 'start' && !snapshotOff) {
  const child = spawn(process.execPath, [SNAPSHOT_FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env: { ...process.env, [LIFELINE_ENV]: '3' },
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
} else {
  const lifeline = process.env[LIFELINE_ENV];
  if (lifeline !== undefined) {
    delete process.env[LIFELINE_ENV];
    const pipe = new Socket({ fd: Number(lifeline), readable: true, writable: false });
    pipe.resume();
    // The launcher is gone (killed): stop as if asked to.
    pipe.on('close', () => process.kill(process.pid, 'SIGTERM'));
    pipe.on('error', () => process.kill(process.pid, 'SIGTERM'));
    pipe.unref();
  }
  const { main } = await import(entry);
  process.exitCode = await main(args);
}
