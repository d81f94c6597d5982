/**
 * Sandbox benchmark (issue #5 item 9, appserver spec §B.5): the cost of one event crossing into
 * an app isolate and back, for both hostings (isolated-vm's thread pool in-process, and a worker
 * pool with sync entries), plus memory per idle app and the main loop's delay while an app spins.
 *
 *   npm run build && node --no-node-snapshot dist/bench/sandbox-bench.js [--quick]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  AppIsolate,
  AppRuntime,
  bundleApp,
  type AppBundle,
  type AppManifestInput,
  type Cloneable,
  type IsolateCallbacks,
} from '../platform/container/index.js';
import { silentLogger } from '../platform/log/logger.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2_000 : 10_000;
const WARMUP = quick ? 300 : 1_000;
const IDLE_APPS = 20;

/** A small INVITE summary, the shape the SDK will pass (ids and strings, no object graphs). */
const PAYLOAD: Cloneable = {
  method: 'INVITE',
  uri: 'sip:bob@example.com',
  callId: 'a84b4c76e66710@pc33.atlanta.example.com',
  from: { uri: 'sip:alice@atlanta.example.com', tag: '1928301774' },
  to: { uri: 'sip:bob@biloxi.example.com' },
  cseq: 314159,
  transactionId: 'z9hG4bK776asdhds',
};

const APP_SOURCE = `import sdk from '@switchboard/sdk';
export default {
  sync(p: { callId: string }) { return { status: 200, callId: p.callId }; },
  async async(p: { callId: string }) { return { status: 200, callId: p.callId }; },
  async hostcall(p: { callId: string }) {
    const r = JSON.parse(await sdk.hostCall('echo', 'x', '{"status":200}'));
    return { status: r.status, callId: p.callId };
  },
  spin() { for (;;) {} },
};`;

const dirs: string[] = [];

async function buildApp(name: string, source: string, manifest: Partial<AppManifestInput> = {}): Promise<AppBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-bench-'));
  dirs.push(dir);
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/index.ts'), source);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', entry: 'src/index.ts', ...manifest }));
  return bundleApp(dir);
}

interface Stats {
  readonly median: number;
  readonly p99: number;
  readonly mean: number;
}

async function measure(run: (i: number) => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await run(i);
  const samples = new Float64Array(ROUNDS);
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  let sum = 0;
  for (const sample of samples) sum += sample;
  return { median: samples[ROUNDS >> 1] ?? 0, p99: samples[Math.floor(ROUNDS * 0.99)] ?? 0, mean: sum / ROUNDS };
}

function row(label: string, stats: Stats): string {
  return `${label.padEnd(58)} median ${stats.median.toFixed(1).padStart(7)} µs   p99 ${stats.p99.toFixed(1).padStart(7)} µs   mean ${stats.mean.toFixed(1).padStart(7)} µs`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

async function expectOk(result: Promise<{ ok: boolean }>): Promise<void> {
  const settled = await result;
  if (!settled.ok) throw new Error(`bench event failed: ${JSON.stringify(settled)}`);
}

/** The raw crossing: one `AppIsolate` in this thread, no runtime queueing. */
async function rawCrossing(bundle: AppBundle): Promise<void> {
  let isolate: AppIsolate | undefined;
  const callbacks: IsolateCallbacks = {
    hostCall: (call) => isolate?.settle(call.eventId, call.callId, true, '{"status":200}'),
    log: () => {},
    catastrophic: (message) => {
      throw new Error(message);
    },
  };
  isolate = await AppIsolate.create({ appName: 'bench', version: '1.0.0', code: bundle.code, memoryMb: 64, loadTimeoutMs: 1000 }, callbacks, 'async');
  let id = 0;
  const event = (name: string) => isolate.dispatch({ eventId: ++id, name, sessionKey: 'k', payload: PAYLOAD, cpuBudgetMs: 50 });
  console.log(row('AppIsolate (in-process, async apply): sync handler', await measure(() => expectOk(event('sync')))));
  console.log(row('AppIsolate (in-process, async apply): async handler', await measure(() => expectOk(event('async')))));
  console.log(row('AppIsolate (in-process, async apply): 1 host call', await measure(() => expectOk(event('hostcall')))));
  isolate.dispose('bench done');
}

async function runtimeCrossing(hosting: 'in-process' | 'worker', bundle: AppBundle): Promise<void> {
  const runtime = new AppRuntime({ logger: silentLogger, hosting, workers: 2, capabilities: [{ name: 'echo', call: () => ({ status: 200 }) }] });
  await runtime.deploy(bundle);
  const event = (name: string, i: number) => runtime.dispatch('bench', { name, sessionKey: `s${i % 64}`, payload: PAYLOAD });
  console.log(row(`AppRuntime.dispatch (${hosting}): sync handler`, await measure((i) => expectOk(event('sync', i)))));
  console.log(row(`AppRuntime.dispatch (${hosting}): async handler`, await measure((i) => expectOk(event('async', i)))));
  console.log(row(`AppRuntime.dispatch (${hosting}): 1 host call`, await measure((i) => expectOk(event('hostcall', i)))));
  await runtime.close();
}

async function idleMemory(hosting: 'in-process' | 'worker', bundle: AppBundle): Promise<void> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  const runtime = new AppRuntime({ logger: silentLogger, hosting, workers: 2 });
  for (let i = 0; i < IDLE_APPS; i++) {
    await runtime.deploy({ ...bundle, manifest: { ...bundle.manifest, name: `idle-${i}` } });
    await expectOk(runtime.dispatch(`idle-${i}`, { name: 'sync', sessionKey: 'k', payload: PAYLOAD }));
  }
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = process.memoryUsage().rss;
  const heaps = await Promise.all(Array.from({ length: IDLE_APPS }, (_, i) => runtime.memory(`idle-${i}`)));
  const used = heaps.reduce((sum, heap) => sum + (heap?.usedHeapBytes ?? 0), 0) / IDLE_APPS;
  const total = heaps.reduce((sum, heap) => sum + (heap?.totalHeapBytes ?? 0), 0) / IDLE_APPS;
  console.log(
    `idle app (${hosting}, ${IDLE_APPS} apps): RSS ${mb((after - before) / IDLE_APPS)} per app (pool threads included); ` +
      `isolate heap used ${mb(used)}, heap reserved ${mb(total)} per app`,
  );
  await runtime.close();
}

