/**
 * Is an instant inside one of the periods of a `<time>` output? (RFC 3880 §4.4, Appendix A.)
 *
 * Decisions, as recommended in cpl.md §4.4:
 * - Periods are half-open, [start, start + duration) (RFC 2445 DTEND is non-inclusive; App. A
 *   step 3 says "less than duration").
 * - The occurrence rules are applied to wall-clock fields in the switch's zone; each occurrence
 *   start is then mapped to an instant (zone.ts: RFC 5545 rules for repeated/missing local
 *   times). Nominal days/weeks of a duration are wall-clock days; hours/minutes/seconds exact.
 * - `dtstart` is always the first occurrence (App. A step 3; RFC 2445: "The 'DTSTART' property
 *   value ... counts as the first occurrence"), and `count` includes it.
 * - A UTC `dtstart` makes that `<time>` evaluate in UTC (cpl.md open point 16).
 * - `until` as a UTC date-time bounds the start instant; a floating date-time (allowed by
 *   RFC 5545 for floating dtstart) or a DATE bounds the wall-clock start (a DATE inclusively).
 */
import { type DateTimeValue } from './date-time.js';
import { maxDurationMs } from './duration.js';
import { RecurrenceBlocks, explicitOptions } from './rrule-blocks.js';
import type { Frequency, TimeRule } from './time-rule.js';
import { utcZone, type ZoneResolver } from './zone.js';
import rrulePkg from 'rrule';

const { RRule } = rrulePkg;
const DAY = 86_400_000;
/** Horizon when expanding a `count`-limited rule (a rule that never recurs must not spin). */
const COUNT_HORIZON_MS = 100 * 366 * DAY;

export interface Occurrence {
  /** Instant of the start and (exclusive) end. */
  readonly start: number;
  readonly end: number;
  /** Wall-clock start (floating ms) in the zone the rule is evaluated in. */
  readonly floating: number;
}

export interface TimeMatcher {
  /** The zone the rule is evaluated in (UTC for a UTC dtstart). */
  readonly zone: ZoneResolver;
  occurrenceAt(instant: number): Occurrence | null;
  /** The first occurrences (for upload checks and tests). */
  firstOccurrences(limit: number): Occurrence[];
  /** True if some block held an absurd number of occurrences. */
  readonly tooDense: boolean;
}

export function compileTimeMatcher(rule: TimeRule, switchZone: ZoneResolver): TimeMatcher {
  const zone = rule.dtstart.utc ? utcZone() : switchZone;
  const toInstant = (v: DateTimeValue): number => (v.utc ? v.floating : switchZone.toInstant(v.floating));
  const dt = rule.dtstart.floating;
  const dtInstant = zone.toInstant(dt);

  // Length of one occurrence: nominal days + exact milliseconds.
  let days = 0;
  let exact = 0;
  if (rule.duration !== null) {
    days = rule.duration.days;
    exact = rule.duration.ms;
  } else if (rule.dtend !== null) {
    if (rule.dtend.utc === rule.dtstart.utc) {
      const diff = rule.dtend.floating - dt;
      days = Math.floor(diff / DAY);
      exact = diff - days * DAY;
    } else {
      exact = toInstant(rule.dtend) - dtInstant;
    }
  }
  const maxDur = maxDurationMs({ days, ms: exact });
  const endOf = (floating: number, instant: number): number => (days === 0 ? instant + exact : zone.toInstant(floating + days * DAY) + exact);

  if (rule.freq === null) {
    const end = rule.dtend !== null ? toInstant(rule.dtend) : endOf(dt, dtInstant);
    const only: Occurrence = { start: dtInstant, end, floating: dt };
    return {
      zone,
      tooDense: false,
      occurrenceAt: (t) => (t >= only.start && t < only.end ? only : null),
      firstOccurrences: () => [only],
    };
  }

  const freqRule = rule as TimeRule & { readonly freq: Frequency };
  const until = rule.until;
  const untilOk = (floating: number, instant: number): boolean => {
    if (until === null) return true;
    if (until.utc) return instant <= until.floating;
    if (until.dateOnly) return floating < until.floating + DAY;
    return floating <= until.floating;
  };

  // `count`: expand once (dtstart counts as the first occurrence).
  let expanded: Float64Array | null = null;
  let blocks: RecurrenceBlocks | null = null;
  if (rule.count !== null) {
    const count = rule.count;
    const starts = new Set<number>([dt]);
    const rr = new RRule({ ...explicitOptions(freqRule), dtstart: new Date(dt), count });
    rr.between(new Date(dt), new Date(dt + COUNT_HORIZON_MS), true, (d) => {
      starts.add(d.getTime());
      return starts.size < count;
    });
    expanded = Float64Array.from([...starts].sort((a, b) => a - b).slice(0, count));
  } else {
    blocks = new RecurrenceBlocks(freqRule, maxDur + 4 * 3_600_000);
  }

  const startsBetween = (from: number, to: number): number[] => {
    if (expanded !== null) {
      const out: number[] = [];
      for (let i = upperBound(expanded, to) - 1; i >= 0; i--) {
        const s = expanded[i] ?? 0;
        if (s < from) break;
        out.push(s);
      }
      return out.reverse();
    }
    const list = (blocks as RecurrenceBlocks).between(from, to);
    if (dt >= from && dt <= to && list[0] !== dt) {
      list.push(dt);
      list.sort((a, b) => a - b);
    }
    return list;
  };

  const occurrenceAt = (t: number): Occurrence | null => {
    const local = zone.toFloating(t);
    const spread = offsetSpread(zone, t, maxDur);
    const starts = startsBetween(local - maxDur - spread, local + spread);
    for (let i = starts.length - 1; i >= 0; i--) {
      const s = starts[i] ?? 0;
      const start = zone.toInstant(s);
      if (start > t || !untilOk(s, start)) continue;
      const end = endOf(s, start);
      if (t < end) return { start, end, floating: s };
    }
    return null;
  };

  const firstOccurrences = (limit: number): Occurrence[] => {
    const out: Occurrence[] = [];
    let from = dt;
    // Windows grow from an hour to 90 days, so dense and sparse rules are both cheap to scan.
    for (let w = 3_600_000, round = 0; out.length < limit && round < 80; round++, w = Math.min(w * 2, 90 * DAY)) {
      for (const s of startsBetween(from, from + w - 1)) {
        const start = zone.toInstant(s);
        if (!untilOk(s, start)) return out;
        out.push({ start, end: endOf(s, start), floating: s });
        if (out.length >= limit) break;
      }
      from += w;
    }
    return out;
  };

  return {
    zone,
    get tooDense() {
      return blocks?.tooDense ?? false;
    },
    occurrenceAt,
    firstOccurrences,
  };
}

/**
 * How far wall-clock and UTC arithmetic can disagree around `t`: the spread of the zone's
 * offsets over the window an occurrence containing `t` could start in. Zero without a DST change.
 */
function offsetSpread(zone: ZoneResolver, t: number, maxDur: number): number {
  if (zone.name === 'UTC') return 0;
  const from = t - maxDur - DAY;
  const to = t + DAY;
  let lo = zone.offsetAt(t);
  let hi = lo;
  const step = Math.max(7 * DAY, (to - from) / 60);
  for (let x = from; x < to; x += step) {
    const o = zone.offsetAt(x);
    if (o < lo) lo = o;
    if (o > hi) hi = o;
  }
  const o = zone.offsetAt(to);
  return Math.max(hi, o) - Math.min(lo, o);
}

function upperBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
