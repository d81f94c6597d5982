/**
 * CPU time of the proxy under test, from /proc (Linux): user + system time of one process (the
 * Switchboard child, all its threads) or of a whole process group (Kamailio: main process and
 * the workers it forked). On a machine shared with other jobs, CPU time per call is steadier
 * than the highest passing rate: other load delays the proxy but does not add to its CPU time.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim();
    ticksPerSecond = Number(out) > 0 ? Number(out) : 100;
  }
  return ticksPerSecond;
}

/** [pgrp, utime + stime in ticks] of one /proc/<pid>/stat, or undefined when it is gone. */
function readStat(pid: string): [number, number] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
  return [Number(fields[2]), Number(fields[11]) + Number(fields[12])];
}

/** CPU milliseconds used so far by process `pid`, or by every process of group `pid`. */
export function cpuMs(pid: number, group = false): number {
  let ticks = 0;
  if (!group) {
    ticks = readStat(String(pid))?.[1] ?? 0;
  } else {
    for (const entry of readdirSync('/proc')) {
      if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
      const stat = readStat(entry);
      if (stat && stat[0] === pid) ticks += stat[1];
    }
  }
  return (ticks * 1000) / clockTicks();
}
