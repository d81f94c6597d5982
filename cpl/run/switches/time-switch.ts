/** time-switch (RFC 3880 §4.4): the time is taken when the node runs (cpl.md open point 9). */
import type { TimeSwitchNode } from '../../compile/compiled-script.js';
import { WEEKDAY_NAMES, formatFloating, weekdayOf } from '../../time/date-time.js';
import type { SwitchResult } from './switch-result.js';

/** §4.4: `not-present` "is never true for a time switch". */
export function evaluateTimeSwitch(node: TimeSwitchNode, now: number, trace: boolean): SwitchResult {
  for (const c of node.cases) {
    const occ = c.matcher.occurrenceAt(now);
    if (occ !== null) {
      if (!trace) return { branch: c, detail: '' };
      const z = c.matcher.zone;
      return { branch: c, detail: `${describeNow(now, node)} is within the period ${formatFloating(z.toFloating(occ.start))} to ${formatFloating(z.toFloating(occ.end))}` };
    }
  }
  return { branch: node.otherwise, detail: trace ? `${describeNow(now, node)} is in no <time> period` : '' };
}

function describeNow(now: number, node: TimeSwitchNode): string {
  const local = node.zone.toFloating(now);
  return `${WEEKDAY_NAMES[weekdayOf(local)] ?? ''} ${formatFloating(local)} (${node.floating ? `server zone ${node.zone.name}` : node.zone.name})`;
}
