/**
 * RFC 2445 DATE and DATE-TIME values as CPL uses them (RFC 3880 §4.4): "only forms 1 or 2
 * (floating or UTC times)", e.g. `19970105T083000` or `19970105T133000Z`. Form 3 (TZID
 * parameter) does not exist in CPL; the zone comes from the `time-switch`.
 *
 * Wall-clock values are carried as "floating milliseconds": the fields encoded with Date.UTC,
 * so calendar arithmetic never meets a DST change. Zones are applied separately (zone.ts).
 */
export interface DateTimeFields {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface DateTimeValue {
  readonly fields: DateTimeFields;
  /** Form 2 (`Z` suffix): the value is an absolute UTC time. */
  readonly utc: boolean;
  /** A DATE (no time part; only allowed for `until`). */
  readonly dateOnly: boolean;
  /** Floating milliseconds of the fields. */
  readonly floating: number;
}

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})([Zz]?)$/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;

export function parseDateTime(text: string): DateTimeValue | null {
  const m = DATE_TIME.exec(text.trim());
  if (m === null) return null;
  const f = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
  };
  if (!validFields(f)) return null;
  return { fields: f, utc: m[7] !== '', dateOnly: false, floating: fieldsToFloating(f) };
}

/** A DATE-TIME or, when `allowDate`, a DATE. */
export function parseDateOrDateTime(text: string): DateTimeValue | null {
  const dt = parseDateTime(text);
  if (dt !== null) return dt;
  const m = DATE.exec(text.trim());
  if (m === null) return null;
  const f = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: 0, minute: 0, second: 0 };
  if (!validFields(f)) return null;
  return { fields: f, utc: false, dateOnly: true, floating: fieldsToFloating(f) };
}

export function fieldsToFloating(f: DateTimeFields): number {
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
}

/** Leap seconds (second 60) are refused: the clock we compare against never shows them. */
function validFields(f: DateTimeFields): boolean {
  if (f.year < 1 || f.month < 1 || f.month > 12 || f.day < 1) return false;
  if (f.day > daysInMonth(f.year, f.month)) return false;
  return f.hour <= 23 && f.minute <= 59 && f.second <= 59;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** `2024-07-03 09:00:00` for traces and messages. */
export function formatFloating(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Weekday with Monday = 0 (the iCalendar order, MO..SU). */
export function weekdayOf(floating: number): number {
  return (new Date(floating).getUTCDay() + 6) % 7;
}
