/**
 * The attributes of a `<time>` output (RFC 3880 §4.4, Appendix C `TimeType`) parsed and checked:
 * the rules the schema cannot express (exactly one of dtend/duration, until with count, value
 * ranges, byxxx lists) and the schema's typos (monthly, bysetpos lists), which follow the text.
 */
import { parseDateOrDateTime, parseDateTime, type DateTimeValue } from './date-time.js';
import { parseDuration, type IcalDuration } from './duration.js';

export const FREQUENCIES = ['secondly', 'minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

export interface ByDay {
  /** Monday = 0 … Sunday = 6. */
  readonly weekday: number;
  /** Ordinal (`-1MO` = last Monday), or null for every such day. */
  readonly n: number | null;
}

export interface TimeRule {
  readonly dtstart: DateTimeValue;
  readonly dtend: DateTimeValue | null;
  readonly duration: IcalDuration | null;
  readonly freq: Frequency | null;
  readonly interval: number;
  readonly until: DateTimeValue | null;
  readonly count: number | null;
  readonly bysecond: readonly number[] | null;
  readonly byminute: readonly number[] | null;
  readonly byhour: readonly number[] | null;
  readonly byday: readonly ByDay[] | null;
  readonly bymonthday: readonly number[] | null;
  readonly byyearday: readonly number[] | null;
  readonly byweekno: readonly number[] | null;
  readonly bymonth: readonly number[] | null;
  readonly bysetpos: readonly number[] | null;
  readonly wkst: number;
}

export type TimeIssueCode =
  | 'time-datetime-invalid'
  | 'time-dtend-duration'
  | 'time-duration-invalid'
  | 'time-duration-nonpositive'
  | 'time-dtend-before-start'
  | 'time-freq-invalid'
  | 'time-interval-invalid'
  | 'time-until-count'
  | 'time-count-invalid'
  | 'time-count-limit'
  | 'time-list-invalid'
  | 'time-bysetpos-alone'
  | 'time-byweekno-not-yearly'
  | 'time-byday-ordinal'
  | 'time-wkst-invalid'
  | 'time-params-without-freq';

export interface TimeIssue {
  readonly code: TimeIssueCode;
  readonly attribute: string;
  readonly message: string;
  readonly warning?: boolean;
}

export interface TimeRuleLimits {
  /** Largest `count` accepted (RFC 3880 §4.4.1: reject "absurd run-time or memory requirements"). */
  readonly maxCount: number;
  /** Largest `interval` accepted. */
  readonly maxInterval: number;
}

export const DEFAULT_TIME_RULE_LIMITS: TimeRuleLimits = { maxCount: 1000, maxInterval: 10_000 };

const LISTS: Record<string, { min: number; max: number; zero: boolean; what: string }> = {
  bysecond: { min: 0, max: 59, zero: true, what: 'seconds 0 to 59' },
  byminute: { min: 0, max: 59, zero: true, what: 'minutes 0 to 59' },
  byhour: { min: 0, max: 23, zero: true, what: 'hours 0 to 23' },
  bymonthday: { min: -31, max: 31, zero: false, what: 'days of the month 1 to 31 or -31 to -1' },
  byyearday: { min: -366, max: 366, zero: false, what: 'days of the year 1 to 366 or -366 to -1' },
  byweekno: { min: -53, max: 53, zero: false, what: 'weeks 1 to 53 or -53 to -1' },
  bymonth: { min: 1, max: 12, zero: true, what: 'months 1 to 12' },
  bysetpos: { min: -366, max: 366, zero: false, what: 'positions 1 to 366 or -366 to -1' },
};

const RECURRENCE_ATTRIBUTES = ['interval', 'until', 'count', 'bysecond', 'byminute', 'byhour', 'byday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'bysetpos', 'wkst'];

export function parseTimeRule(
  attrs: ReadonlyMap<string, string>,
  limits: TimeRuleLimits = DEFAULT_TIME_RULE_LIMITS,
): { rule: TimeRule | null; issues: TimeIssue[] } {
  const issues: TimeIssue[] = [];
  const fail = (code: TimeIssueCode, attribute: string, message: string): void => {
    issues.push({ code, attribute, message });
  };

  const dtstartText = attrs.get('dtstart') ?? '';
  const dtstart = parseDateTime(dtstartText);
  if (dtstart === null) fail('time-datetime-invalid', 'dtstart', `dtstart="${dtstartText}" is not a date-time like 20000703T090000 (local) or 20000703T130000Z (UTC)`);

  const dtendText = attrs.get('dtend');
  const durationText = attrs.get('duration');
  let dtend: DateTimeValue | null = null;
  let duration: IcalDuration | null = null;
  if ((dtendText === undefined) === (durationText === undefined)) {
    fail('time-dtend-duration', dtendText === undefined ? 'dtstart' : 'duration', dtendText === undefined ? '<time> needs exactly one of dtend or duration; it has neither' : '<time> needs exactly one of dtend or duration, not both');
  }
  if (dtendText !== undefined) {
    dtend = parseDateTime(dtendText);
    if (dtend === null) fail('time-datetime-invalid', 'dtend', `dtend="${dtendText}" is not a date-time like 20000703T170000`);
    else if (dtstart !== null && dtend.utc === dtstart.utc && dtend.floating <= dtstart.floating) fail('time-dtend-before-start', 'dtend', `dtend="${dtendText}" must be later than dtstart="${dtstartText}"`);
  }
  if (durationText !== undefined) {
    const d = parseDuration(durationText);
    if (d.ok) duration = d.duration;
    else if (d.reason === 'syntax') fail('time-duration-invalid', 'duration', `duration="${durationText}" is not an RFC 2445 duration such as PT8H, PT10M, P1D or P1W${/^\d+[HMS]$/i.test(durationText.trim()) ? ` (did you mean PT${durationText.trim().toUpperCase()}?)` : ''}`);
    else fail('time-duration-nonpositive', 'duration', `duration="${durationText}" must be longer than zero`);
  }

  const freqText = attrs.get('freq');
  let freq: Frequency | null = null;
  if (freqText !== undefined) {
    const f = freqText.trim().toLowerCase();
    if ((FREQUENCIES as readonly string[]).includes(f)) freq = f as Frequency;
    else fail('time-freq-invalid', 'freq', `freq="${freqText}" must be one of ${FREQUENCIES.join(', ')}`);
  }

  if (freqText === undefined) {
    const present = RECURRENCE_ATTRIBUTES.filter((a) => attrs.has(a));
    if (present.length > 0) {
      // RFC 3880 §4.4: servers "SHOULD accept scripts with such parameters present, and ignore" them.
      issues.push({ code: 'time-params-without-freq', attribute: present[0] ?? 'freq', message: `${present.join(', ')} ${present.length === 1 ? 'has' : 'have'} no effect without freq and will be ignored`, warning: true });
    }
  }

  const interval = parsePositive(attrs.get('interval'), 'interval', 1, limits.maxInterval, 'time-interval-invalid', 'time-interval-invalid', fail);
  const count = attrs.has('count') ? parsePositive(attrs.get('count'), 'count', 1, limits.maxCount, 'time-count-invalid', 'time-count-limit', fail) : null;

  let until: DateTimeValue | null = null;
  const untilText = attrs.get('until');
  if (untilText !== undefined) {
    until = parseDateOrDateTime(untilText);
    if (until === null) fail('time-datetime-invalid', 'until', `until="${untilText}" is not a date (20041231) or a date-time (20041231T235959Z)`);
  }
  if (untilText !== undefined && attrs.has('count')) fail('time-until-count', 'until', 'until and count must not both be given in one <time>');

  const lists: Record<string, number[] | null> = {};
  for (const [name, spec] of Object.entries(LISTS)) {
    const text = attrs.get(name);
    lists[name] = null;
    if (text === undefined) continue;
    const values = parseIntList(text);
    if (values === null || values.some((v) => v < spec.min || v > spec.max || (!spec.zero && v === 0))) {
      fail('time-list-invalid', name, `${name}="${text}" must be a comma-separated list of ${spec.what}`);
      continue;
    }
    lists[name] = values;
  }

  let byday: ByDay[] | null = null;
  const bydayText = attrs.get('byday');
  if (bydayText !== undefined) {
    byday = parseByDay(bydayText);
    if (byday === null) fail('time-list-invalid', 'byday', `byday="${bydayText}" must be a comma-separated list of MO, TU, WE, TH, FR, SA, SU, each optionally preceded by +n or -n`);
  }

  let wkst = 0;
  const wkstText = attrs.get('wkst');
  if (wkstText !== undefined) {
    const i = (DAY_CODES as readonly string[]).indexOf(wkstText.trim().toUpperCase());
    if (i < 0) fail('time-wkst-invalid', 'wkst', `wkst="${wkstText}" must be one of ${DAY_CODES.join(', ')}`);
    else wkst = i;
  }

  if (freq !== null) {
    const otherBy = ['bysecond', 'byminute', 'byhour', 'bymonthday', 'byyearday', 'byweekno', 'bymonth'].some((n) => attrs.has(n)) || attrs.has('byday');
    if (attrs.has('bysetpos') && !otherBy) fail('time-bysetpos-alone', 'bysetpos', 'bysetpos must be used together with another byxxx attribute (RFC 3880 §4.4)');
    if (attrs.has('byweekno') && freq !== 'yearly') fail('time-byweekno-not-yearly', 'byweekno', `byweekno is only valid with freq="yearly" (here freq="${freqText ?? ''}")`);
    if (byday?.some((d) => d.n !== null) === true && freq !== 'monthly' && freq !== 'yearly') fail('time-byday-ordinal', 'byday', `numbered days such as "${bydayText ?? ''}" are only valid with freq="monthly" or "yearly"`);
  }

  if (issues.some((i) => i.warning !== true) || dtstart === null) return { rule: null, issues };
  return {
    rule: {
      dtstart,
      dtend,
      duration,
      freq,
      interval,
      until,
      count,
      bysecond: lists.bysecond ?? null,
      byminute: lists.byminute ?? null,
      byhour: lists.byhour ?? null,
      byday,
      bymonthday: lists.bymonthday ?? null,
      byyearday: lists.byyearday ?? null,
      byweekno: lists.byweekno ?? null,
      bymonth: lists.bymonth ?? null,
      bysetpos: lists.bysetpos ?? null,
      wkst,
    },
    issues,
  };
}

function parsePositive(
  text: string | undefined,
  name: string,
  fallback: number,
  max: number,
  syntaxCode: TimeIssueCode,
  limitCode: TimeIssueCode,
  fail: (code: TimeIssueCode, attribute: string, message: string) => void,
): number {
  if (text === undefined) return fallback;
  if (!/^\s*\+?\d+\s*$/.test(text) || Number(text) < 1) {
    fail(syntaxCode, name, `${name}="${text}" must be a whole number of at least 1`);
    return fallback;
  }
  const n = Number(text);
  if (n > max) {
    fail(limitCode, name, `${name}="${text}" is larger than this server allows (at most ${max})`);
    return fallback;
  }
  return n;
}

function parseIntList(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.split(',')) {
    if (!/^\s*[+-]?\d{1,4}\s*$/.test(part)) return null;
    out.push(Number(part.trim()));
  }
  return out;
}

function parseByDay(text: string): ByDay[] | null {
  const out: ByDay[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([+-]?\d{1,2})?([A-Za-z]{2})\s*$/.exec(part);
    if (m === null || m[2] === undefined) return null;
    const weekday = (DAY_CODES as readonly string[]).indexOf(m[2].toUpperCase());
    if (weekday < 0) return null;
    const n = m[1] === undefined ? null : Number(m[1]);
    if (n !== null && (n === 0 || n < -53 || n > 53)) return null;
    out.push({ weekday, n });
  }
  return out;
}
