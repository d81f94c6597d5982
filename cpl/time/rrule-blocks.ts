/**
 * Occurrence starts of a recurrence, computed with `rrule` (a port of Python's dateutil, exact
 * for RFC 2445 expansion) over a bounded "block" of wall-clock time.
 *
 * rrule iterates from dtstart, which would cost O(occurrences since dtstart) per call. Instead
 * each block re-bases the rule on the start of a period that is in phase with `interval`
 * (a multiple of `interval` periods after dtstart's period) and makes every default that RFC 2445
 * takes from dtstart explicit ("missing components taken from dtstart", §4.4), so the re-based
 * rule yields exactly the original occurrences inside the block. Everything is in floating
 * milliseconds (zone.ts applies the zone afterwards).
 */
import rrulePkg, { type Options } from 'rrule';
import { weekdayOf } from './date-time.js';
import type { Frequency, TimeRule } from './time-rule.js';

const { RRule, Weekday } = rrulePkg;
type RRuleOptions = Partial<Options>;

const DAY = 86_400_000;
const FREQ_RANK: Record<Frequency, number> = { yearly: 0, monthly: 1, weekly: 2, daily: 3, hourly: 4, minutely: 5, secondly: 6 };

export type BlockUnit = 'minute' | 'hour' | 'day' | 'month' | 'year';
const UNIT_ORDER: readonly BlockUnit[] = ['minute', 'hour', 'day', 'month', 'year'];
const UNIT_LENGTH: Record<BlockUnit, number> = { minute: 60_000, hour: 3_600_000, day: DAY, month: 28 * DAY, year: 365 * DAY };
const NATURAL_UNIT: Record<Frequency, BlockUnit> = { secondly: 'minute', minutely: 'hour', hourly: 'day', daily: 'month', weekly: 'month', monthly: 'year', yearly: 'year' };

/** Most occurrences one block may hold before the rule counts as absurd (RFC 3880 §4.4.1). */
export const MAX_PER_BLOCK = 20_000;

export class RecurrenceBlocks {
  readonly unit: BlockUnit;
  /** Set when a block held more than MAX_PER_BLOCK occurrences. */
  tooDense = false;
  private readonly base: Omit<RRuleOptions, 'dtstart' | 'until'>;
  private readonly cache = new Map<number, Float64Array>();
  private readonly freq: Frequency;
  private readonly dtstart: number;
  private readonly interval: number;
  private readonly wkst: number;

  constructor(
    rule: TimeRule & { readonly freq: Frequency },
    /** Upper bound of one occurrence's length, to size blocks so a window spans few of them. */
    windowMs: number,
  ) {
    this.freq = rule.freq;
    this.dtstart = rule.dtstart.floating;
    this.base = explicitOptions(rule);
    this.interval = rule.interval;
    this.wkst = rule.wkst;
    let unit = NATURAL_UNIT[rule.freq];
    while (unit !== 'year' && windowMs / UNIT_LENGTH[unit] > 4) unit = UNIT_ORDER[UNIT_ORDER.indexOf(unit) + 1] ?? 'year';
    this.unit = unit;
  }

  /** Occurrence starts (floating ms, ascending) in [from, to], not before dtstart. */
  between(from: number, to: number): number[] {
    const out: number[] = [];
    for (let bs = blockStart(this.unit, from); bs <= to; bs = blockEnd(this.unit, bs)) {
      for (const t of this.block(bs)) if (t >= from && t <= to) out.push(t);
    }
    return out;
  }

