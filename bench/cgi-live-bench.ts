/**
 * SIP-CGI on live calls (issue 6 §5 and its targets), in one run through the real SIP pipeline
 * (the in-process registrar + stateful proxy of test/support/proxy-server.ts with the SIP-CGI
 * engine built by createCgiEngine, as `switchboard start` builds it), SIPp as caller and phone:
 *
 * 1. Added latency: INVITE → 180 at the caller (SIPp -trace_msg, µs stamps) for calls through a
 *    trivial shell script (`echo "CGI-PROXY-REQUEST $REQUEST_URI SIP/2.0"`: one run per call,
 *    then proxied to the callee's registered phone) against calls to a callee without a script
 *    on the same server; interleaved rounds at a fixed rate, p50/p99 of all samples.
 * 2. Calls/s: as many calls as the server takes with a fixed number in flight, same two callees.
 * 3. Hanging scripts: 50 calls to a script that sleeps past its timeout (all 50 running at
 *    once), and meanwhile the latency of other calls (no script, and trivial script) is measured
 *    again and compared with the same measurement before and after the hang.
 * 4. Calls through the script alternately without and with 50 hanging scripts (A/B pairs).
 *
 * Run: npm run build && node dist/bench/cgi-live-bench.js [--calls N] [--rounds N] [--rate N]
 *      [--tput-calls N] [--limit N] [--hang-ms N] [--ab N]   (or `node bench/run.js cgi-live`).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createCgiEngine, type CgiServiceEngine } from '../platform/cgi/index.js';
import { silentLogger } from '../platform/log/logger.js';
import { freePort } from '../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../test/support/proxy-server.js';
import { benchScenarioDir, exited, inviteToRinging, startSipp, type SippProcess } from './proxy-bench-sipp.js';

const DOMAIN = 'sb.test';
const HOUR_MS = 3_600_000;
const HANGING = 50;
/** The e2e caller that accepts a 504 (the hanging script's timeout) as the end of a call. */
const ANY_FINAL = fileURLToPath(new URL('../../test/e2e/scenarios/cgi-uac-any.xml', import.meta.url));

interface Latency {
  samples: number[];
  failed: number;
}

interface Percentiles {
  p50: number;
  p99: number;
  n: number;
}

function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return { p50: at(50), p99: at(99), n: sorted.length };
}

/** Run SIPp as the caller in a scratch folder; the final statistics screen and traces are read. */
async function sippCaller(args: string[]): Promise<{ stdout: string; files: (suffix: string) => string; elapsedMs: number; done: () => void }> {
  const workDir = mkdtempSync(join(tmpdir(), 'cgi-live-bench-'));
  const started = performance.now();
  const child = spawn('sipp', [...args, '-nostdin'], { cwd: workDir, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('latin1')).slice(-20_000)));
  await exited(child);
  const elapsedMs = performance.now() - started;
  const files = (suffix: string): string =>
    readdirSync(workDir)
      .filter((name) => name.endsWith(suffix))
      .map((name) => readFileSync(join(workDir, name), 'latin1'))
      .join('\n');
  return { stdout, files, elapsedMs, done: () => rmSync(workDir, { recursive: true, force: true }) };
}

