/**
 * The calendar-style editor's view of a `time` output (RFC 3880 §4.4): a start day and a
 * daily period, repeated daily/weekly/monthly/yearly on chosen days, until a date or a count.
 * Attributes the form cannot express (byhour, bysetpos, dtend, …) are kept untouched in
 * `other`, and `simple` is false so the UI offers the raw attribute fields instead.
 */
import type { Attrs } from './cpl-model.js';
import { isValidDuration, WEEKDAYS } from './node-specs.js';

export type SimpleFreq = '' | 'daily' | 'weekly' | 'monthly' | 'yearly';

export interface Recurrence {
  /** YYYY-MM-DD */
  startDate: string;
  /** HH:MM */
  startTime: string;
  /** HH:MM; at or before startTime means the period runs past midnight. */
  endTime: string;
  utc: boolean;
  freq: SimpleFreq;
  interval: number;
  byday: string[];
  bymonthday: number[];
  bymonth: number[];
  /** YYYY-MM-DD or '' */
  until: string;
  /** '' or a positive integer */
  count: string;
  /** Attributes the form does not edit, written back unchanged. */
  other: Attrs;
  /** False when `other` holds something that changes the meaning (then edit as attributes). */
  simple: boolean;
}

const FORM_KEYS = new Set(['dtstart', 'duration', 'freq', 'interval', 'byday', 'bymonthday', 'bymonth', 'until', 'count']);
const NEUTRAL = new Set(['wkst']);

export function defaultRecurrence(): Recurrence {
  return {
    startDate: '2026-01-05',
    startTime: '09:00',
    endTime: '17:00',
    utc: false,
    freq: 'weekly',
    interval: 1,
    byday: ['MO', 'TU', 'WE', 'TH', 'FR'],
    bymonthday: [],
    bymonth: [],
    until: '',
    count: '',
    other: {},
    simple: true,
  };
}

export function recurrenceFromAttrs(attrs: Attrs): Recurrence {
  const r = defaultRecurrence();
  r.byday = [];
  r.other = {};
  let simple = true;
  for (const [k, v] of Object.entries(attrs)) {
    if (!FORM_KEYS.has(k)) {
      r.other[k] = v;
      if (!NEUTRAL.has(k)) simple = false;
    }
  }
  const start = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(attrs.dtstart ?? '');
  if (start) {
    r.startDate = `${start[1]}-${start[2]}-${start[3]}`;
    r.startTime = `${start[4]}:${start[5]}`;
    r.utc = start[7] === 'Z';
    if (start[6] !== '00') simple = false;
  } else simple = false;
  const minutes = durationMinutes(attrs.duration ?? '');
  if (minutes === undefined || minutes <= 0 || minutes > 24 * 60) simple = false;
  else r.endTime = addMinutes(r.startTime, minutes);
  const freq = (attrs.freq ?? '').toLowerCase();
  if (['', 'daily', 'weekly', 'monthly', 'yearly'].includes(freq)) r.freq = freq as SimpleFreq;
  else simple = false;
  if (attrs.interval !== undefined) {
    const n = Number(attrs.interval);
    if (Number.isInteger(n) && n >= 1) r.interval = n;
    else simple = false;
  }
  if (attrs.byday) {
    const days = attrs.byday.split(',').map((d) => d.trim().toUpperCase());
    if (days.every((d) => (WEEKDAYS as readonly string[]).includes(d))) r.byday = days;
    else simple = false;
  }
  if (attrs.bymonthday) {
    const days = attrs.bymonthday.split(',').map(Number);
    if (days.every((d) => Number.isInteger(d) && d >= 1 && d <= 31)) r.bymonthday = days;
    else simple = false;
  }
  if (attrs.bymonth) {
    const months = attrs.bymonth.split(',').map(Number);
    if (months.every((m) => Number.isInteger(m) && m >= 1 && m <= 12)) r.bymonth = months;
    else simple = false;
  }
  if (attrs.until) {
    const u = /^(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?$/.exec(attrs.until);
    if (u) r.until = `${u[1]}-${u[2]}-${u[3]}`;
    else simple = false;
  }
  if (attrs.count) r.count = attrs.count;
  r.simple = simple;
  return r;
}

export function recurrenceToAttrs(r: Recurrence): Attrs {
  const attrs: Attrs = {};
  const z = r.utc ? 'Z' : '';
  attrs.dtstart = `${r.startDate.replace(/-/g, '')}T${r.startTime.replace(':', '')}00${z}`;
  attrs.duration = minutesToDuration(periodMinutes(r.startTime, r.endTime));
  if (r.freq) {
    attrs.freq = r.freq;
    if (r.interval > 1) attrs.interval = String(r.interval);
    if (r.until) attrs.until = `${r.until.replace(/-/g, '')}T235959${z}`;
    else if (r.count) attrs.count = r.count;
    if (r.byday.length > 0 && r.freq !== 'daily') attrs.byday = WEEKDAYS.filter((d) => r.byday.includes(d)).join(',');
    if (r.freq === 'daily' && r.byday.length > 0 && r.byday.length < 7) attrs.byday = WEEKDAYS.filter((d) => r.byday.includes(d)).join(',');
    if (r.bymonthday.length > 0 && (r.freq === 'monthly' || r.freq === 'yearly')) attrs.bymonthday = [...r.bymonthday].sort((a, b) => a - b).join(',');
    if (r.bymonth.length > 0 && r.freq === 'yearly') attrs.bymonth = [...r.bymonth].sort((a, b) => a - b).join(',');
  }
  return { ...attrs, ...r.other };
}

/** Problems a person can fix in the form (the server's validator checks the rest). */
export function recurrenceProblems(r: Recurrence): string[] {
  const out: string[] = [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.startDate)) out.push('Choose a start day.');
  if (!/^\d{2}:\d{2}$/.test(r.startTime) || !/^\d{2}:\d{2}$/.test(r.endTime)) out.push('Choose a start and an end time.');
  if (r.freq === 'weekly' && r.byday.length === 0) out.push('Pick at least one weekday.');
  if (!Number.isInteger(r.interval) || r.interval < 1 || r.interval > 10000) out.push('Repeat every 1 to 10000 periods.');
  if (r.count !== '' && !/^[1-9]\d{0,3}$/.test(r.count)) out.push('The number of repeats must be 1 to 1000.');
  if (r.until && r.until < r.startDate) out.push('The end date is before the start day.');
  return out;
}

