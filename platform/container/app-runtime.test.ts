import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../log/logger.js';
import { AppRuntime, type AppRuntimeOptions } from './app-runtime.js';
import type { CapabilityCall, CapabilityProvider } from './capabilities.js';
import { DeployError } from './deploy-error.js';
import { buildApp, captureLogger, eventually, removeAppFolders } from './test-support.js';
import type { Cloneable, DispatchResult, JsonValue } from './types.js';

afterAll(removeAppFolders);

/** Capabilities the test apps use: `gate.wait` blocks until the test opens the named gate. */
class Gates implements CapabilityProvider {
  readonly name = 'gate';
  readonly #waiting = new Map<string, Array<() => void>>();
  readonly #open = new Set<string>();

  call(call: CapabilityCall): Promise<JsonValue> {
    const gate = String((call.args as { gate: string }).gate);
    if (this.#open.has(gate)) return Promise.resolve(gate);
    return new Promise((resolve) => {
      const list = this.#waiting.get(gate) ?? [];
      list.push(() => resolve(gate));
      this.#waiting.set(gate, list);
    });
  }

  waiting(gate: string): number {
    return this.#waiting.get(gate)?.length ?? 0;
  }

  open(gate: string): void {
    this.#open.add(gate);
    for (const release of this.#waiting.get(gate) ?? []) release();
    this.#waiting.delete(gate);
  }
}

const trace: string[] = [];
const traceProvider: CapabilityProvider = {
  name: 'trace',
  call: (call) => {
    trace.push(`${call.sessionKey}:${String(call.args)}`);
    return null;
  },
};
const clockProvider: CapabilityProvider = {
  name: 'clock',
  call: (call) => new Promise((resolve) => setTimeout(() => resolve(null), Number(call.args))),
};

function appSource(version: string): string {
  return `import sdk from '@switchboard/sdk';
let counter = 0;
const call = async (cap: string, args: unknown) => JSON.parse(await sdk.hostCall(cap, 'call', JSON.stringify(args)));
export default {
  version: () => '${version}',
  count: () => ++counter,
  async step(p: { n: number; ms: number }) {
    await call('trace', 'start' + p.n);
    await call('clock', p.ms);
    await call('trace', 'end' + p.n);
    return p.n;
  },
  async gated(p: { gate: string }) { await call('gate', { gate: p.gate }); return '${version}:' + p.gate; },
  boom() { throw new Error('boom'); },
  spin() { for (;;) {} },
  bomb() { const keep: number[][] = []; for (;;) keep.push(new Array(1_000_000).fill(1.5)); },
  forever: () => new Promise(() => {}),
  async scoped() { return call('scopes', null); },
  async denied() { return call('secrets', null); },
  async failing() { return call('failing', null); },
  async many() { const all = []; for (let i = 0; i < 60; i++) all.push(call('trace', 'm' + i).catch((e: Error) => e.message)); return (await Promise.all(all)).filter((x) => typeof x === 'string').length; },
  hello(_p: unknown, meta: { sessionKey: string }) { sdk.log('warn', 'hello from ' + meta.sessionKey); return 'hi'; },
};`;
}

const bundles = new Map<string, Awaited<ReturnType<typeof buildApp>>>();
async function bundleOf(version: string, manifest: Parameters<typeof buildApp>[1] = {}): Promise<Awaited<ReturnType<typeof buildApp>>> {
  const key = `${version}:${JSON.stringify(manifest)}`;
  let bundle = bundles.get(key);
  if (bundle === undefined) {
    bundle = await buildApp(appSource(version), {
      name: 'svc',
      version,
      permissions: ['trace', 'clock', 'gate', 'scopes:a.example', 'scopes:b.example', 'failing'],
      limits: { memoryMb: 16 },
      ...manifest,
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

const runtimes: AppRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  trace.length = 0;
});

// 'fast-path': in-process with the opt-in fast path from the first entry (no probation), so
// every behaviour below is also checked with sync entries on this thread.
describe.each(['in-process', 'fast-path', 'worker'] as const)('AppRuntime (%s)', (variant) => {
  const hosting = variant === 'worker' ? 'worker' : 'in-process';
  function start(options: Partial<AppRuntimeOptions> = {}, logger: Logger = silentLogger): { runtime: AppRuntime; gates: Gates } {
    const gates = new Gates();
    const runtime = new AppRuntime({
      logger,
      hosting,
      ...(variant === 'fast-path' ? { fastPath: { probationEntries: 0 } } : {}),
      workers: 2,
      capabilities: [
        traceProvider,
        clockProvider,
        gates,
        { name: 'scopes', call: (call) => [...call.scopes] },
        {
          name: 'failing',
          call: () => {
            throw new Error('store unavailable');
          },
        },
        { name: 'secrets', call: () => 'top secret' },
      ],
      ...options,
    });
    runtimes.push(runtime);
    return { runtime, gates };
  }

  const send = (runtime: AppRuntime, name: string, sessionKey: string, payload: Cloneable = null): Promise<DispatchResult> =>
    runtime.dispatch('svc', { name, sessionKey, payload });

  it('serialises the events of one session across awaits and interleaves different sessions', async () => {
    const { runtime } = start();
    await runtime.deploy(await bundleOf('1.0.0'));
    const results = await Promise.all([
      send(runtime, 'step', 'A', { n: 1, ms: 40 }),
      send(runtime, 'step', 'A', { n: 2, ms: 0 }),
      send(runtime, 'step', 'A', { n: 3, ms: 0 }),
      send(runtime, 'step', 'B', { n: 1, ms: 0 }),
    ]);
    expect(results.map((result) => result.ok && result.value)).toEqual([1, 2, 3, 1]);
    const a = trace.filter((line) => line.startsWith('A:'));
    expect(a).toEqual(['A:start1', 'A:end1', 'A:start2', 'A:end2', 'A:start3', 'A:end3']);
    // B ran while A's first event was waiting on its host call.
    expect(trace.indexOf('B:end1')).toBeLessThan(trace.indexOf('A:end1'));
  });

  it('reports time and version with each result', async () => {
    const { runtime } = start();
    await runtime.deploy(await bundleOf('1.0.0'));
    const result = await send(runtime, 'count', 'k');
    expect(result).toMatchObject({ ok: true, value: 1, version: '1.0.0' });
    expect(result.ok && result.cpuMs).toBeGreaterThan(0);
    expect(result.ok && result.wallMs).toBeGreaterThanOrEqual(result.ok ? result.cpuMs * 0.5 : 0);
  });

  it('redeploy: sessions stay on their version until ended, new sessions get the new version', async () => {
    const { runtime, gates } = start();
    const v1 = await runtime.deploy(await bundleOf('1.0.0'));
    expect(v1.handlers).toContain('gated');
    const inFlight = send(runtime, 'gated', 'call-1', { gate: 'g1' });
    const queued = send(runtime, 'gated', 'call-1', { gate: 'g2' });
    await eventually(() => gates.waiting('g1') === 1);

    await runtime.deploy(await bundleOf('2.0.0'));
    expect(await send(runtime, 'version', 'call-2')).toMatchObject({ ok: true, value: '2.0.0' });
    expect(await send(runtime, 'version', 'call-1-other')).toMatchObject({ ok: true, value: '2.0.0' });
    expect(runtime.status('svc')?.versions.map((v) => [v.version, v.current])).toEqual([
      ['1.0.0', false],
      ['2.0.0', true],
    ]);

    gates.open('g1');
    gates.open('g2');
    expect(await inFlight).toMatchObject({ ok: true, value: '1.0.0:g1', version: '1.0.0' });
    expect(await queued).toMatchObject({ ok: true, value: '1.0.0:g2', version: '1.0.0' });
    // Still pinned: the session has not ended.
    expect(await send(runtime, 'version', 'call-1')).toMatchObject({ ok: true, value: '1.0.0' });

    expect(runtime.endSession('svc', 'call-1')).toBe(true);
    expect(runtime.endSession('svc', 'call-1')).toBe(false);
    // The old version is drained and disposed; the key starts a new session on 2.0.0.
    expect(runtime.status('svc')?.versions.map((v) => v.version)).toEqual(['2.0.0']);
    expect(await send(runtime, 'version', 'call-1')).toMatchObject({ ok: true, value: '2.0.0' });
  });

  it('events queued behind endSession still run on the old version', async () => {
    const { runtime, gates } = start();
    await runtime.deploy(await bundleOf('1.0.0'));
    const first = send(runtime, 'gated', 'k', { gate: 'end-1' });
    const second = send(runtime, 'version', 'k');
    await eventually(() => gates.waiting('end-1') === 1);
    await runtime.deploy(await bundleOf('2.0.0'));
    runtime.endSession('svc', 'k');
    const third = send(runtime, 'version', 'k');
    gates.open('end-1');
    expect((await first).ok && (await first).version).toBe('1.0.0');
    expect(await second).toMatchObject({ ok: true, value: '1.0.0' });
    expect(await third).toMatchObject({ ok: true, value: '2.0.0' });
  });

  it('refuses a bundle that throws, loops or exhausts memory at load, keeping the old version', async () => {
    const { runtime } = start({ loadTimeoutMs: 200 });
    await runtime.deploy(await bundleOf('1.0.0'));
    const sources = [
      `throw new Error('missing config');\nexport default { version: () => 'bad' };`,
      `for (;;) {}\nexport default { version: () => 'bad' };`,
      `const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(1));\nexport default { version: () => 'bad' };`,
      `export default { notAHandler: 1 };`,
    ];
    const messages: string[] = [];
    for (const source of sources) {
      const bad = await buildApp(source, { name: 'svc', version: '9.9.9', limits: { memoryMb: 16 } });
      const error = await runtime.deploy(bad).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DeployError);
      messages.push((error as DeployError).message);
      expect(await send(runtime, 'version', `after-${messages.length}`)).toMatchObject({ ok: true, value: '1.0.0' });
    }
    expect(messages[0]).toMatch(/svc" 9\.9\.9 was refused[\s\S]*Error: missing config/);
    expect(messages[1]).toMatch(/top-level code ran longer than 200 ms/);
    // On a loaded box the bomb's slow garbage collections may reach the (wall-clock) load timeout first.
    expect(messages[2]).toMatch(/memory limit of 16 MB while loading|top-level code ran longer than 200 ms/);
    expect(messages[3]).toMatch(/exports no event handlers/);
    expect(runtime.status('svc')?.versions.map((v) => v.version)).toEqual(['1.0.0']);
  });

  it('disables an app after N faults in the window until it is redeployed, and logs each fault with the app name', async () => {
    const { logger, lines } = captureLogger();
    const { runtime } = start({ faultLimit: { maxFaults: 3, windowMs: 60_000 } }, logger);
    await runtime.deploy(await bundleOf('1.0.0'));
    expect(await send(runtime, 'nope', 'k')).toMatchObject({ ok: false, fault: 'unhandled' });
    expect(await send(runtime, 'boom', 'k')).toMatchObject({ ok: false, fault: 'error', message: 'Error: boom' });
    expect(await send(runtime, 'spin', 'k')).toMatchObject({ ok: false, fault: 'timeout' });
    expect(runtime.status('svc')?.disabled).toBe(false);
    expect(await send(runtime, 'boom', 'other')).toMatchObject({ ok: false, fault: 'error' });
    expect(runtime.status('svc')).toMatchObject({ disabled: true, recentFaults: 3 });
    expect(await send(runtime, 'count', 'k')).toMatchObject({ ok: false, fault: 'disabled' });

    const faults = lines.filter((line) => line.msg.startsWith('app event faulted'));
    expect(faults.map((line) => [line.app, line.fault])).toEqual([
      ['svc', 'error'],
      ['svc', 'timeout'],
      ['svc', 'error'],
    ]);
    expect(lines.some((line) => line.app === 'svc' && /disabled after repeated faults/.test(line.msg))).toBe(true);

    await runtime.deploy(await bundleOf('1.0.1'));
    expect(await send(runtime, 'version', 'fresh')).toMatchObject({ ok: true, value: '1.0.1' });
    expect(runtime.status('svc')).toMatchObject({ disabled: false, recentFaults: 0 });
  });

  it('fails queued events fast once the app is disabled', async () => {
    const { runtime, gates } = start({ faultLimit: { maxFaults: 1, windowMs: 60_000 } });
    await runtime.deploy(await bundleOf('1.0.0'));
    const blocker = send(runtime, 'gated', 'k', { gate: 'd' });
    const queued = send(runtime, 'count', 'k');
    await eventually(() => gates.waiting('d') === 1);
    expect(await send(runtime, 'boom', 'other')).toMatchObject({ fault: 'error' });
    gates.open('d');
    expect(await blocker).toMatchObject({ ok: true });
    expect(await queued).toMatchObject({ ok: false, fault: 'disabled' });
  });

  it('enforces the wall-clock budget on an event that never settles and frees its session', async () => {
    const { runtime, gates } = start();
    await runtime.deploy(await bundleOf('1.0.0', { limits: { memoryMb: 16, wallMsPerEvent: 100 } }));
    const never = send(runtime, 'forever', 'k');
    const blocked = send(runtime, 'gated', 'k2', { gate: 'never-opened' });
    const next = send(runtime, 'count', 'k');
    expect(await never).toMatchObject({ ok: false, fault: 'timeout', message: 'wall-clock budget of 100 ms per event exceeded' });
    expect(await blocked).toMatchObject({ ok: false, fault: 'timeout' });
    expect(await next).toMatchObject({ ok: true, value: 1 });
    // The late answer to the abandoned host call is dropped, not resumed.
    gates.open('never-opened');
    expect(await send(runtime, 'count', 'k2')).toMatchObject({ ok: true, value: 2 });
  });

  it('recreates the isolate from the bundle after an OOM; other events in flight end as disposed', async () => {
    const { runtime, gates } = start({ oomBackoffMs: 0 });
    // A CPU budget that leaves V8 time to collect garbage near the limit, so the bomb hits memory first.
    await runtime.deploy(await bundleOf('1.0.0', { limits: { memoryMb: 16, cpuMsPerEvent: 2000 } }));
    expect(await send(runtime, 'count', 'k')).toMatchObject({ ok: true, value: 1 });
    const waiting = send(runtime, 'gated', 'other', { gate: 'oom' });
    await eventually(() => gates.waiting('oom') === 1);
    expect(await send(runtime, 'bomb', 'k')).toMatchObject({ ok: false, fault: 'memory' });
    expect(await waiting).toMatchObject({ ok: false, fault: 'disposed' });
    // Fresh isolate: module state starts over.
    expect(await send(runtime, 'count', 'k')).toMatchObject({ ok: true, value: 1 });
  });

  it("refuses an app's events for a moment after it ran out of memory (oomBackoffMs), then serves them again", async () => {
    let clock = 1_000_000;
    const { runtime } = start({ now: () => clock, oomBackoffMs: 1000 });
    await runtime.deploy(await bundleOf('1.0.0', { limits: { memoryMb: 16, cpuMsPerEvent: 2000 } }));
    expect(await send(runtime, 'bomb', 'k')).toMatchObject({ ok: false, fault: 'memory' });
    // Refused without running (no new isolate, no new fault counted).
    expect(await send(runtime, 'count', 'other')).toMatchObject({ ok: false, fault: 'memory', message: expect.stringContaining('ran out of memory just before') });
    clock += 999;
    expect(await send(runtime, 'count', 'other')).toMatchObject({ ok: false, fault: 'memory' });
    clock += 1;
    expect(await send(runtime, 'count', 'other')).toMatchObject({ ok: true, value: 1 });
    expect(runtime.status('svc')?.recentFaults).toBe(1);
  });

  it('routes host calls only to granted capabilities, with their scopes', async () => {
    const { runtime } = start({ maxHostCallsPerEvent: 50 });
    await runtime.deploy(await bundleOf('1.0.0'));
    expect(await send(runtime, 'scoped', 'k')).toMatchObject({ ok: true, value: ['a.example', 'b.example'] });
    expect(await send(runtime, 'denied', 'k')).toMatchObject({
      ok: false,
      fault: 'error',
      message: 'Error: capability "secrets" is not granted to app "svc"; add it to "permissions" in manifest.json',
    });
    expect(await send(runtime, 'failing', 'k')).toMatchObject({ ok: false, fault: 'error', message: 'Error: store unavailable' });
    expect(await send(runtime, 'many', 'k')).toMatchObject({ ok: true, value: 10 });
  });

  it('refuses new sessions beyond maxSessions until one ends', async () => {
    const { runtime } = start();
    await runtime.deploy(await bundleOf('1.0.0', { limits: { memoryMb: 16, maxSessions: 2 } }));
    expect(await send(runtime, 'count', 'a')).toMatchObject({ ok: true });
    expect(await send(runtime, 'count', 'b')).toMatchObject({ ok: true });
    expect(await send(runtime, 'count', 'c')).toMatchObject({ ok: false, fault: 'overloaded' });
    expect(await send(runtime, 'count', 'a')).toMatchObject({ ok: true });
    runtime.endSession('svc', 'a');
    expect(await send(runtime, 'count', 'c')).toMatchObject({ ok: true });
    expect(runtime.status('svc')?.sessions).toBe(2);
  });

  it('undeploy ends events in flight as disposed; later events find no app', async () => {
    const { runtime, gates } = start();
    await runtime.deploy(await bundleOf('1.0.0'));
    const inFlight = send(runtime, 'gated', 'k', { gate: 'u' });
    const queued = send(runtime, 'count', 'k');
    await eventually(() => gates.waiting('u') === 1);
    expect(await runtime.undeploy('svc')).toBe(true);
    expect(await inFlight).toMatchObject({ ok: false, fault: 'disposed' });
    expect(await queued).toMatchObject({ ok: false, fault: 'disposed' });
    expect(await send(runtime, 'count', 'k')).toMatchObject({ ok: false, fault: 'not-found' });
    expect(await runtime.undeploy('svc')).toBe(false);
    expect(runtime.list()).toEqual([]);
  });

  it('tags app log lines with app, version and session', async () => {
    const { logger, lines } = captureLogger();
    const { runtime } = start({}, logger);
    await runtime.deploy(await bundleOf('1.0.0'));
    expect(await send(runtime, 'hello', 'call-9')).toMatchObject({ ok: true });
    expect(lines.find((line) => line.msg === 'hello from call-9')).toMatchObject({
      app: 'svc',
      version: '1.0.0',
      sessionKey: 'call-9',
      event: 'hello',
      source: 'app',
      level: 40,
    });
  });

  it('rejects an uncloneable payload as the caller’s error without counting it against the app', async () => {
    const { runtime } = start({ faultLimit: { maxFaults: 1, windowMs: 60_000 } });
    await runtime.deploy(await bundleOf('1.0.0'));
    const result = await send(runtime, 'count', 'k', { fn: () => 1 } as unknown as Cloneable);
    expect(result).toMatchObject({ ok: false, fault: 'error', message: expect.stringMatching(/payload cannot be copied/) });
    expect(runtime.status('svc')?.disabled).toBe(false);
  });

  it('reports memory statistics of an idle app', async () => {
    const { runtime } = start();
    await runtime.deploy(await bundleOf('1.0.0'));
    const memory = await runtime.memory('svc');
    expect(memory?.usedHeapBytes).toBeGreaterThan(100_000);
    expect(memory?.heapLimitBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(await runtime.memory('nope')).toBeUndefined();
  });
});

describe('AppRuntime basics', () => {
  it('answers not-found for an app that was never deployed', async () => {
    const runtime = new AppRuntime({ logger: silentLogger });
    runtimes.push(runtime);
    expect(await runtime.dispatch('ghost', { name: 'x', sessionKey: 'k', payload: null })).toEqual({
      ok: false,
      fault: 'not-found',
      message: 'no app "ghost" is deployed',
    });
    expect(runtime.hosting).toBe('in-process');
  });

  it('refuses a bundle whose manifest is invalid', async () => {
    const runtime = new AppRuntime({ logger: silentLogger });
    runtimes.push(runtime);
    const bundle = await bundleOf('1.0.0');
    await expect(
      runtime.deploy({ ...bundle, manifest: { ...bundle.manifest, limits: { ...bundle.manifest.limits, memoryMb: 100_000 } } }),
    ).rejects.toThrow(DeployError);
  });
});
