import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppIsolate, FAST_ENTRY_MAX_WALL_MS, FAST_SLOW_ENTRIES, type EntryMode, type FastPathState } from './app-isolate.js';
import type { AppBundle } from './bundle-app.js';
import { IsolateLoadError, PayloadCopyError, type GuestHostCall, type IsolateCallbacks } from './isolate-handle.js';
import { buildApp, removeAppFolders } from './test-support.js';
import type { Cloneable } from './types.js';

const APP = `import sdk from '@switchboard/sdk';
let counter = 0;
const burn = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) {} };
export default {
  echo: (p: unknown) => p,
  count: () => ++counter,
  async later(p: { n: number }) { const text = await sdk.hostCall('echo', 'x', JSON.stringify(p)); return { back: JSON.parse(text) }; },
  spin() { for (;;) {} },
  async spinAfterAwait() { await null; for (;;) {} },
  async spinAfterHostCall() { await sdk.hostCall('echo', 'x', '1'); for (;;) {} },
  async burnTwice() { burn(30); await sdk.hostCall('echo', 'x', '1'); burn(30); return 'done'; },
  throws() { throw new TypeError('bad input'); },
  async rejects() { throw new RangeError('later'); },
  rejectsWithString() { return Promise.reject('plain string'); },
  recurse() { const deep = (n: number): number => deep(n + 1) + 1; return deep(0); },
  bomb() { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(7)); },
  uncloneable() { return { fn() {} }; },
  async uncloneableLater() { await null; return Symbol('x'); },
  chatty() { for (let i = 0; i < 10_000; i++) sdk.log('info', 'line ' + i); return 'ok'; },
  calls() { for (let i = 0; i < 500; i++) sdk.hostCall('echo', 'x', '1').catch(() => {}); return 'ok'; },
  meta: (_p: unknown, meta: { event: string; sessionKey: string }) => meta,
};`;

let bundle: AppBundle;
beforeAll(async () => {
  bundle = await buildApp(APP, { name: 'faults' });
});
afterAll(removeAppFolders);

interface Harness {
  isolate: AppIsolate;
  logs: string[];
  calls: GuestHostCall[];
  run(name: string, payload?: Cloneable, cpuBudgetMs?: number): ReturnType<AppIsolate['dispatch']>;
}

const open: AppIsolate[] = [];
afterEach(async () => {
  const isolates = open.splice(0);
  for (const isolate of isolates) isolate.dispose('test done');
  await Promise.all(isolates.map((isolate) => isolate.whenIdle()));
});

async function start(mode: EntryMode, code = bundle.code, memoryMb = 16): Promise<Harness> {
  const logs: string[] = [];
  const calls: GuestHostCall[] = [];
  let isolate: AppIsolate | undefined;
  const callbacks: IsolateCallbacks = {
    hostCall: (call) => {
      calls.push(call);
      // Answer asynchronously, as real capabilities do.
      setImmediate(() => isolate?.settle(call.eventId, call.callId, true, call.jsonArgs));
    },
    log: (_eventId, level, message) => logs.push(`${level}:${message}`),
    catastrophic: (message) => {
      throw new Error(`catastrophic: ${message}`);
    },
  };
  isolate = await AppIsolate.create({ appName: 'faults', version: '1.0.0', code, memoryMb, loadTimeoutMs: 1000 }, callbacks, mode);
  open.push(isolate);
  let eventId = 0;
  const created = isolate;
  return {
    isolate: created,
    logs,
    calls,
    run: (name, payload = null, cpuBudgetMs = 50) =>
      created.dispatch({ eventId: ++eventId, name, sessionKey: 'key-1', payload, cpuBudgetMs }),
  };
}

