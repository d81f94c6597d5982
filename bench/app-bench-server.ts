/**
 * The Switchboard side of the app benchmark (app-bench.ts), in its own process started with
 * `--no-node-snapshot` (isolated-vm) and `--expose-gc`: the in-process registrar + proxy of
 * test/support with the app engine in its engine list, answering the harness over IPC:
 *
 *   { op: 'start', uasPort }      → { port }     bob@sb.test registered at the SIPp UAS; no app yet
 *   { op: 'deploy' }              → {}           the trivial proxying app: onInvite → req.proxy(req.uri)
 *   { op: 'undeploy' }            → {}
 *   { op: 'crossing', rounds }    → Crossing     engine.decide into the app and back, and the raw dispatch
 *   { op: 'idle', count }         → IdleApps     RSS and heap per idle app (count apps deployed, then removed)
 *   { op: 'stop' }                → {}
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppRuntime, bundleApp, type AppBundle } from '../platform/container/index.js';
import { silentLogger } from '../platform/log/logger.js';
import type { ServiceCall } from '../platform/services/index.js';
import { createAppEngine, capabilityProviders, createCapabilityContainer, createMemoryKv, sdkEntryPath, type AppEngine } from '../platform/sdk/host/index.js';
import { parseMessage, SipRequest } from '../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../test/support/proxy-server.js';
import { BENCH_CALLEE, BENCH_DOMAIN } from './proxy-bench-protocol.js';
import { RUNAWAY_CALLEE, type AppBenchRequest, type Crossing, type IdleApps } from './app-bench-protocol.js';

const TRIVIAL = `import { defineApp } from '@switchboard/sdk';
export default defineApp({ onInvite(req) { return req.proxy(req.uri); } });`;
const RUNAWAY = {
  spin: `import { defineApp } from '@switchboard/sdk';
export default defineApp({ onInvite() { for (;;) {} } });`,
  bomb: `import { defineApp } from '@switchboard/sdk';
export default defineApp({ onInvite() { const keep: number[][] = []; for (;;) keep.push(new Array(1_000_000).fill(1.5)); } });`,
};
const IDLE = `import { defineApp } from '@switchboard/sdk';
export default defineApp({ onMessage(req, ctx) { ctx.session.set('n', 1); req.reply(200); } });`;

let server: ProxyServer | undefined;
let runtime: AppRuntime | undefined;
let engine: AppEngine | undefined;

async function build(name: string, source: string, limits?: { memoryMb: number; cpuMsPerEvent: number }): Promise<AppBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'app-bench-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), source);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', entry: 'src/index.ts', ...(limits ? { limits } : {}) }));
  return bundleApp(dir, { sdkEntry: sdkEntryPath() });
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

function invite(i: number): ServiceCall {
  const text =
    `INVITE sip:${BENCH_CALLEE}@${BENCH_DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx${i}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@outside.test>;tag=f${i}\r\nTo: <sip:${BENCH_CALLEE}@${BENCH_DOMAIN}>\r\nCall-ID: crossing-${i}\r\nCSeq: 1 INVITE\r\n` +
    `Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest) || server === undefined) throw new Error('not started');
  return { request: message, direction: 'terminating', aor: `${BENCH_CALLEE}@${BENCH_DOMAIN}`, source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host: server.serviceHost };
}

function stats(samples: number[]): { median: number; p99: number } {
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1] ?? 0, p99: samples[Math.floor(samples.length * 0.99)] ?? 0 };
}

async function crossing(rounds: number): Promise<Crossing> {
  if (engine === undefined || runtime === undefined) throw new Error('not started');
  // engine.decide: the request event in, a proxy decision out; then the success outcome event.
  const decide: number[] = [];
  const outcome: number[] = [];
  // Parsing the SIP text is not part of the crossing: the requests are parsed before the clock starts.
  const calls = Array.from({ length: rounds + 500 }, (_, i) => invite(i));
  for (let i = 0; i < calls.length; i++) {
    const t0 = process.hrtime.bigint();
    const decision = await engine.decide(calls[i]!);
    const t1 = process.hrtime.bigint();
    if (decision.kind !== 'proxy' || decision.onOutcome === undefined) throw new Error(`trivial app decided ${decision.kind}`);
    await decision.onOutcome({ kind: 'success', status: 200 });
    const t2 = process.hrtime.bigint();
    if (i >= 500) {
      decide.push(Number(t1 - t0) / 1000);
      outcome.push(Number(t2 - t1) / 1000);
    }
  }
  // The runtime's dispatch alone (no SDK, no wire validation): an event the app has no handler for.
  const raw: number[] = [];
  for (let i = 0; i < rounds + 500; i++) {
    const t0 = process.hrtime.bigint();
    await runtime.dispatch('trivial', { name: 'ping', sessionKey: `raw-${i}`, payload: { i } });
    if (i >= 500) raw.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return { decide: stats(decide), outcome: stats(outcome), raw: stats(raw) };
}

async function idle(count: number): Promise<IdleApps> {
  if (runtime === undefined) throw new Error('not started');
  const bundles = await Promise.all(Array.from({ length: count }, (_, i) => build(`idle-${i}`, IDLE)));
  collect();
  const before = process.memoryUsage();
  for (const bundle of bundles) await runtime.deploy(bundle);
  collect();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = process.memoryUsage();
  let isolateHeap = 0;
  let isolateTotal = 0;
  for (const bundle of bundles) {
    const memory = await runtime.memory(bundle.manifest.name);
    isolateHeap += memory?.usedHeapBytes ?? 0;
    isolateTotal += memory?.totalHeapBytes ?? 0;
  }
  for (const bundle of bundles) await runtime.undeploy(bundle.manifest.name);
  return {
    count,
    rssPerApp: (after.rss - before.rss) / count,
    heapPerApp: (after.heapUsed - before.heapUsed) / count,
    externalPerApp: (after.external - before.external) / count,
    isolateUsedPerApp: isolateHeap / count,
    isolateTotalPerApp: isolateTotal / count,
  };
}

async function handle(request: AppBenchRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      // As the server runs by default: the fast path (platform/container README);
      // APP_BENCH_FAST_PATH=0: every entry through isolated-vm's thread pool.
      const fastPath = process.env.APP_BENCH_FAST_PATH !== '0';
      // The runaway app must keep misbehaving for the whole measurement: no quarantine.
      runtime = new AppRuntime({
        logger: silentLogger,
        fastPath,
        faultLimit: { maxFaults: 1_000_000, windowMs: 1 },
        capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv() })),
      });
      // Each app for its own user: the trivial one for the measured calls, the runaway for the other.
      engine = createAppEngine({
        runtime,
        logger: silentLogger,
        selection: [
          { app: 'trivial', users: [`${BENCH_CALLEE}@${BENCH_DOMAIN}`] },
          { app: 'runaway', users: [`${RUNAWAY_CALLEE}@${BENCH_DOMAIN}`] },
        ],
      });
      server = await startProxyServer({
        domains: [BENCH_DOMAIN],
        users: [
          { username: BENCH_CALLEE, password: 'bench-secret' },
          { username: RUNAWAY_CALLEE, password: 'bench-secret' },
        ],
        authenticateRequests: false,
        engines: [engine],
      });
      await server.store.bindings.upsert({
        aor: `${BENCH_CALLEE}@${BENCH_DOMAIN}`,
        contactUri: `sip:${BENCH_CALLEE}@127.0.0.1:${request.uasPort}`,
        expiresAt: Date.now() + 3_600_000,
        callId: 'app-bench',
        cseq: 1,
        path: [],
      });
      return { port: server.port };
    }
    case 'deploy':
      await runtime?.deploy(await build('trivial', TRIVIAL));
      return {};
    case 'undeploy':
      await runtime?.undeploy('trivial');
      engine?.dropApp('trivial');
      return {};
    case 'runaway':
      if (request.kind === 'none') {
        await runtime?.undeploy('runaway');
        engine?.dropApp('runaway');
      } else {
        await runtime?.deploy(await build('runaway', RUNAWAY[request.kind], { memoryMb: 16, cpuMsPerEvent: 50 }));
      }
      return {};
    case 'crossing':
      return crossing(request.rounds);
    case 'idle':
      return idle(request.count);
    case 'stop':
      await server?.stop();
      engine?.close();
      await runtime?.close();
      return {};
  }
}

process.on('message', (request: AppBenchRequest) => {
  handle(request).then(
    (result) => {
      process.send?.({ ok: true, result });
      if (request.op === 'stop') process.disconnect();
    },
    (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