function durationMinutes(d: string): number | undefined {
  if (!isValidDuration(d)) return undefined;
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d);
  if (!m) return undefined;
  if (m[5] && Number(m[5]) % 60 !== 0) return undefined;
  return Number(m[1] ?? 0) * 7 * 1440 + Number(m[2] ?? 0) * 1440 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0) + Number(m[5] ?? 0) / 60;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function periodMinutes(start: string, end: string): number {
  const diff = toMinutes(end) - toMinutes(start);
  return diff > 0 ? diff : diff + 1440;
}

function addMinutes(hhmm: string, minutes: number): string {
  const t = (toMinutes(hhmm) + minutes) % 1440;
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

function minutesToDuration(minutes: number): string {
  if (minutes === 1440) return 'P1D';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}`;
}

const DAY_NAMES: Record<string, string> = { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' };
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Between 09:00 and 17:00 on weekdays" — the sentence on a time condition block. */
export function describeRecurrence(attrs: Attrs): string {
  const r = recurrenceFromAttrs(attrs);
  if (!r.simple) {
    const parts = Object.entries(attrs).map(([k, v]) => `${k}=${v}`);
    return `At the times ${parts.join(' ')}`;
  }
  const zone = r.utc ? ' UTC' : '';
  const period = r.endTime === r.startTime && periodMinutes(r.startTime, r.endTime) === 1440 ? 'All day' : `Between ${r.startTime} and ${r.endTime}${zone}`;
  let when: string;
  const days = r.byday.join(',');
  if (r.freq === '') when = `on ${r.startDate}`;
  else if (r.freq === 'daily') when = r.byday.length > 0 ? `on ${r.byday.map((d) => DAY_NAMES[d]).join(', ')}` : 'every day';
  else if (r.freq === 'weekly') when = days === 'MO,TU,WE,TH,FR' ? 'on weekdays' : days === 'SA,SU' ? 'at weekends' : `on ${r.byday.map((d) => DAY_NAMES[d]).join(', ') || 'the start weekday'}`;
  else if (r.freq === 'monthly') when = `on day ${r.bymonthday.join(', ') || Number(r.startDate.slice(8))} of each month`;
  else when = `every year on ${r.bymonth.length > 0 ? r.bymonth.map((m) => MONTH_NAMES[m - 1]).join(', ') : r.startDate.slice(5)}${r.bymonthday.length > 0 ? ` day ${r.bymonthday.join(', ')}` : ''}`;
  if (r.interval > 1 && r.freq) when += ` (every ${r.interval} ${r.freq.replace('ly', '').replace('dai', 'day')}s)`;
  const from = r.freq ? `, from ${r.startDate}` : '';
  const until = r.until ? ` until ${r.until}` : r.count ? `, ${r.count} times` : '';
  return `${period} ${when}${from}${until}`;
}