/** Latencies of `run` called back to back for `ms`, with the main loop's delay meanwhile. */
async function observe(run: (i: number) => Promise<unknown>, ms: number): Promise<Stats & { loopP99: number; loopMax: number; count: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    const start = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
    if (i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  delay.disable();
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((sum, sample) => sum + sample, 0) / samples.length;
  return {
    median: samples[samples.length >> 1] ?? 0,
    p99: samples[Math.floor(samples.length * 0.99)] ?? 0,
    mean,
    loopP99: delay.percentile(99) / 1e6,
    loopMax: delay.max / 1e6,
    count: samples.length,
  };
}

/** One app spins on every event (to its 50 ms CPU budget) while another answers trivial events. */
async function containment(hosting: 'in-process' | 'worker', workers: number, spinner: AppBundle, bundle: AppBundle): Promise<void> {
  const runtime = new AppRuntime({ logger: silentLogger, hosting, workers, faultLimit: { maxFaults: 1_000_000, windowMs: 1 } });
  await runtime.deploy(bundle);
  await runtime.deploy(spinner);
  const trivial = (i: number) => expectOk(runtime.dispatch('bench', { name: 'sync', sessionKey: `s${i % 64}`, payload: PAYLOAD }));
  const ms = quick ? 1000 : 3000;
  const idle = await observe(trivial, ms);
  let spinning = true;
  let spun = 0;
  const spins = (async () => {
    while (spinning) {
      await runtime.dispatch('spinner', { name: 'spin', sessionKey: `spin-${spun}`, payload: null });
      spun += 1;
    }
  })();
  const loaded = await observe(trivial, ms);
  spinning = false;
  await spins;
  const label = `${hosting}${hosting === 'worker' ? `, ${workers} worker${workers > 1 ? 's' : ''}` : ''}`;
  console.log(`containment (${label}): ${spun} runaway events of 50 ms CPU each during ${ms} ms`);
  console.log(`  ${row('other app, idle', idle)}   main loop p99 ${idle.loopP99.toFixed(1)} ms, max ${idle.loopMax.toFixed(1)} ms`);
  console.log(`  ${row('other app, while one app spins', loaded)}   main loop p99 ${loaded.loopP99.toFixed(1)} ms, max ${loaded.loopMax.toFixed(1)} ms`);
  await runtime.close();
}

async function main(): Promise<void> {
  console.log(`sandbox bench: node ${process.version}, ${ROUNDS} rounds after ${WARMUP} warm-up, payload ${JSON.stringify(PAYLOAD).length} B JSON`);
  const bundle = await buildApp('bench', APP_SOURCE, { permissions: ['echo'] });
  const spinner = await buildApp('spinner', APP_SOURCE);
  await rawCrossing(bundle);
  await runtimeCrossing('in-process', bundle);
  await runtimeCrossing('worker', bundle);
  await idleMemory('in-process', bundle);
  await idleMemory('worker', bundle);
  await containment('in-process', 2, spinner, bundle);
  await containment('worker', 2, spinner, bundle);
  await containment('worker', 1, spinner, bundle);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
