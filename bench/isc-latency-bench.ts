/**
 * Added latency of an ISC round trip through Switchboard as a proxying AS (issue 7 target:
 * under 1 ms p50 at 500 calls/s):
 *
 *   npm run build && node bench/run.js isc-latency
 *
 * Knobs: ISC_BENCH_RATE (calls/s, 500), ISC_BENCH_CALLS (2500), ISC_BENCH_ENGINES=none (no
 * engine at all), ISC_BENCH_PROFILE=FILE (V8 CPU profile of the run through the AS). It also
 * prints this process's CPU time per call during that run. Numbers depend on a quiet machine:
 * SIPp, the AS and the reflector share the cores.
 *
 * SIPp plays the S-CSCF (isc-scscf-bench.xml). Per call, from SIPp's -trace_msg timestamps (µs):
 * INVITE sent → INVITE back received, plus 200 sent → 200 back received: the time the request
 * and the response spent crossing the AS, with SIPp's own send/receive path. The same scenario
 * through a trivial Node UDP reflector (adds/removes one Via line by string operations, no SIP
 * parsing) is the baseline — the loopback hop into a Node process and out again; the added
 * latency is the difference of the percentiles (Switchboard's own SIP work: parse, transaction,
 * stages, the engine, serialise, both ways). SIPp sent to itself is not usable as a baseline:
 * it takes its own INVITE for a retransmission. The AS runs the CPL engine with no script
 * for the served user (the engine is asked and continues), the ordinary ISC pass-through.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { relative } from 'node:path';
import { createCplEngine } from '../cpl/service/index.js';
import { silentLogger } from '../platform/log/logger.js';
import { openCplStore, type CplStore } from '../platform/store/cpl-store.js';
import { freePort } from '../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../test/support/proxy-server.js';
import { runSipp, scenarioDir, type SippRun } from '../test/support/sipp.js';
import { benchScenarioDir } from './proxy-bench-sipp.js';

const RATE = Number(process.env.ISC_BENCH_RATE ?? 500);
const CALLS = Number(process.env.ISC_BENCH_CALLS ?? 2500);

/** Per call: request leg + response leg, in microseconds. */
function crossings(run: SippRun): number[] {
  const calls = new Map<string, Record<string, number>>();
  const pattern = /-{10,} \d{4}-\d\d-\d\d\s+(\d\d):(\d\d):(\d\d)\.(\d{6})\s*\n(?:UDP) message (sent|received)[^\n]*\n+([^\n]+)\n[\s\S]*?Call-ID: ([^\r\n]+)/gu;
  for (const m of run.messages.matchAll(pattern)) {
    const [, h, min, s, us, direction, firstLine, callId] = m as unknown as string[];
    const t = ((Number(h) * 60 + Number(min)) * 60 + Number(s)) * 1e6 + Number(us);
    const kind = (firstLine ?? '').startsWith('INVITE ') ? 'invite' : (firstLine ?? '').startsWith('SIP/2.0 200') && !/CSeq: \d+ ACK/u.test(m[0]) ? 'ok' : undefined;
    if (!kind) continue;
    const entry = calls.get(callId as string) ?? {};
    const key = `${kind}-${direction}`;
    if (entry[key] === undefined) entry[key] = t;
    calls.set(callId as string, entry);
  }
  const out: number[] = [];
  for (const e of calls.values()) {
    const { 'invite-sent': a, 'invite-received': b, 'ok-sent': c, 'ok-received': d } = e;
    if (a !== undefined && b !== undefined && c !== undefined && d !== undefined) out.push(b - a + (d - c));
  }
  return out.sort((x, y) => x - y);
}
/** The baseline hop: a request is answered 100 (as the AS's INVITE server transaction does) and
 *  sent back with one Via line more; a response goes back with that Via line less. */
