import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { CgiInvoker } from './cgi-invoker.js';
import { isRunning, ourZombies, ScriptDir, waitFor } from './test-support.js';

const scripts = new ScriptDir();
const env = { PATH: '/usr/bin:/bin' };
const none = Buffer.alloc(0);

beforeAll(() => {
  scripts.write('parent.sh', '#!/bin/sh\necho "SIP/2.0 200 OK"\necho "X-Parent: $PPID"\n');
  scripts.write('hang.sh', `#!/bin/sh\necho "$$ $PPID" > "${scripts.path('hang.pids')}"\nsleep 60\n`);
});
afterAll(() => scripts.remove());

const parentOf = (stdout: Buffer): number => Number(/X-Parent: (\d+)/.exec(stdout.toString())?.[1]);

describe('the resident script spawner (scripts are not forked from the server process)', () => {
  it('forks every script from one small resident process, not from the server', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000 });
    const first = await invoker.invoke({ script: scripts.path('parent.sh'), env, stdin: none });
    const second = await invoker.invoke({ script: scripts.path('parent.sh'), env, stdin: none });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    const spawner = parentOf(first.stdout);
    expect(spawner).toBeGreaterThan(1);
    expect(spawner).not.toBe(process.pid);
    expect(parentOf(second.stdout)).toBe(spawner);
    const status = readFileSync(`/proc/${spawner}/status`, 'utf8');
    expect(Number(/PPid:\s+(\d+)/.exec(status)?.[1])).toBe(process.pid);
    invoker.close();
    expect(await waitFor(() => !isRunning(spawner))).toBe(true);
  });

  it('when the spawner dies, its runs fail with 500, their scripts are killed, and the next run gets a new spawner', async () => {
    rmSync(scripts.path('hang.pids'), { force: true });
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 20_000 });
    const hanging = invoker.invoke({ script: scripts.path('hang.sh'), env, stdin: none });
    expect(await waitFor(() => { try { return readFileSync(scripts.path('hang.pids'), 'utf8').includes(' '); } catch { return false; } })).toBe(true);
    const [script, spawner] = readFileSync(scripts.path('hang.pids'), 'utf8').trim().split(' ').map(Number) as [number, number];
    process.kill(spawner, 'SIGKILL');
    const result = await hanging;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure).toMatchObject({ code: 'spawn-failed', status: 500 });
    expect(await waitFor(() => !isRunning(script))).toBe(true);
    const next = await invoker.invoke({ script: scripts.path('parent.sh'), env, stdin: none });
    expect(next.ok).toBe(true);
    if (next.ok) expect(parentOf(next.stdout)).not.toBe(spawner);
    invoker.close();
    expect(await waitFor(() => ourZombies().length === 0)).toBe(true);
  });

  it('closing the invoker kills the scripts still running and fails their runs', async () => {
    rmSync(scripts.path('hang.pids'), { force: true });
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 20_000 });
    const hanging = invoker.invoke({ script: scripts.path('hang.sh'), env, stdin: none });
    expect(await waitFor(() => { try { return readFileSync(scripts.path('hang.pids'), 'utf8').includes(' '); } catch { return false; } })).toBe(true);
    const [script] = readFileSync(scripts.path('hang.pids'), 'utf8').trim().split(' ').map(Number) as [number];
    invoker.close();
    const result = await hanging;
    expect(result.ok).toBe(false);
    expect(await waitFor(() => !isRunning(script))).toBe(true);
  });

  it('with spawner: false forks from the server process itself', async () => {
    const invoker = new CgiInvoker({ logger: silentLogger, timeoutMs: 2000, spawner: false });
    const result = await invoker.invoke({ script: scripts.path('parent.sh'), env, stdin: none });
    expect(result.ok && parentOf(result.stdout)).toBe(process.pid);
  });
});