describe.each<EntryMode>(['async', 'sync'])('AppIsolate (%s entries)', (mode) => {
  it('round-trips structured-clone payloads and results', async () => {
    const { run } = await start(mode);
    const payload = { s: 'x', n: 1.5, big: 12n, d: new Date(0), bytes: new Uint8Array([1, 2]), list: [1, null], map: new Map([[1, 'a']]) };
    const result = await run('echo', payload);
    expect(result).toMatchObject({ ok: true, value: payload });
    expect(result.cpuMs).toBeGreaterThan(0);
  });

  it('passes the event name and session key to the handler', async () => {
    const { run } = await start(mode);
    expect(await run('meta')).toMatchObject({ ok: true, value: { event: 'meta', sessionKey: 'key-1' } });
  });

  it('awaits host calls: the continuation runs when the host settles the call', async () => {
    const { run, calls } = await start(mode);
    expect(await run('later', { n: 7 })).toMatchObject({ ok: true, value: { back: { n: 7 } } });
    expect(calls).toMatchObject([{ capability: 'echo', method: 'x', jsonArgs: '{"n":7}' }]);
  });

  it('stops a synchronous infinite loop at the CPU budget and keeps the isolate usable', async () => {
    const { run } = await start(mode);
    const result = await run('spin', null, 30);
    expect(result).toMatchObject({ ok: false, fault: 'timeout' });
    expect(result.cpuMs).toBeGreaterThanOrEqual(25);
    expect(await run('count')).toMatchObject({ ok: true, value: 1 });
  });

  it('stops an infinite loop in a promise continuation (microtask) and after a host call', async () => {
    const { run } = await start(mode);
    expect(await run('spinAfterAwait', null, 30)).toMatchObject({ ok: false, fault: 'timeout' });
    expect(await run('spinAfterHostCall', null, 30)).toMatchObject({ ok: false, fault: 'timeout' });
  });

  it('charges CPU across all entries of an event', async () => {
    const { run } = await start(mode);
    const result = await run('burnTwice', null, 50);
    expect(result).toMatchObject({ ok: false, fault: 'timeout' });
    expect(await run('burnTwice', null, 100)).toMatchObject({ ok: true, value: 'done' });
  });

  it('reports a thrown error, a rejected promise and a rejected non-error value as fault "error"', async () => {
    const { run } = await start(mode);
    const thrown = await run('throws');
    expect(thrown).toMatchObject({ ok: false, fault: 'error', message: 'TypeError: bad input' });
    expect(!thrown.ok && thrown.stack).toMatch(/at Object\.throws \(app:\/\/\/faults@1\.0\.0\.js:\d+:\d+\)/);
    expect(await run('rejects')).toMatchObject({ ok: false, fault: 'error', message: 'RangeError: later' });
    expect(await run('rejectsWithString')).toMatchObject({ ok: false, fault: 'error', message: 'non-error value thrown: plain string' });
  });

  it('reports a stack overflow as fault "error" and stays usable', async () => {
    const { run } = await start(mode);
    expect(await run('recurse')).toMatchObject({ ok: false, fault: 'error', message: 'RangeError: Maximum call stack size exceeded' });
    expect(await run('count')).toMatchObject({ ok: true });
  });

  it('disposes the isolate on a memory bomb: fault "memory" for that event, "disposed" afterwards', async () => {
    const { run, isolate } = await start(mode);
    expect(await run('bomb', null, 5000)).toMatchObject({ ok: false, fault: 'memory' });
    expect(isolate.disposed).toBe(true);
    expect(await run('count')).toMatchObject({ ok: false, fault: 'disposed' });
  });

  it('reports results that are not structured-cloneable as fault "error"', async () => {
    const { run } = await start(mode);
    expect(await run('uncloneable')).toMatchObject({ ok: false, fault: 'error', message: expect.stringMatching(/could not be cloned/) });
    expect(await run('uncloneableLater')).toMatchObject({ ok: false, fault: 'error', message: expect.stringMatching(/could not be cloned/) });
  });

  it('reports a missing handler as fault "unhandled"', async () => {
    const { run } = await start(mode);
    expect(await run('bye')).toMatchObject({ ok: false, fault: 'unhandled', message: 'no handler for event "bye"' });
    expect(await run('toString')).toMatchObject({ ok: false, fault: 'unhandled' });
    expect(await run('__proto__')).toMatchObject({ ok: false, fault: 'unhandled' });
  });

  it('caps log lines and host calls per entry so a loop cannot flood the host', async () => {
    const { run, logs, calls } = await start(mode);
    expect(await run('chatty')).toMatchObject({ ok: true });
    expect(logs).toHaveLength(100);
    expect(await run('calls')).toMatchObject({ ok: true });
    expect(calls).toHaveLength(100);
  });

  it('refuses payloads that cannot be cloned, before entering the isolate', async () => {
    const { isolate } = await start(mode);
    const payload = { fn: () => 1 } as unknown as Cloneable;
    expect(() => isolate.dispatch({ eventId: 99, name: 'echo', sessionKey: 'k', payload, cpuBudgetMs: 50 })).toThrow(PayloadCopyError);
  });

  it('ends events in flight with fault "disposed" when disposed', async () => {
    const { isolate, run } = await start(mode);
    const pending = run('later', { n: 1 });
    isolate.dispose('shutting down');
    expect(await pending).toMatchObject({ ok: false, fault: 'disposed', message: 'shutting down' });
  });
});