async function startReflector(): Promise<{ port: number; close(): void }> {
  const socket: Socket = createSocket('udp4');
  let n = 0;
  socket.on('message', (message, from) => {
    let text = message.toString('latin1');
    const port = socket.address().port;
    if (text.startsWith('SIP/2.0 ')) {
      text = text.replace(/\r\nVia: [^\r\n]*z9hG4bKrefl[^\r\n]*/u, '');
    } else {
      if (text.startsWith('INVITE ')) {
        const keep = text.split('\r\n').filter((line) => /^(Via|From|To|Call-ID|CSeq):/iu.test(line));
        socket.send(Buffer.from(['SIP/2.0 100 Trying', ...keep, 'Content-Length: 0', '', ''].join('\r\n'), 'latin1'), from.port, from.address);
      }
      text = text.replace('\r\n', `\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKrefl${++n}\r\n`);
    }
    socket.send(Buffer.from(text, 'latin1'), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, close: () => socket.close() };
}
/** ISC_BENCH_PROFILE=FILE: a V8 CPU profile of this process during the run through the AS. */
async function startProfiler(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function main(): Promise<void> {
  const scscfPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-isc-bench-'));
  const cplStore: CplStore = openCplStore({ dataDir, logger: silentLogger });
  const engine = createCplEngine({ scripts: cplStore.scripts, logs: cplStore.logs, logger: silentLogger });
  const server: ProxyServer = await startProxyServer({ domains: ['as.test'], engines: process.env.ISC_BENCH_ENGINES === 'none' ? [] : [engine], isc: { trustedScscf: [`127.0.0.1:${scscfPort}`] } });
  // runSipp resolves scenarios under test/e2e/scenarios; this one lives with the benchmarks.
  const scenario = relative(scenarioDir, join(benchScenarioDir, 'isc-scscf-bench.xml'));

  /** Per-call crossing times, and this process's CPU time per call (µs) during the run. */
  async function load(remotePort: number, route: string): Promise<{ times: number[]; cpuPerCall: number; failed: boolean }> {
    const cpu = process.cpuUsage();
    const run = await runSipp({
      scenario,
      remote: `127.0.0.1:${remotePort}`,
      localPort: scscfPort,
      calls: CALLS,
      rate: RATE,
      timeoutSeconds: 40,
      extraArgs: ['-key', 'ruri', 'sip:bob@ims.test', '-key', 'caller', 'alice@ims.test', '-key', 'route', route, '-l', '1000'],
    });
    const used = process.cpuUsage(cpu);
    // Under CPU contention SIPp retransmits and a few calls may fail on reordered 100/INVITE;
    // they are left out of the percentiles (the count is printed).
    return { times: crossings(run), cpuPerCall: Math.round((used.user + used.system) / CALLS), failed: run.exitCode !== 0 && run.exitCode !== 1 };
  }

  try {
    const odi = `<sip:odi_b3nch@127.0.0.1:${scscfPort};lr>`;
    const reflector = await startReflector();
    const { times: baseline } = await load(reflector.port, `<sip:127.0.0.1:${reflector.port};lr>, ${odi}`);
    reflector.close();
    const profiler = process.env.ISC_BENCH_PROFILE ? await startProfiler() : undefined;
    const { times: through, cpuPerCall, failed } = await load(server.port, `<sip:127.0.0.1:${server.port};lr>, ${odi}`);
    if (profiler) await profiler.stop(process.env.ISC_BENCH_PROFILE as string);
    const row = (name: string, v: number[]): string => `${name}: n=${v.length}/${CALLS} p50=${pct(v, 50)}µs p90=${pct(v, 90)}µs p99=${pct(v, 99)}µs max=${v.at(-1)}µs`;
    const added = pct(through, 50) - pct(baseline, 50);
    console.log(`\nISC round trip through Switchboard as a proxying AS, ${RATE} calls/s (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`${row('baseline (Node UDP reflector)', baseline)}\n${row('through the AS', through)}`);
    console.log(`added p50=${added}µs p90=${pct(through, 90) - pct(baseline, 90)}µs (target p50 < 1000µs); Switchboard CPU ${cpuPerCall}µs per call${failed ? '; SIPp reported errors' : ''}`);
  } finally {
    await server.stop();
    cplStore.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
