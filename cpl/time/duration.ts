/**
 * RFC 2445 §4.3.6 DURATION: `dur-value = (["+"] / "-") "P" (dur-date / dur-time / dur-week)`.
 * RFC 3880 §4.4: "Zero-length and negative-length durations are not allowed."
 *
 * Weeks and days are nominal (the same wall-clock time N days later, RFC 2445: "the duration
 * of a week or day depends on its position in the calendar"); hours, minutes and seconds are
 * exact. We keep the two parts apart for that reason.
 */
export interface IcalDuration {
  /** Nominal days (weeks × 7 + days). */
  readonly days: number;
  /** Exact milliseconds (hours, minutes, seconds). */
  readonly ms: number;
}

const DURATION = /^([+-]?)P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$/;

export type DurationParse =
  | { readonly ok: true; readonly duration: IcalDuration }
  | { readonly ok: false; readonly reason: 'syntax' | 'negative' | 'zero' };

export function parseDuration(text: string): DurationParse {
  const t = text.trim();
  const m = DURATION.exec(t);
  // "P" alone, "PT" and "P1DT" match the pattern but are not valid 2445 syntax.
  if (m === null || t.endsWith('P') || t.endsWith('T')) return { ok: false, reason: 'syntax' };
  const weeks = Number(m[2] ?? 0);
  const days = Number(m[3] ?? 0);
  const hours = Number(m[4] ?? 0);
  const minutes = Number(m[5] ?? 0);
  const seconds = Number(m[6] ?? 0);
  const duration = { days: weeks * 7 + days, ms: ((hours * 60 + minutes) * 60 + seconds) * 1000 };
  if (m[1] === '-') return { ok: false, reason: 'negative' };
  if (duration.days === 0 && duration.ms === 0) return { ok: false, reason: 'zero' };
  return { ok: true, duration };
}

/** An upper bound of the real length (a nominal day can last up to 25 hours, or 26 rarely). */
export function maxDurationMs(d: IcalDuration): number {
  return d.days * 26 * 3_600_000 + d.ms;
}

/** A nominal length for messages and overlap checks (days as 24 hours). */
export function nominalDurationMs(d: IcalDuration): number {
  return d.days * 86_400_000 + d.ms;
}
