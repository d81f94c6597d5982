/**
 * Cost of one request crossing into an app's isolate and back (issue 5 target: < 100 µs), per
 * hosting variant, interleaved in one process so a shared machine's load hits every variant alike:
 * `npm run build && node bench/run.js crossing` (re-runs itself with --no-node-snapshot).
 *
 * Per round and variant: `engine.decide` of a parsed INVITE into the trivial proxying app
 * (`onInvite(req) { return req.proxy(req.uri); }`) and back (the request event; parsing the SIP
 * text is not part of the crossing and happens before the clock starts), its success outcome
 * event, and `runtime.dispatch` of an event the app has no handler for (the runtime alone, no
 * SDK). Variants: `pool` (default: isolated-vm's thread pool per entry), `fast` (`apps.fastPath`:
 * sync entries on the runtime thread while the app behaves), `worker` (worker-thread hosting).
 * Env: CROSSING_ROUNDS (default 5), CROSSING_N (per round, default 2000), CROSSING_VARIANTS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppRuntime, bundleApp, type AppBundle, type AppRuntimeOptions } from '../platform/container/index.js';
import { silentLogger } from '../platform/log/logger.js';
import type { ServiceCall, ServiceHost } from '../platform/services/index.js';
import { createAppEngine, capabilityProviders, createCapabilityContainer, createMemoryKv, sdkEntryPath, type AppEngine } from '../platform/sdk/host/index.js';
import { parseMessage, SipRequest } from '../platform/sip/index.js';

const TRIVIAL = `import { defineApp } from '@switchboard/sdk';
export default defineApp({ onInvite(req) { return req.proxy(req.uri); } });`;

const VARIANTS: Record<string, Pick<AppRuntimeOptions, 'hosting' | 'fastPath'>> = {
  pool: { hosting: 'in-process', fastPath: false },
  fast: { hosting: 'in-process', fastPath: true },
  worker: { hosting: 'worker' },
};

interface Variant {
  readonly name: string;
  readonly runtime: AppRuntime;
  readonly engine: AppEngine;
  readonly decide: number[];
  readonly outcome: number[];
  readonly raw: number[];
}

const host: ServiceHost = {
  lookup: () => Promise.resolve({ kind: 'not-ours' }),
  isLocalDomain: () => true,
  onRegistration: () => () => undefined,
} as unknown as ServiceHost;

function invite(i: number): ServiceCall {
  const text =
    `INVITE sip:bob@sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx${i}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@outside.test>;tag=f${i}\r\nTo: <sip:bob@sb.test>\r\nCall-ID: crossing-${i}\r\nCSeq: 1 INVITE\r\n` +
    `Contact: <sip:alice@127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('not a request');
  return { request: message, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host };
}

async function build(): Promise<{ bundle: AppBundle; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crossing-bench-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.ts'), TRIVIAL);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'trivial', version: '1.0.0', entry: 'src/index.ts' }));
  return { bundle: await bundleApp(dir, { sdkEntry: sdkEntryPath() }), dir };
}

async function round(variant: Variant, base: number, n: number, keep: boolean): Promise<void> {
  const calls = Array.from({ length: n }, (_, i) => invite(base + i));
  for (const call of calls) {
    const t0 = process.hrtime.bigint();
    const decision = await variant.engine.decide(call);
    const t1 = process.hrtime.bigint();
    if (decision.kind !== 'proxy' || decision.onOutcome === undefined) throw new Error(`${variant.name}: the trivial app decided ${decision.kind}`);
    await decision.onOutcome({ kind: 'success', status: 200 });
    const t2 = process.hrtime.bigint();
    if (keep) {
      variant.decide.push(Number(t1 - t0) / 1000);
      variant.outcome.push(Number(t2 - t1) / 1000);
    }
  }
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await variant.runtime.dispatch('trivial', { name: 'ping', sessionKey: `raw-${base + i}`, payload: { i } });
    if (keep) variant.raw.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return `median ${at(0.5).toFixed(0)} µs, p90 ${at(0.9).toFixed(0)}, p99 ${at(0.99).toFixed(0)}`;
}

async function run(): Promise<void> {
  const rounds = Number(process.env.CROSSING_ROUNDS ?? 5);
  const n = Number(process.env.CROSSING_N ?? 2000);
  const names = (process.env.CROSSING_VARIANTS ?? 'pool,fast').split(',').filter((name) => name in VARIANTS);
  const { bundle, dir } = await build();
  const variants: Variant[] = [];
  for (const name of names) {
    const runtime = new AppRuntime({ logger: silentLogger, ...VARIANTS[name], capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv() })) });
    await runtime.deploy(bundle);
    variants.push({ name, runtime, engine: createAppEngine({ runtime, logger: silentLogger }), decide: [], outcome: [], raw: [] });
  }
  const loadBefore = loadavg()[0] ?? 0;
  let base = 0;
  for (const variant of variants) await round(variant, (base += n), 500, false); // warm-up
  for (let r = 0; r < rounds; r++) for (const variant of variants) await round(variant, (base += n), n, true);
  const loadAfter = loadavg()[0] ?? 0;
  console.log(`\n== crossing into an app isolate and back (${rounds} rounds × ${n}, interleaved; load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)})`);
  for (const variant of variants) {
    console.log(`${variant.name.padEnd(6)} request (engine.decide): ${stats(variant.decide)}; outcome: ${stats(variant.outcome)}; runtime.dispatch alone: ${stats(variant.raw)}`);
    variant.engine.close();
    await variant.runtime.close();
  }
  rmSync(dir, { recursive: true, force: true });
}

export async function main(): Promise<void> {
  // isolated-vm on Node 20 needs V8's startup snapshot off: run in a child that has the flag.
  if (!process.execArgv.includes('--no-node-snapshot')) {
    const child = spawnSync(process.execPath, ['--no-node-snapshot', fileURLToPath(import.meta.url)], { stdio: 'inherit', env: process.env });
    if (child.status !== 0) throw new Error(`crossing bench failed (${child.status ?? child.signal})`);
    return;
  }
  await run();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.execArgv.includes('--no-node-snapshot')) await main();
