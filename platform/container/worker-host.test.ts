import { afterAll, describe, expect, it } from 'vitest';
import type { IsolateCallbacks } from './isolate-handle.js';
import { IsolateLoadError } from './isolate-handle.js';
import { buildApp, removeAppFolders } from './test-support.js';
import { createWorkerHost } from './worker-host.js';

afterAll(removeAppFolders);

const SOURCE = `import sdk from '@switchboard/sdk';
export default {
  threadless: () => typeof (globalThis as any).process,
  async waits() { return sdk.hostCall('never', 'x', '1'); },
};`;

const quiet: IsolateCallbacks = { hostCall: () => {}, log: () => {}, catastrophic: () => {} };

describe('worker host', () => {
  it('spreads isolates over its workers and ends their events as disposed when the pool stops', async () => {
    const bundle = await buildApp(SOURCE, { name: 'pooled' });
    const host = createWorkerHost({ workers: 2 });
    const spec = { appName: 'pooled', version: '1.0.0', code: bundle.code, memoryMb: 16, loadTimeoutMs: 1000 };
    const a = await host.create(spec, quiet);
    const b = await host.create(spec, quiet);
    expect(await a.dispatch({ eventId: 1, name: 'threadless', sessionKey: 'k', payload: null, cpuBudgetMs: 50 })).toMatchObject({
      ok: true,
      value: 'undefined',
    });
    expect((await b.memory()).usedHeapBytes).toBeGreaterThan(0);

    const waiting = a.dispatch({ eventId: 2, name: 'waits', sessionKey: 'k', payload: null, cpuBudgetMs: 50 });
    await host.close();
    expect(await waiting).toMatchObject({ ok: false, fault: 'disposed', message: 'the sandbox worker was stopped' });
    expect(a.disposed && b.disposed).toBe(true);
    await expect(host.create(spec, quiet)).rejects.toThrow(/closed/);
  });

  it('reports a bundle that fails to load as IsolateLoadError', async () => {
    const bundle = await buildApp(`throw new Error('nope');\nexport default { a() {} };`, { name: 'broken' });
    const host = createWorkerHost({ workers: 1 });
    try {
      await expect(
        host.create({ appName: 'broken', version: '1.0.0', code: bundle.code, memoryMb: 16, loadTimeoutMs: 1000 }, quiet),
      ).rejects.toThrow(IsolateLoadError);
    } finally {
      await host.close();
    }
  });
});
