/**
 * Stall tracer for the proxy benchmark's Switchboard process (PROXY_BENCH_STALLS=1): a 1-ms
 * interval timer records every gap of this thread over STALL_MS, with the thread's own
 * /proc/…/schedstat delta (time on a CPU vs runnable and waiting for one) and the GC pauses
 * that ended inside the gap. Printed to stderr when the server stops. It tells a tail-latency
 * stall caused by this process's work (on CPU, GC) from one caused by the machine (waiting).
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const STALL_MS = Number(process.env.PROXY_BENCH_STALLS) || 10;

interface Stall {
  at: number;
  gapMs: number;
  onCpuMs: number;
  waitingMs: number;
  gcMs: number;
  gcKinds: string;
}

function schedstat(): [number, number] {
  const [run, wait] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
  return [run ?? 0, wait ?? 0];
}

const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-cb' };

export function traceStalls(): { report(): void } {
  const start = performance.now();
  const stalls: Stall[] = [];
  const gcs: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let lastSched = schedstat();
  const probe = setInterval(() => {
    const now = performance.now();
    const sched = schedstat();
    const gap = now - last;
    if (gap > STALL_MS) {
      const inside = gcs.filter((g) => g.startTime >= last && g.startTime < now);
      stalls.push({
        at: now - start,
        gapMs: gap,
        onCpuMs: (sched[0] - lastSched[0]) / 1e6,
        waitingMs: (sched[1] - lastSched[1]) / 1e6,
        gcMs: inside.reduce((sum, g) => sum + g.duration, 0),
        gcKinds: inside.map((g) => GC_KINDS[(g as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? '?').join('+'),
      });
    }
    if (gcs.length > 1000) gcs.splice(0, gcs.length - 100);
    last = now;
    lastSched = sched;
  }, 1);
  probe.unref();
  return {
    report() {
      clearInterval(probe);
      observer.disconnect();
      const lines = stalls.map(
        (s) =>
          `  stall at ${(s.at / 1000).toFixed(2)} s: ${s.gapMs.toFixed(1)} ms (on CPU ${s.onCpuMs.toFixed(1)}, waiting ${s.waitingMs.toFixed(1)}, GC ${s.gcMs.toFixed(1)} ${s.gcKinds})`,
      );
      process.stderr.write(`stalls over ${STALL_MS} ms: ${stalls.length}\n${lines.join('\n')}\n`);
    },
  };
}
