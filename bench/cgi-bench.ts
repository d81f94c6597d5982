/**
 * SIP-CGI invocation latency (issue 6 target: p50 added latency under 5 ms for a trivial script).
 *
 * Four paths, interleaved in every round so that a busy machine slows them alike:
 * - floor: a bare child_process.spawn of the script (pipes, no limits, no parsing);
 * - invoker: CgiInvoker.invoke — own process group, timeout, output cap, concurrency slot;
 * - engine: CgiEngine.handleRequest for an INVITE whose domain has the script (lookup,
 *   environment, run, parse, plan, 200 OK built);
 * - baseline: the same call for a domain without a script.
 * The script is `#!/bin/sh` + `echo "SIP/2.0 200 OK"`, run with the environment of a real INVITE
 * and its SDP on stdin. Then throughput with 8 invocations in flight.
 * Run: `npm run build && node dist/bench/cgi-bench.js`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildEnvironment, CgiEngine, CgiInvoker } from '../platform/cgi/index.js';
import { silentLogger } from '../platform/log/logger.js';
import { parseMessage, type SipRequest } from '../platform/sip/index.js';

const INVITE =
  'INVITE sip:bob@bench.example SIP/2.0\r\n' +
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKbench1\r\n' +
  'Max-Forwards: 70\r\n' +
  'From: Alice <sip:alice@example.org>;tag=a1\r\n' +
  'To: Bob <sip:bob@bench.example>\r\n' +
  'Call-ID: bench-1@192.0.2.10\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Contact: <sip:alice@192.0.2.10:5060>\r\n' +
  'Content-Type: application/sdp\r\n' +
  'Content-Length: 36\r\n\r\n' +
  'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\n';

const SERVER = { name: 'sip.example.com', software: 'Switchboard/0.1.0' };

function invite(host: string): SipRequest {
  const { message } = parseMessage(Buffer.from(INVITE.replace(/bench\.example/g, host)));
  if (!message || message.kind !== 'request') throw new Error('benchmark INVITE did not parse');
  return message;
}

export interface Summary {
  p50: number;
  p99: number;
  mean: number;
}

function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: at(50), p99: at(99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

export interface CgiBenchResult {
  floor: Summary;
  invoke: Summary;
  /** The same invoker forking from this process instead of the resident spawner. */
  inProcess: Summary;
  spawn: Summary;
  engine: Summary;
  baseline: Summary;
  perSecond: number;
}

export async function runCgiBench(rounds = 1000, warmup = 50): Promise<CgiBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'sipcgi-bench-'));
  try {
    mkdirSync(join(root, 'domains'));
    const script = join(root, 'domains', 'bench.example.sh');
    writeFileSync(script, '#!/bin/sh\necho "SIP/2.0 200 OK"\n');
    chmodSync(script, 0o755);
    const invoker = new CgiInvoker({ logger: silentLogger, maxConcurrent: 16, maxQueue: 1024, timeoutMs: 5000 });
    const inProcessInvoker = new CgiInvoker({ logger: silentLogger, maxConcurrent: 16, maxQueue: 1024, timeoutMs: 5000, spawner: false });
    const engine = new CgiEngine({ logger: silentLogger, cgiBin: root, server: SERVER, invoker });
    const { env, stdin } = buildEnvironment({ message: invite('bench.example'), server: SERVER, peer: { remoteAddress: '192.0.2.10', localPort: 5060 } });

    const floor = (): Promise<void> =>
      new Promise((resolve) => {
        const child = spawn(script, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        child.stdin.on('error', () => undefined);
        child.stdin.end(stdin);
        child.stdout.resume();
        child.stderr.resume();
        child.on('close', () => resolve());
      });
    const spawnTimes: number[] = [];
    const invoke = async (): Promise<void> => {
      const result = await invoker.invoke({ script, env, stdin });
      if (!result.ok) throw new Error(`benchmark script failed: ${result.failure.detail}`);
      if (result.timing.spawnMs !== undefined) spawnTimes.push(result.timing.spawnMs);
    };
    const invokeInProcess = async (): Promise<void> => {
      const result = await inProcessInvoker.invoke({ script, env, stdin });
      if (!result.ok) throw new Error(`benchmark script failed: ${result.failure.detail}`);
    };
    let tx = 0;
    const handle = (host: string) => async (): Promise<void> => {
      const txId = `tx-${tx++}`;
      const decision = await engine.handleRequest(invite(host), { txId, remoteAddress: '192.0.2.10', localPort: 5060 });
      if (host === 'bench.example' && decision.steps[0]?.kind !== 'respond') throw new Error('engine did not answer');
      engine.endTransaction(txId);
    };
    const paths: Array<[string, () => Promise<void>]> = [
      ['floor', floor],
      ['invoke', invoke],
      ['inProcess', invokeInProcess],
      ['engine', handle('bench.example')],
      ['baseline', handle('noscript.example')],
    ];
    const samples = new Map<string, number[]>(paths.map(([name]) => [name, []]));
    for (let round = 0; round < rounds + warmup; round++) {
      for (const [name, run] of paths) {
        const start = performance.now();
        await run();
        if (round >= warmup) samples.get(name)!.push(performance.now() - start);
      }
    }

    let done = 0;
    const started = performance.now();
    const until = started + 2000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < until) {
          await invoker.invoke({ script, env, stdin });
          done++;
        }
      }),
    );
    const perSecond = (done * 1000) / (performance.now() - started);
    invoker.close();
    return {
      floor: summarize(samples.get('floor')!),
      invoke: summarize(samples.get('invoke')!),
      inProcess: summarize(samples.get('inProcess')!),
      spawn: summarize(spawnTimes.slice(warmup)),
      engine: summarize(samples.get('engine')!),
      baseline: summarize(samples.get('baseline')!),
      perSecond,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const ms = (value: number): string => value.toFixed(2);

export async function main(): Promise<void> {
  const cpu = cpus()[0]?.model ?? 'unknown';
  // CGI_BENCH_BALLAST_MB: touched memory that gives this process a server-like resident set, since
  // fork() from it costs more the bigger it is (the server idles at about 120 MB).
  const ballast = Array.from({ length: Number(process.env.CGI_BENCH_BALLAST_MB ?? 64) }, () => Buffer.alloc(1 << 20, 1));
  const rss = (process.memoryUsage().rss / 1048576).toFixed(0);
  console.log(`SIP-CGI: trivial /bin/sh script (node ${process.version}, ${cpus().length} CPUs, ${cpu}, load average ${loadavg()[0]!.toFixed(2)}, this process ${rss} MB resident with ${ballast.length} MB ballast)`);
  const r = await runCgiBench();
  const row = (label: string, s: Summary): string => `| ${label} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} |`;
  console.log('| path | p50 ms | p99 ms | mean ms |');
  console.log('|---|---:|---:|---:|');
  console.log(row('floor: bare child_process.spawn → close', r.floor));
  console.log(row('CgiInvoker.invoke via the resident spawner (spawn → exit → output read)', r.invoke));
  console.log(row('CgiInvoker.invoke forking from this process (spawner: false)', r.inProcess));
  console.log(row('  of which spawn (call → process running)', r.spawn));
  console.log(row('CgiEngine.handleRequest with the script', r.engine));
  console.log(row('CgiEngine.handleRequest, no script (baseline)', r.baseline));
  console.log(
    `added latency p50 (engine − baseline): ${ms(r.engine.p50 - r.baseline.p50)} ms; invoker overhead over the floor p50: ${ms(r.invoke.p50 - r.floor.p50)} ms; ` +
      `throughput, 8 in flight: ${Math.round(r.perSecond)} invocations/s`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
