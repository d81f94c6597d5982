/**
 * Stall tracer for the proxy benchmark's Switchboard process (PROXY_BENCH_STALLS=<ms>): every
 * event-loop gap of this thread over that many ms (thread-stalls.ts: time on a CPU vs waiting
 * for one), with the GC pauses that started inside it. Printed to stderr when the server stops.
 * It tells a tail-latency stall caused by this process's work (on CPU, GC) from one caused by
 * the machine (waiting).
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { watchThreadStalls, type ThreadStall } from './thread-stalls.js';

const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-cb' };

export function traceStalls(thresholdMs: number): { report(): void } {
  const start = performance.now();
  const lines: string[] = [];
  const gcs: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    gcs.push(...list.getEntries());
    if (gcs.length > 1000) gcs.splice(0, gcs.length - 100);
  });
  observer.observe({ entryTypes: ['gc'] });
  const describe = (s: ThreadStall): string => {
    const inside = gcs.filter((g) => g.startTime >= s.from && g.startTime < s.to);
    const gcMs = inside.reduce((sum, g) => sum + g.duration, 0);
    const kinds = inside.map((g) => GC_KINDS[(g as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0] ?? '?').join('+');
    return `  stall at ${((s.to - start) / 1000).toFixed(2)} s: ${s.gapMs.toFixed(1)} ms (on CPU ${s.onCpuMs.toFixed(1)}, waiting ${s.waitingMs.toFixed(1)}, GC ${gcMs.toFixed(1)} ${kinds})`;
  };
  const stop = watchThreadStalls(thresholdMs, (stall) => lines.push(describe(stall)));
  return {
    report() {
      stop();
      observer.disconnect();
      process.stderr.write(`stalls over ${thresholdMs} ms: ${lines.length}\n${lines.join('\n')}\n`);
    },
  };
}