function lastNumber(stdout: string, label: string): number | undefined {
  const matches = [...stdout.matchAll(new RegExp(`${label}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`, 'gu'))];
  const last = matches.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

const callArgs = (remote: string, callee: string): string[] => [
  '-sf', join(benchScenarioDir, 'uac-call.xml'), '-i', '127.0.0.1', '-t', 'u1',
  '-key', 'callee', callee, '-key', 'domain', DOMAIN, '-recv_timeout', '8000', '-timeout', '120s', '-timeout_error', remote,
];

/** `calls` calls at `rate`/s; INVITE → 180 of each, ms. */
async function latencyRound(remote: string, callee: string, calls: number, rate: number): Promise<Latency> {
  const run = await sippCaller([...callArgs(remote, callee), '-p', String(await freePort()), '-m', String(calls), '-r', String(rate), '-l', String(calls), '-trace_msg']);
  const samples = inviteToRinging(run.files('_messages.log'));
  const successful = lastNumber(run.stdout, 'Successful call') ?? 0;
  run.done();
  return { samples, failed: calls - successful };
}

/** `calls` calls with at most `limit` in flight, as fast as they complete. */
async function throughputRound(remote: string, callee: string, calls: number, limit: number): Promise<{ perSecond: number; failed: number }> {
  const run = await sippCaller([...callArgs(remote, callee), '-p', String(await freePort()), '-m', String(calls), '-r', '5000', '-l', String(limit)]);
  const successful = lastNumber(run.stdout, 'Successful call') ?? 0;
  run.done();
  return { perSecond: successful / (run.elapsedMs / 1000), failed: calls - successful };
}

function script(root: string, name: string, text: string): void {
  const path = join(root, 'users', name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '–');

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const calls = flag('--calls', 300);
  const rounds = flag('--rounds', 3);
  // Well below what the script path sustains on a busy 2-CPU machine (~50–170 calls/s): at
  // saturation the latency would measure queueing, not the script.
  const rate = flag('--rate', 20);
  const tputCalls = flag('--tput-calls', 2000);
  const limit = flag('--limit', 16);
  const hangMs = flag('--hang-ms', 20_000);

  const cgiBin = mkdtempSync(join(tmpdir(), 'cgi-live-bench-bin-'));
  mkdirSync(join(cgiBin, 'users'));
  script(cgiBin, `scripted@${DOMAIN}.sh`, '#!/bin/sh\necho "CGI-PROXY-REQUEST $REQUEST_URI SIP/2.0"\necho\n');
  script(cgiBin, `hang@${DOMAIN}.sh`, '#!/bin/sh\nsleep 600\n');

  const uasPort = await freePort();
  let uas: SippProcess | undefined;
  let server: ProxyServer | undefined;
  let cgi: CgiServiceEngine | undefined;
  try {
    uas = startSipp('uas-answer.xml', uasPort);
    // 50 hanging scripts plus room for the other scripted calls; the timeout is the hang's length.
    cgi = createCgiEngine({ cgiBin, timeoutMs: hangMs, maxConcurrent: HANGING + 32, maxQueue: 256 }, silentLogger, { serverName: DOMAIN });
    server = await startProxyServer({ domains: [DOMAIN], authenticateRequests: false, engines: [cgi] });
    for (const user of ['plain', 'scripted']) {
      await server.store.users.add({ username: user, domain: DOMAIN, password: `pw-${user}` });
      await server.store.bindings.upsert({ aor: `${user}@${DOMAIN}`, contactUri: `sip:${user}@127.0.0.1:${uasPort}`, expiresAt: Date.now() + HOUR_MS, callId: `bench-${user}`, cseq: 1, path: [] });
    }
    const remote = `127.0.0.1:${server.port}`;
    await sleep(300); // the phone binds
    const configs = [
      { name: 'no script', callee: 'plain' },
      { name: 'trivial shell script', callee: 'scripted' },
    ];
    console.log(`\nSIP-CGI on live calls — ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

    // Warm-up: JIT, SQLite page cache, the script folder listing.
    for (const c of configs) await latencyRound(remote, c.callee, 100, 100);

    // 1. Added latency, interleaved rounds.
    const latency = new Map<string, Latency>(configs.map((c) => [c.name, { samples: [], failed: 0 }]));
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) {
        const round = await latencyRound(remote, c.callee, calls, rate);
        const total = latency.get(c.name)!;
        total.samples.push(...round.samples);
        total.failed += round.failed;
      }
    }
    const base = percentiles(latency.get('no script')!.samples);
    const scripted = percentiles(latency.get('trivial shell script')!.samples);
    console.log(`\n1. INVITE → 180 at the caller, ${rounds} interleaved rounds × ${calls} calls at ${rate} calls/s (ms)`);
    console.log('| callee | p50 | p99 | samples | failed |');
    console.log('|---|---:|---:|---:|---:|');
    for (const c of configs) {
      const p = percentiles(latency.get(c.name)!.samples);
      console.log(`| ${c.name} | ${ms(p.p50)} | ${ms(p.p99)} | ${p.n} | ${latency.get(c.name)!.failed} |`);
    }
    console.log(`| **added by the script** | **${ms(scripted.p50 - base.p50)}** | ${ms(scripted.p99 - base.p99)} | | |`);

    // 2. Calls/s with `limit` calls in flight (median of interleaved rounds).
    const tput = new Map<string, Array<{ perSecond: number; failed: number }>>();
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) tput.set(c.name, [...(tput.get(c.name) ?? []), await throughputRound(remote, c.callee, tputCalls, limit)]);
    }
    console.log(`\n2. Calls/s, ${tputCalls} calls per round with at most ${limit} in flight, median of ${rounds} interleaved rounds`);
    console.log('| callee | calls/s | failed |');
    console.log('|---|---:|---:|');
    for (const c of configs) {
      const list = tput.get(c.name) ?? [];
      const sorted = list.map((x) => x.perSecond).sort((a, b) => a - b);
      console.log(`| ${c.name} | ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)} | ${list.reduce((n, x) => n + x.failed, 0)} |`);
    }

    // 3. 50 scripts hang until their timeout; other calls meanwhile.
    // Both callees measured within the hang: 2 × other / rate must stay under the timeout.
    const other = Math.min(calls, Math.floor(((hangMs / 1000 - 4) * rate) / 2));
    const before = new Map<string, Latency>();
    for (const c of configs) before.set(c.name, await latencyRound(remote, c.callee, other, rate));
    const engine = cgi.engine;
    /** 50 calls whose scripts hang; resolves once they all run, with the callers' run (which
     *  ends when the timeout's 504s have come). Wrapped: an async function would wait for it. */
    const startHang = async (): Promise<{ run: ReturnType<typeof sippCaller> }> => {
      const hanging = sippCaller([
        '-sf', ANY_FINAL, '-i', '127.0.0.1', '-t', 'u1', '-p', String(await freePort()), '-key', 'callee', 'hang', '-key', 'domain', DOMAIN,
        '-m', String(HANGING), '-r', String(HANGING * 4), '-l', String(HANGING), '-timeout', `${Math.ceil(hangMs / 1000) + 30}s`, '-timeout_error', remote,
      ]);
      const t0 = performance.now();
      while (engine.invoker.running < HANGING && performance.now() - t0 < 5000) await sleep(20);
      return { run: hanging };
    };
    const hangStarted = performance.now();
    const hanging = await startHang();
    const hungAtStart = cgi.engine.invoker.running;
    const during = new Map<string, Latency>();
    for (const c of configs) during.set(c.name, await latencyRound(remote, c.callee, other, rate));
    const hungAtEnd = cgi.engine.invoker.running;
    const measuredWithin = performance.now() - hangStarted;
    const hang = await hanging.run;
    const timedOut = lastNumber(hang.stdout, 'Successful call') ?? 0; // each call ended by the 504
    hang.done();
    // After the hang: tells the hang's effect from the machine's other load of the moment.
    const after = new Map<string, Latency>();
    for (const c of configs) after.set(c.name, await latencyRound(remote, c.callee, other, rate));
    console.log(
      `\n3. ${HANGING} calls to a script that sleeps past its ${hangMs / 1000} s timeout: ${hungAtStart} scripts running when measuring started, ` +
        `${hungAtEnd} still running when it ended (${(measuredWithin / 1000).toFixed(1)} s after the hang began); ` +
        `${timedOut}/${HANGING} callers got the 504 after ${(hang.elapsedMs / 1000).toFixed(1)} s`,
    );
    console.log(`Other calls, ${other} each at ${rate} calls/s, INVITE → 180 (ms):`);
    console.log('| callee | before p50 | before p99 | during p50 | during p99 | after p50 | after p99 | failed during |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of configs) {
      const b = percentiles(before.get(c.name)!.samples);
      const d = percentiles(during.get(c.name)!.samples);
      const a = percentiles(after.get(c.name)!.samples);
      console.log(`| ${c.name} | ${ms(b.p50)} | ${ms(b.p99)} | ${ms(d.p50)} | ${ms(d.p99)} | ${ms(a.p50)} | ${ms(a.p99)} | ${during.get(c.name)!.failed} |`);
    }

    // 4. The same question for calls through a script, as an A/B: alternately without and with
    //    50 hanging scripts, so that the machine's other load spreads over both alike.
    const pairs = flag('--ab', 2);
    const ab = { without: [] as number[], with: [] as number[], failed: 0 };
    for (let i = 0; i < pairs; i++) {
      const free = await latencyRound(remote, 'scripted', other, rate);
      ab.without.push(...free.samples);
      const hang = await startHang();
      const busy = await latencyRound(remote, 'scripted', other, rate);
      ab.with.push(...busy.samples);
      ab.failed += free.failed + busy.failed;
      (await hang.run).done();
    }
    const w = percentiles(ab.without);
    const h = percentiles(ab.with);
    console.log(`\n4. Calls through the trivial script, ${pairs} alternating pairs of ${other} calls at ${rate} calls/s, INVITE → 180 (ms)`);
    console.log('| | p50 | p99 | samples |');
    console.log('|---|---:|---:|---:|');
    console.log(`| no script hanging | ${ms(w.p50)} | ${ms(w.p99)} | ${w.n} |`);
    console.log(`| ${HANGING} scripts hanging | ${ms(h.p50)} | ${ms(h.p99)} | ${h.n} |`);
    console.log(`failed: ${ab.failed}`);
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await server?.stop();
    await uas?.stop();
    rmSync(cgiBin, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
