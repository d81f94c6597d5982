import { chmodSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { CgiInvoker, type InvocationResult } from './cgi-invoker.js';
import { isRunning, ourZombies, processState, ScriptDir, waitFor } from './test-support.js';

const scripts = new ScriptDir();
const env = { PATH: '/usr/bin:/bin' };
const none = Buffer.alloc(0);

beforeAll(() => {
  scripts.write('ok.sh', '#!/bin/sh\nprintf "SIP/2.0 200 OK\\nX-Var: %s\\nX-Cwd: %s\\n" "$GREETING" "$(pwd)"\ncat\n');
  scripts.write('hang.sh', `#!/bin/sh\nsleep 60 &\necho "$! $$" > "${scripts.path('hang.pids')}"\nwait\n`);
  scripts.write('flood.sh', '#!/bin/sh\nwhile :; do echo "CGI-AGAIN yes SIP/2.0"; done\n');
  scripts.write('slow.sh', '#!/bin/sh\nsleep 0.2\necho "SIP/2.0 200 OK"\n');
  scripts.write('exit3.sh', '#!/bin/sh\necho "SIP/2.0 200 OK"\necho "oops" >&2\nexit 3\n');
  scripts.write('suicide.sh', '#!/bin/sh\nkill -9 $$\n');
  scripts.write('straggler.sh', `#!/bin/sh\nsleep 60 > /dev/null 2>&1 &\necho $! > "${scripts.path('straggler.pid')}"\nsleep 60 &\necho "SIP/2.0 200 OK"\n`);
  scripts.write('noread.sh', '#!/bin/sh\necho "SIP/2.0 200 OK"\n');
  scripts.write('not-executable.sh', '#!/bin/sh\necho hi\n', 0o644);
  scripts.write('whoami.sh', '#!/bin/sh\nid -u\nid -g\n');
});

afterAll(() => scripts.remove());

function expectFailure(result: InvocationResult, code: string, status: number): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.failure.code).toBe(code);
  expect(result.failure.status).toBe(status);
}

describe('CgiInvoker (RFC 3050 §5.3, §5.4, §6.1; real child processes)', () => {
  it('runs the file with exactly the given environment, the body on stdin and the script folder as cwd', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    const result = await invoker.invoke({ script: scripts.path('ok.sh'), env: { ...env, GREETING: 'hello world' }, stdin: Buffer.from('v=0\r\n') });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.stdout.toString()).toBe(`SIP/2.0 200 OK\nX-Var: hello world\nX-Cwd: ${scripts.root}\nv=0\r\n`);
    expect(result.timing.spawnMs).toBeGreaterThan(0);
    expect(result.timing.runMs).toBeGreaterThanOrEqual(result.timing.spawnMs!);
  });

  it('on timeout SIGKILLs the whole process group (script and its children) and answers 504', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 300 });
    const started = Date.now();
    const result = await invoker.invoke({ script: scripts.path('hang.sh'), env, stdin: none });
    expect(Date.now() - started).toBeLessThan(1500);
    expectFailure(result, 'timeout', 504);
    const [child, script] = readFileSync(scripts.path('hang.pids'), 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(await waitFor(() => !isRunning(child) && !isRunning(script))).toBe(true);
    // The script is our child: libuv reaps it. Its orphaned `sleep` belongs to PID 1 to reap.
    expect(await waitFor(() => processState(script) === undefined)).toBe(true);
    expect(processState(child)?.ppid ?? 1).not.toBe(process.pid);
    expect(ourZombies()).toEqual([]);
    expect(invoker.stats.timedOut).toBe(1);
  });

  it('kills the script and fails when the output exceeds the limit', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, maxOutputBytes: 4096 });
    const result = await invoker.invoke({ script: scripts.path('flood.sh'), env, stdin: none });
    expectFailure(result, 'output-limit', 500);
    expect(invoker.stats.outputLimited).toBe(1);
    expect(await waitFor(() => ourZombies().length === 0)).toBe(true);
  });

  it('runs at most maxConcurrent scripts, queues FIFO, and refuses as saturated (503) when the queue is full', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, maxConcurrent: 2, maxQueue: 1 });
    const order: number[] = [];
    const runs = [0, 1, 2, 3].map((i) =>
      invoker.invoke({ script: scripts.path('slow.sh'), env, stdin: none }).then((result) => {
        order.push(i);
        return result;
      }),
    );
    expect(invoker.running).toBe(2);
    expect(invoker.queued).toBe(1);
    const results = await Promise.all(runs);
    expectFailure(results[3]!, 'saturated', 503);
    expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
    expect(order[0]).toBe(3);
    expect(order.at(-1)).toBe(2);
    expect(results[2]!.timing.queuedMs).toBeGreaterThan(100);
    expect(invoker.stats.saturated).toBe(1);
  });

  it('refuses as saturated when no slot frees up within maxQueueWaitMs', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, maxConcurrent: 1, maxQueue: 4, maxQueueWaitMs: 50 });
    const first = invoker.invoke({ script: scripts.path('slow.sh'), env, stdin: none });
    const second = await invoker.invoke({ script: scripts.path('slow.sh'), env, stdin: none });
    expectFailure(second, 'saturated', 503);
    expect((await first).ok).toBe(true);
    expect(invoker.queued).toBe(0);
  });

  it('treats a non-zero exit status as failure and discards the output (500)', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    const result = await invoker.invoke({ script: scripts.path('exit3.sh'), env, stdin: none });
    expectFailure(result, 'exit-status', 500);
    if (result.ok) return;
    expect(result.exitCode).toBe(3);
    expect(result.failure.detail).toBe('exit status 3');
    expect(result.stderr).toBe('oops\n');
  });

  it('treats death by a signal as failure (500)', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    const result = await invoker.invoke({ script: scripts.path('suicide.sh'), env, stdin: none });
    expectFailure(result, 'exit-status', 500);
    if (!result.ok) expect(result.failure.detail).toBe('killed by SIGKILL');
  });

  it('fails a missing or non-executable script as spawn-failed (500)', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    expectFailure(await invoker.invoke({ script: scripts.path('missing.sh'), env, stdin: none }), 'spawn-failed', 500);
    expectFailure(await invoker.invoke({ script: scripts.path('not-executable.sh'), env, stdin: none }), 'spawn-failed', 500);
    expect(invoker.running).toBe(0);
  });

  it('kills what the script left running when it exits', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, closeGraceMs: 100 });
    const started = Date.now();
    const result = await invoker.invoke({ script: scripts.path('straggler.sh'), env, stdin: none });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    const straggler = Number(readFileSync(scripts.path('straggler.pid'), 'utf8'));
    expect(await waitFor(() => !isRunning(straggler))).toBe(true);
  });

  it('does not fail when the script ignores a large body on stdin (EPIPE)', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    const result = await invoker.invoke({ script: scripts.path('noread.sh'), env, stdin: Buffer.alloc(1 << 20, 0x61) });
    expect(result.ok).toBe(true);
  });

  it.runIf(process.getuid?.() === 0)('runs the script as the configured user when the server is root', async () => {
    chmodSync(scripts.root, 0o755);
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, runAs: { uid: 65534, gid: 65534 } });
    const result = await invoker.invoke({ script: scripts.path('whoami.sh'), env, stdin: none });
    expect(result.ok && result.stdout.toString()).toBe('65534\n65534\n');
  });
});
