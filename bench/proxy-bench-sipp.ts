/**
 * SIPp as the load generator and the callee of the proxy benchmark: spawn, wait, read the
 * verdict (successful / failed calls from SIPp's final statistics screen) and, when asked, the
 * INVITE→180 delays from its message trace (-trace_msg stamps every message in µs; -trace_rtt
 * only has whole milliseconds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/**
 * SIPp's socket buffers (-buff_size; its default is 64 KiB). With the default, SIPp's own
 * sockets dropped datagrams whenever SIPp waited for a CPU on this 2-core machine, and each
 * lost 180 or 200 is a failed call (/proc/net/udp: 358–1,428 drops per 40-s step at 2,500
 * calls/s, none at the proxy). The proxy under test has 4 MiB (Kamailio: the kernel default).
 */
const SIPP_BUFFER_BYTES = 4 * 1024 * 1024;

/** The scenarios live beside the sources (bench/scenarios), also when run from dist/bench. */
export const benchScenarioDir = fileURLToPath(new URL('../../bench/scenarios/', import.meta.url));

export interface UacRun {
  exitCode: number;
  successful: number;
  failed: number;
  elapsedMs: number;
  /** INVITE sent → first 180 received, ms, one per call (only with `traceLatency`). */
  latenciesMs: number[];
  /** The same from SIPp's response-time log, whole milliseconds (only with `traceRtt`). */
  rttMs: number[];
  stdout: string;
}

export interface UacOptions {
  scenario: string;
  localPort: number;
  remote: string;
  calls: number;
  rate: number;
  callee: string;
  domain: string;
  /** -trace_msg: µs timestamps, but SIPp writes every message — use at low rates only. */
  traceLatency?: boolean;
  /** -trace_rtt: SIPp's own INVITE→180 timing (rtd 1), cheap at any rate, 1 ms resolution. */
  traceRtt?: boolean;
  /** Hard stop for the whole run, seconds. */
  timeoutSeconds: number;
}

function lastNumber(stdout: string, label: string): number | undefined {
  const lines = stdout.split('\n').filter((line) => line.trimStart().startsWith(label));
  const cells = lines.at(-1)?.split('|');
  const value = cells?.at(-1)?.trim();
  return value === undefined || value === '' ? undefined : Number(value);
}

/** INVITE→180 per Call-ID from a -trace_msg log (first INVITE sent, first 180 received). */
export function inviteToRinging(log: string): number[] {
  const sentAt = new Map<string, number>();
  const out: number[] = [];
  const done = new Set<string>();
  for (const block of log.split(/^-{20,} /m)) {
    const stamp = /^\d{4}-\d\d-\d\d (\d\d):(\d\d):(\d\d\.\d+)/.exec(block);
    if (!stamp) continue;
    const t = (Number(stamp[1]) * 3600 + Number(stamp[2]) * 60 + Number(stamp[3])) * 1000;
    const callId = /^Call-ID:\s*(\S+)/im.exec(block)?.[1];
    if (!callId) continue;
    if (/message sent[^\n]*\n\s*INVITE /.test(block)) {
      if (!sentAt.has(callId)) sentAt.set(callId, t);
    } else if (/message received[^\n]*\n\s*SIP\/2\.0 180 /.test(block) && !done.has(callId)) {
      const start = sentAt.get(callId);
      if (start !== undefined) {
        done.add(callId);
        out.push(t - start);
      }
    }
  }
  return out;
}

export async function runUac(options: UacOptions): Promise<UacRun> {
  const workDir = mkdtempSync(join(tmpdir(), 'proxy-bench-uac-'));
  const args = [
    '-sf', join(benchScenarioDir, options.scenario),
    '-key', 'callee', options.callee,
    '-key', 'domain', options.domain,
    '-i', '127.0.0.1', '-p', String(options.localPort), '-t', 'u1',
    '-buff_size', String(SIPP_BUFFER_BYTES),
    '-m', String(options.calls), '-r', String(options.rate), '-rp', '1000',
    '-l', String(Math.max(1000, options.rate * 20)),
    // A call fails when any expected message is 8 s late (retransmissions included).
    '-recv_timeout', '8000',
    '-timeout', `${options.timeoutSeconds}s`, '-timeout_error',
    '-nostdin',
    ...(options.traceLatency ? ['-trace_msg'] : []),
    ...(options.traceRtt ? ['-trace_rtt', '-rtt_freq', '100'] : []),
    options.remote,
  ];
  const started = performance.now();
  const child = spawn('sipp', args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  // Only the final screen matters; keep the tail so a long run does not pile up output.
  child.stdout.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString('latin1')).slice(-20_000)));
  child.stderr.resume();
  const exitCode = await exited(child);
  const elapsedMs = performance.now() - started;
  const read = (suffix: string): string =>
    readdirSync(workDir)
      .filter((name) => name.endsWith(suffix))
      .map((name) => readFileSync(join(workDir, name), 'latin1'))
      .join('\n');
  const latenciesMs = options.traceLatency ? inviteToRinging(read('_messages.log')) : [];
  // Rows `date_ms;response_time_ms;rtd_no`.
  const rttMs = options.traceRtt
    ? read('_rtt.csv')
        .split('\n')
        .map((line) => line.split(';'))
        .filter((cells) => cells[2]?.trim() === '1')
        .map((cells) => Number(cells[1]))
    : [];
  rmSync(workDir, { recursive: true, force: true });
  const successful = lastNumber(stdout, 'Successful call') ?? (exitCode === 0 ? options.calls : 0);
  const failed = lastNumber(stdout, 'Failed call') ?? (exitCode === 0 ? 0 : options.calls - successful);
  return { exitCode, successful, failed, elapsedMs, latenciesMs, rttMs, stdout };
}

export function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
}

/** A SIPp callee (or a UAC left running) that lives until `stop()`. */
export interface SippProcess {
  stop(): Promise<void>;
}

export function startSipp(scenario: string, localPort: number, extra: string[] = []): SippProcess {
  const workDir = mkdtempSync(join(tmpdir(), 'proxy-bench-sipp-'));
  const child = spawn(
    'sipp',
    ['-sf', join(benchScenarioDir, scenario), '-i', '127.0.0.1', '-p', String(localPort), '-t', 'u1', '-buff_size', String(SIPP_BUFFER_BYTES), '-nostdin', ...extra],
    { cwd: workDir, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  return {
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      await exited(child);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