describe('AppIsolate loading', () => {
  it.each([
    ['throws at load', `throw new Error('no config');\nexport default { a() {} };`, /Error: no config/],
    ['loops at load', `for (;;) {}\nexport default { a() {} };`, /top-level code ran longer than 1000 ms/],
    ['exports no handlers', `export default { value: 1 };`, /exports no event handlers/],
    ['exports a primitive', `export default 42;`, /must export \(default\) an object of event handlers or a dispatch function/],
  ])('refuses a bundle that %s', async (_label, source, message) => {
    const broken = await buildApp(source, { name: 'broken' });
    const callbacks: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };
    const created = AppIsolate.create({ appName: 'broken', version: '1.0.0', code: broken.code, memoryMb: 16, loadTimeoutMs: 1000 }, callbacks);
    await expect(created).rejects.toThrow(IsolateLoadError);
    await expect(created).rejects.toThrow(message);
  });

  it('refuses a bundle that exhausts memory at load', async () => {
    const broken = await buildApp(`const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(1));\nexport default { a() {} };`);
    const callbacks: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };
    await expect(
      AppIsolate.create({ appName: 'broken', version: '1.0.0', code: broken.code, memoryMb: 16, loadTimeoutMs: 5000 }, callbacks),
    ).rejects.toThrow(/memory limit of 16 MB while loading/);
  });

  it('accepts a single dispatch function as the default export', async () => {
    const app = await buildApp(`export default (event: string, payload: { n: number }) => ({ event, n: payload.n * 2 });`);
    const callbacks: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };
    const isolate = await AppIsolate.create({ appName: 'fn', version: '1.0.0', code: app.code, memoryMb: 16, loadTimeoutMs: 1000 }, callbacks);
    open.push(isolate);
    expect(isolate.handlers).toEqual([]);
    expect(await isolate.dispatch({ eventId: 1, name: 'invite', sessionKey: 'k', payload: { n: 21 }, cpuBudgetMs: 50 })).toMatchObject({
      ok: true,
      value: { event: 'invite', n: 42 },
    });
  });

  it('accepts named exports and class instances, listing their handlers', async () => {
    const named = await buildApp(`export function invite() { return 1; }\nexport function bye() { return 2; }`);
    const instance = await buildApp(`class App { invite() { return 'i'; } register() { return 'r'; } }\nexport default new App();`);
    const callbacks: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };
    const a = await AppIsolate.create({ appName: 'n', version: '1.0.0', code: named.code, memoryMb: 16, loadTimeoutMs: 1000 }, callbacks);
    const b = await AppIsolate.create({ appName: 'c', version: '1.0.0', code: instance.code, memoryMb: 16, loadTimeoutMs: 1000 }, callbacks);
    open.push(a, b);
    expect([...a.handlers].sort()).toEqual(['bye', 'invite']);
    expect([...b.handlers].sort()).toEqual(['invite', 'register']);
    expect(await b.dispatch({ eventId: 1, name: 'register', sessionKey: 'k', payload: null, cpuBudgetMs: 50 })).toMatchObject({ ok: true, value: 'r' });
  });

  it('fast path: sync entries that hold this thread over 10 ms of wall time demote the version to the pool for good', async () => {
    const app = await buildApp(`export default { quick: () => 1, hold() { const end = Date.now() + 12; while (Date.now() < end) {} return 2; } };`);
    const callbacks: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };
    const state: FastPathState = { fast: true, slow: 0, entries: 0, probation: 0 };
    const isolate = await AppIsolate.create({ appName: 'holds', version: '1.0.0', code: app.code, memoryMb: 16, loadTimeoutMs: 1000 }, callbacks, 'adaptive', state);
    open.push(isolate);
    let eventId = 0;
    const run = (name: string) => isolate.dispatch({ eventId: ++eventId, name, sessionKey: 'k', payload: null, cpuBudgetMs: 50 });
    expect(await run('quick')).toMatchObject({ ok: true, value: 1 });
    expect(state).toMatchObject({ fast: true, slow: 0 });
    expect(FAST_ENTRY_MAX_WALL_MS).toBeLessThan(12);
    for (let i = 1; i < FAST_SLOW_ENTRIES; i++) expect(await run('hold')).toMatchObject({ ok: true, value: 2 });
    expect(state).toMatchObject({ fast: true, slow: FAST_SLOW_ENTRIES - 1 });
    expect(await run('hold')).toMatchObject({ ok: true, value: 2 });
    expect(state.fast).toBe(false);
    // Demoted, not broken: later entries go through isolated-vm's pool.
    expect(await run('quick')).toMatchObject({ ok: true, value: 1 });
    expect(state.fast).toBe(false);
  });
});
