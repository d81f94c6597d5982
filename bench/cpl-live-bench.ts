/**
 * CPL on live calls: calls/s of a SIPp call through the in-process registrar + proxy when the
 * callee's CPL script runs (address-switch on the caller's host → time-switch → location →
 * proxy), against the same call with no CPL engine at all and with the engine but no script
 * for the callee — in one run, interleaved rounds, medians (target: ≥ 90 %). Also the proxy
 * process's CPU time per call, and engine.decide alone without the network.
 *
 * SIPp (its own process) is the caller and the answering phone; the proxy runs in this
 * process, which does nothing else while a round runs. Kamailio's cpl-c is compared only when
 * the kamailio-cpl-modules package is installed (cplc.so); it is reported as skipped otherwise.
 *
 * Run: npm run build && node dist/bench/cpl-live-bench.js [--calls N] [--rounds N] [--limit N] [--only 0|1|2]
 * (or `node bench/run.js cpl-live`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCplEngine, CplScriptManager } from '../cpl/service/index.js';
import { silentLogger } from '../platform/log/logger.js';
import type { ServiceHost } from '../platform/services/index.js';
import { parseMessage, type SipRequest } from '../platform/sip/index.js';
import { openCplStore, type CplStore } from '../platform/store/cpl-store.js';
import { freePort } from '../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../test/support/proxy-server.js';

const DOMAIN = 'sb.test';
const HOUR_MS = 3_600_000;

/** Every day, all day, in Berlin: the time-switch is evaluated on every call and matches. */
const SCRIPT = `<?xml version="1.0" encoding="UTF-8"?>
<cpl xmlns="urn:ietf:params:xml:ns:cpl">
  <incoming>
    <address-switch field="origin" subfield="host">
      <address subdomain-of="outside.test">
        <time-switch tzid="Europe/Berlin">
          <time dtstart="20000103T000000" duration="PT24H" freq="weekly" byday="MO,TU,WE,TH,FR,SA,SU">
            <location url="sip:scripted@${DOMAIN}">
              <proxy timeout="10"/>
            </location>
          </time>
          <otherwise>
            <reject status="reject" reason="closed"/>
          </otherwise>
        </time-switch>
      </address>
      <otherwise>
        <reject status="reject" reason="unknown caller"/>
      </otherwise>
    </address-switch>
  </incoming>
</cpl>`;

interface Round {
  readonly name: string;
  readonly callsPerSecond: number;
  readonly failed: number;
  /** CPU time of this process (the proxy; the harness idles) per successful call. */
  readonly cpuMicrosPerCall: number;
}

function scenario(name: string): string {
  const candidates = [
    fileURLToPath(new URL(`../../test/e2e/scenarios/${name}`, import.meta.url)), // dist/bench
    fileURLToPath(new URL(`../test/e2e/scenarios/${name}`, import.meta.url)), // bench (sources)
    join(process.cwd(), 'test/e2e/scenarios', name),
  ];
  for (const path of candidates) if (existsSync(path)) return path;
  throw new Error(`cpl-live-bench: scenario ${name} not found`);
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
}

function lastNumber(text: string, label: string): number | undefined {
  const matches = [...text.matchAll(new RegExp(`${label}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`, 'gu'))];
  const last = matches.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

/** `calls` calls to `callee` as fast as the proxy takes them (up to `limit` at once). */
async function uacRound(remote: string, callee: string, calls: number, limit: number): Promise<Omit<Round, 'name'>> {
  const workDir = mkdtempSync(join(tmpdir(), 'cpl-live-bench-'));
  const args = ['-sf', scenario('uac-call.xml'), '-i', '127.0.0.1', '-p', String(await freePort()), '-t', 'u1', '-m', String(calls), '-r', '2000', '-l', String(limit),
    '-key', 'callee', callee, '-key', 'domain', DOMAIN, '-recv_timeout', '8000', '-timeout', '120s', '-timeout_error', '-nostdin', remote];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('latin1')).slice(-20_000)));
  await exited(child);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  rmSync(workDir, { recursive: true, force: true });
  const successful = lastNumber(stdout, 'Successful call') ?? 0;
  return {
    callsPerSecond: successful / seconds,
    failed: lastNumber(stdout, 'Failed call') ?? calls - successful,
    cpuMicrosPerCall: successful > 0 ? (cpu.user + cpu.system) / successful : 0,
  };
}

