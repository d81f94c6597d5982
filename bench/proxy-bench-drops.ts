/**
 * Datagrams the kernel dropped at each socket of a benchmark step (the `drops` column of
 * /proc/net/udp: a full receive buffer). A failed call in the benchmark is most often one lost
 * 180 or 200, and this tells whose socket lost it: the caller's, the callee's or the proxy's.
 * Sampled every 250 ms because the caller's socket is gone once its SIPp exits.
 */
import { readFileSync } from 'node:fs';

function dropsByPort(): Map<number, number> {
  const drops = new Map<number, number>();
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const dropped = fields[12];
      if (local === undefined || dropped === undefined) continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      drops.set(port, (drops.get(port) ?? 0) + Number(dropped));
    }
  }
  return drops;
}

/** Starts watching `ports` (name → UDP port); `stop()` gives each one's drops since the start. */
export function watchUdpDrops(ports: Record<string, number>): { stop(): Record<string, number> } {
  const before = dropsByPort();
  const last = new Map<string, number>();
  const sample = (): void => {
    const now = dropsByPort();
    for (const [name, port] of Object.entries(ports)) {
      const value = now.get(port);
      if (value !== undefined) last.set(name, value - (before.get(port) ?? 0));
    }
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Object.fromEntries(Object.keys(ports).map((name) => [name, last.get(name) ?? 0]));
    },
  };
}