  private block(bs: number): Float64Array {
    const hit = this.cache.get(bs);
    if (hit !== undefined) return hit;
    const be = blockEnd(this.unit, bs);
    const values = be <= this.dtstart ? new Float64Array(0) : this.generate(bs, be);
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value ?? bs);
    this.cache.set(bs, values);
    return values;
  }

  private generate(bs: number, be: number): Float64Array {
    const start = Math.max(this.alignedPeriodStart(bs), periodStart(this.freq, this.dtstart, this.wkst));
    const rule = new RRule({ ...this.base, dtstart: new Date(start), until: new Date(be - 1) });
    const out: number[] = [];
    rule.all((d, i) => {
      if (i >= MAX_PER_BLOCK) {
        this.tooDense = true;
        return false;
      }
      const t = d.getTime();
      if (t >= bs && t < be && t >= this.dtstart) out.push(t);
      return true;
    });
    return Float64Array.from(out);
  }

  /** Start of the latest period at or before `t` that is a multiple of `interval` after dtstart's. */
  private alignedPeriodStart(t: number): number {
    const n = this.interval;
    const wkst = this.wkst;
    const f = this.freq;
    if (f === 'yearly' || f === 'monthly') {
      const a = new Date(this.dtstart);
      const b = new Date(t);
      const pa = f === 'yearly' ? a.getUTCFullYear() : a.getUTCFullYear() * 12 + a.getUTCMonth();
      const pb = f === 'yearly' ? b.getUTCFullYear() : b.getUTCFullYear() * 12 + b.getUTCMonth();
      const p = pa + Math.floor((pb - pa) / n) * n;
      return f === 'yearly' ? Date.UTC(p, 0, 1) : Date.UTC(Math.floor(p / 12), p % 12, 1);
    }
    const length = f === 'weekly' ? 7 * DAY : f === 'daily' ? DAY : f === 'hourly' ? 3_600_000 : f === 'minutely' ? 60_000 : 1000;
    const pa = periodStart(f, this.dtstart, wkst);
    const pb = periodStart(f, t, wkst);
    return pa + Math.floor((pb - pa) / length / n) * n * length;
  }
}

/** Start of the freq period containing `t` (weeks start on `wkst`, Monday = 0). */
function periodStart(f: Frequency, t: number, wkst: number): number {
  const d = new Date(t);
  switch (f) {
    case 'yearly':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
    case 'monthly':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'weekly': {
      const day = Math.floor(t / DAY) * DAY;
      return day - ((weekdayOf(t) - wkst + 7) % 7) * DAY;
    }
    case 'daily':
      return Math.floor(t / DAY) * DAY;
    case 'hourly':
      return Math.floor(t / 3_600_000) * 3_600_000;
    case 'minutely':
      return Math.floor(t / 60_000) * 60_000;
    case 'secondly':
      return Math.floor(t / 1000) * 1000;
  }
}

export function blockStart(unit: BlockUnit, t: number): number {
  const d = new Date(t);
  switch (unit) {
    case 'minute':
      return Math.floor(t / 60_000) * 60_000;
    case 'hour':
      return Math.floor(t / 3_600_000) * 3_600_000;
    case 'day':
      return Math.floor(t / DAY) * DAY;
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
}

export function blockEnd(unit: BlockUnit, bs: number): number {
  const d = new Date(bs);
  switch (unit) {
    case 'minute':
      return bs + 60_000;
    case 'hour':
      return bs + 3_600_000;
    case 'day':
      return bs + DAY;
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  }
}

/** rrule options with every dtstart-derived default spelled out (dateutil's rules). */
export function explicitOptions(rule: TimeRule & { readonly freq: Frequency }): Omit<RRuleOptions, 'dtstart' | 'until'> {
  const dt = new Date(rule.dtstart.floating);
  const rank = FREQ_RANK[rule.freq];
  const byweekday = rule.byday?.map((d) => new Weekday(d.weekday, d.n ?? undefined)) ?? null;
  let bymonth = rule.bymonth === null ? null : [...rule.bymonth];
  let bymonthday = rule.bymonthday === null ? null : [...rule.bymonthday];
  let weekdays = byweekday;
  if (rule.byweekno === null && rule.byyearday === null && rule.bymonthday === null && rule.byday === null) {
    if (rule.freq === 'yearly') {
      bymonth ??= [dt.getUTCMonth() + 1];
      bymonthday = [dt.getUTCDate()];
    } else if (rule.freq === 'monthly') {
      bymonthday = [dt.getUTCDate()];
    } else if (rule.freq === 'weekly') {
      weekdays = [new Weekday(weekdayOf(rule.dtstart.floating))];
    }
  }
  return {
    freq: rank,
    interval: rule.interval,
    wkst: rule.wkst,
    bymonth,
    bymonthday,
    byyearday: rule.byyearday === null ? null : [...rule.byyearday],
    byweekno: rule.byweekno === null ? null : [...rule.byweekno],
    byweekday: weekdays,
    byhour: rule.byhour === null ? (rank < 4 ? [dt.getUTCHours()] : null) : [...rule.byhour],
    byminute: rule.byminute === null ? (rank < 5 ? [dt.getUTCMinutes()] : null) : [...rule.byminute],
    bysecond: rule.bysecond === null ? (rank < 6 ? [dt.getUTCSeconds()] : null) : [...rule.bysecond],
    bysetpos: rule.bysetpos === null ? null : [...rule.bysetpos],
  };
}