/** Median µs of one engine.decide (plus the success outcome) for an INVITE to `aor`, no network. */
async function decideMicros(engine: ReturnType<typeof createCplEngine>, aor: string): Promise<number> {
  const text = `INVITE sip:${aor} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nFrom: <sip:caller@outside.test>;tag=1\r\nTo: <sip:${aor}>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  const host: ServiceHost = { lookup: async () => ({ kind: 'no-bindings' }), isLocalDomain: () => true, onRegistration: () => () => undefined };
  const samples: number[] = [];
  for (let batch = 0; batch < 25; batch++) {
    const requests = Array.from({ length: 400 }, () => parseMessage(Buffer.from(text)).message as SipRequest);
    const t0 = performance.now();
    for (const request of requests) {
      const decision = await engine.decide({ request, direction: 'terminating', aor, source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host });
      if (decision.kind === 'proxy') await decision.onOutcome?.({ kind: 'success', status: 200 });
    }
    if (batch >= 5) samples.push(((performance.now() - t0) * 1000) / requests.length);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

async function bind(server: ProxyServer, user: string, uasPort: number): Promise<void> {
  await server.store.users.add({ username: user, domain: DOMAIN, password: `pw-${user}` });
  await server.store.bindings.upsert({ aor: `${user}@${DOMAIN}`, contactUri: `sip:${user}@127.0.0.1:${uasPort}`, expiresAt: Date.now() + HOUR_MS, callId: `bench-${user}`, cseq: 1, path: [] });
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const flag = (name: string, fallback: number): number => {
    const at = argv.indexOf(name);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  const calls = flag('--calls', 2000);
  const rounds = flag('--rounds', 5);
  // Each call lasts ≥ 200 ms (the scenario pauses before BYE), so `limit` concurrent calls cap
  // the rate at 5 × limit calls/s: 400 keeps that cap far above what the proxy sustains here.
  const limit = flag('--limit', 400);

  const uasPort = await freePort();
  const uasDir = mkdtempSync(join(tmpdir(), 'cpl-live-bench-uas-'));
  const uas = spawn('sipp', ['-sf', scenario('uas-answer.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-t', 'u1', '-nostdin'], { cwd: uasDir, stdio: ['ignore', 'ignore', 'ignore'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'cpl-live-bench-store-'));
  let cpl: CplStore | undefined;
  const servers: ProxyServer[] = [];
  try {
    cpl = openCplStore({ dataDir, logger: silentLogger });
    const engine = createCplEngine({ scripts: cpl.scripts, logs: cpl.logs, logger: silentLogger });
    const upload = await new CplScriptManager(cpl.scripts, { cache: engine.cache }).upload(`scripted@${DOMAIN}`, SCRIPT);
    if (!upload.ok) throw new Error(`bench script rejected: ${upload.errors.map((e) => e.message).join('; ')}`);

    const bare = await startProxyServer({ domains: [DOMAIN], authenticateRequests: false });
    const withCpl = await startProxyServer({ domains: [DOMAIN], authenticateRequests: false, engines: [engine] });
    servers.push(bare, withCpl);
    for (const server of servers) {
      await bind(server, 'plain', uasPort);
      await bind(server, 'scripted', uasPort);
    }
    const allConfigs = [
      { name: 'no CPL engine', remote: `127.0.0.1:${bare.port}`, callee: 'plain' },
      { name: 'CPL engine, callee without script', remote: `127.0.0.1:${withCpl.port}`, callee: 'plain' },
      { name: 'CPL script (address-switch + time-switch + proxy)', remote: `127.0.0.1:${withCpl.port}`, callee: 'scripted' },
    ];
    // `--only N` runs one configuration (for profiling with node --cpu-prof).
    const only = flag('--only', -1);
    const configs = only >= 0 ? allConfigs.slice(only, only + 1) : allConfigs;
    // Warm-up: JIT, SQLite page cache, compiled script in the engine's cache.
    for (const c of configs) await uacRound(c.remote, c.callee, 200, limit);
    const results = new Map<string, Array<Omit<Round, 'name'>>>();
    for (let r = 0; r < rounds; r++) {
      for (const c of configs) {
        const list = results.get(c.name) ?? [];
        list.push(await uacRound(c.remote, c.callee, calls, limit));
        results.set(c.name, list);
      }
    }
    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? 0;
    };
    const summary: Round[] = configs.map((c) => {
      const list = results.get(c.name) ?? [];
      return {
        name: c.name,
        callsPerSecond: median(list.map((x) => x.callsPerSecond)),
        cpuMicrosPerCall: median(list.map((x) => x.cpuMicrosPerCall)),
        failed: list.reduce((n, x) => n + x.failed, 0),
      };
    });
    const baseline = summary[0]?.callsPerSecond ?? 1;
    const baseCpu = summary[0]?.cpuMicrosPerCall ?? 1;
    console.log(`\nCPL on live calls (${calls} calls per round, ${rounds} interleaved rounds, at most ${limit} at once; medians)`);
    console.log('| configuration | calls/s | vs no CPL | proxy CPU µs/call | vs no CPL | failed |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const round of summary) {
      console.log(
        `| ${round.name} | ${round.callsPerSecond.toFixed(0)} | ${((round.callsPerSecond / baseline) * 100).toFixed(1)} % | ${round.cpuMicrosPerCall.toFixed(0)} | ${((round.cpuMicrosPerCall / baseCpu) * 100).toFixed(1)} % | ${round.failed} |`,
      );
    }
    console.log(
      `\nengine.decide per INVITE, no network (median of batches): script ${(await decideMicros(engine, `scripted@${DOMAIN}`)).toFixed(1)} µs, ` +
        `callee without script ${(await decideMicros(engine, `plain@${DOMAIN}`)).toFixed(1)} µs`,
    );
    const kamailioCpl = ['/usr/lib/x86_64-linux-gnu/kamailio/modules/cplc.so', '/usr/lib/kamailio/modules/cplc.so'].some((p) => existsSync(p));
    console.log(kamailioCpl ? 'Kamailio cplc.so found but the comparison is not wired yet.' : 'Kamailio cpl-c: skipped (kamailio-cpl-modules / cplc.so not installed).');
  } finally {
    for (const server of servers) await server.stop();
    cpl?.close();
    if (uas.exitCode === null) uas.kill('SIGKILL');
    await exited(uas);
    rmSync(uasDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
