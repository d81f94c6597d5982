/**
 * Containment (issue #5 targets): while one app loops forever or keeps exhausting its memory,
 * another app still answers in normal time and the main event loop is not blocked. Measured with
 * perf_hooks.monitorEventLoopDelay on this (the runtime's) thread. A runaway event runs to its
 * 50 ms CPU budget, so a host that ran guest code on this thread would show ~50 ms delays.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { AppIsolate } from './app-isolate.js';
import { AppRuntime } from './app-runtime.js';
import type { AppBundle } from './bundle-app.js';
import { buildApp, removeAppFolders } from './test-support.js';
import type { DispatchResult } from './types.js';

let good: AppBundle;
let bad: AppBundle;

beforeAll(async () => {
  good = await buildApp(`export default { answer: (p: { i: number }) => ({ status: 200, i: p.i }) };`, { name: 'good' });
  bad = await buildApp(
    `export default {
      spin() { for (;;) {} },
      async spinLater() { await null; for (;;) {} },
      bomb() { const keep: number[][] = []; for (;;) keep.push(new Array(1_000_000).fill(1.5)); },
    };`,
    { name: 'bad', limits: { memoryMb: 16, cpuMsPerEvent: 50 } },
  );
});
afterAll(removeAppFolders);

interface Observation {
  readonly p50: number;
  readonly p99: number;
  readonly loopP99: number;
  readonly loopMax: number;
  readonly misbehaved: DispatchResult[];
  readonly answered: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** Sends `good` events one after another for `ms` while `misbehave` runs in a loop beside them. */
async function observe(runtime: AppRuntime, misbehave: ((n: number) => Promise<DispatchResult>) | undefined, ms = 1200): Promise<Observation> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  let stop = false;
  const misbehaved: DispatchResult[] = [];
  const background = (async () => {
    for (let n = 0; misbehave !== undefined && !stop; n++) {
      misbehaved.push(await misbehave(n));
      // As the engine does when a call's event is over (events refused during the back-off
      // after an OOM return at once: without this the loop would pile up sessions).
      runtime.endSession('bad', `b${n}`);
      // Yield to timers: a host whose entries complete synchronously would otherwise starve them.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  delay.enable();
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    const sent = performance.now();
    const result = await runtime.dispatch('good', { name: 'answer', sessionKey: `g${i % 8}`, payload: { i } });
    latencies.push(performance.now() - sent);
    expect(result).toMatchObject({ ok: true, value: { status: 200, i } });
    // Pace the probe so timers (and the delay monitor) get their turns.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  delay.disable();
  stop = true;
  await background;
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    loopP99: delay.percentile(99) / 1e6,
    loopMax: delay.max / 1e6,
    misbehaved,
    answered: latencies.length,
  };
}

// In-process hosting runs well-behaved apps on the fast path by default (README "Fast path");
// the pool-only variant is what `apps.fastPath: false` gives.
describe.each([
  ['in-process', 1, true],
  ['in-process', 1, false],
  ['worker', 2, false],
] as const)('containment (%s hosting, %i worker(s), fast path %s)', (hosting, workers, fastPath) => {
  let runtime: AppRuntime;
  let baseline: Observation;

  beforeAll(async () => {
    // A runaway app that never gets disabled, so it can misbehave for the whole observation.
    runtime = new AppRuntime({ logger: silentLogger, hosting, workers, fastPath, faultLimit: { maxFaults: 1_000_000, windowMs: 1 } });
    await runtime.deploy(good);
    await runtime.deploy(bad);
    baseline = await observe(runtime, undefined, 500);
  });
  afterAll(() => runtime.close());

  function expectContained(seen: Observation, fault: 'timeout' | 'memory'): void {
    // The runaway app really did run away, many times (an OOM and the isolate's re-creation
    // take 100–300 ms, a spin its 50 ms budget).
    expect(seen.misbehaved.length).toBeGreaterThanOrEqual(fault === 'memory' ? 4 : 8);
    // (A memory bomb may also run into its CPU budget while V8 collects garbage near the limit.)
    const allowed = fault === 'memory' ? ['memory', 'timeout'] : [fault];
    expect(seen.misbehaved.filter((result) => result.ok || !allowed.includes(result.fault))).toEqual([]);
    const exact = seen.misbehaved.filter((result) => !result.ok && result.fault === fault).length;
    // Near the memory limit V8 collects garbage slowly, and isolated-vm's timeouts are wall-clock:
    // on a loaded 2-core box most bombs end in the CPU budget instead (measured: 1–4 of 6–10 OOM
    // at load average 6), so the memory case asks for real OOMs, not a majority of them.
    if (fault === 'memory') expect(exact).toBeGreaterThanOrEqual(1);
    else expect(exact).toBeGreaterThan(seen.misbehaved.length / 2);
    // The main loop is never held for a runaway event's 50 ms (idle p99 on a busy 2-core CI box
    // is 5–25 ms; guest code on this thread would put p99 at 50 ms or more).
    expect(seen.loopP99).toBeLessThan(40);
    // The other app keeps answering in normal time: no waiting behind the runaway's budget.
    expect(seen.answered).toBeGreaterThan(100);
    expect(seen.p50).toBeLessThan(Math.max(5, baseline.p50 * 4));
    expect(seen.p99).toBeLessThan(40);
  }

  it('an app looping forever (synchronously) does not block the loop or the other app', async () => {
    const seen = await observe(runtime, (n) => runtime.dispatch('bad', { name: 'spin', sessionKey: `b${n}`, payload: null }));
    expectContained(seen, 'timeout');
    expect(seen.misbehaved.every((result) => !result.ok && (result.cpuMs ?? 0) >= 40)).toBe(true);
  });

  it('an app looping forever after an await (microtask) is contained the same way', async () => {
    const seen = await observe(runtime, (n) => runtime.dispatch('bad', { name: 'spinLater', sessionKey: `b${n}`, payload: null }));
    expectContained(seen, 'timeout');
  });

  it('an app exhausting its memory on every event is disposed and recreated without disturbing the rest', async () => {
    const seen = await observe(runtime, (n) => runtime.dispatch('bad', { name: 'bomb', sessionKey: `b${n}`, payload: null }));
    expectContained(seen, 'memory');
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });
});

describe('containment control', () => {
  it('the same measurement does catch a host that runs guest code on this thread', async () => {
    // Sync entries on the runtime's own thread: what the in-process host must not do.
    const runtime = new AppRuntime({
      logger: silentLogger,
      host: { kind: 'in-process', create: (spec, callbacks) => AppIsolate.create(spec, callbacks, 'sync'), close: async () => {} },
      faultLimit: { maxFaults: 1_000_000, windowMs: 1 },
    });
    try {
      await runtime.deploy(good);
      await runtime.deploy(bad);
      const seen = await observe(runtime, (n) => runtime.dispatch('bad', { name: 'spin', sessionKey: `b${n}`, payload: null }), 800);
      expect(seen.loopP99).toBeGreaterThanOrEqual(45);
      expect(seen.p99).toBeGreaterThanOrEqual(40);
    } finally {
      await runtime.close();
    }
  });
});
