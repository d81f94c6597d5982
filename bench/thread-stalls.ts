/**
 * Finds this thread's event-loop stalls: a 1-ms interval timer notes every gap over a
 * threshold, with the main thread's /proc/…/schedstat delta over the gap — time on a CPU and
 * time runnable but waiting for one. Waiting ≈ the gap means the kernel had no CPU for the
 * thread (oversubscription), not that the thread was busy. Used by the loop-gap bench and the
 * proxy bench's stall tracer.
 */
import { readFileSync } from 'node:fs';

export interface ThreadStall {
  /** performance.now() at the start and the end of the gap. */
  from: number;
  to: number;
  gapMs: number;
  onCpuMs: number;
  waitingMs: number;
}

/** [ns on a CPU, ns runnable and waiting] of this process's main thread. */
function schedstat(): [number, number] {
  const [run, wait] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
  return [run ?? 0, wait ?? 0];
}

/** Calls `onStall` for every gap longer than `thresholdMs`; returns the function that stops watching. */
export function watchThreadStalls(thresholdMs: number, onStall: (stall: ThreadStall) => void): () => void {
  let last = performance.now();
  let lastSched = schedstat();
  const probe = setInterval(() => {
    const now = performance.now();
    const sched = schedstat();
    const gap = now - last;
    if (gap > thresholdMs) {
      onStall({ from: last, to: now, gapMs: gap, onCpuMs: (sched[0] - lastSched[0]) / 1e6, waitingMs: (sched[1] - lastSched[1]) / 1e6 });
    }
    last = now;
    lastSched = sched;
  }, 1);
  probe.unref();
  return () => clearInterval(probe);
}
