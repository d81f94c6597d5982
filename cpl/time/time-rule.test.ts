import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseDateOrDateTime, parseDateTime } from './date-time.js';
import { parseDuration } from './duration.js';
import { parseTimeRule } from './time-rule.js';
import { resolveZone } from './zone.js';

const codes = (attrs: Record<string, string>): string[] => parseTimeRule(new Map(Object.entries(attrs))).issues.map((i) => i.code);

describe('DATE-TIME and DATE (RFC 2445 forms 1 and 2)', () => {
  it('parses floating and UTC date-times and dates', () => {
    expect(parseDateTime('19970105T083000')).toMatchObject({ utc: false, fields: { year: 1997, month: 1, day: 5, hour: 8, minute: 30 } });
    expect(parseDateTime('19970105T133000Z')?.utc).toBe(true);
    expect(parseDateOrDateTime('20041231')).toMatchObject({ dateOnly: true });
  });

  it.each(['2024-01-01T09:00', '20240230T090000', '20240101T240000', '20240101T235960', '20240101T0900'])('refuses %s', (v) => {
    expect(parseDateTime(v)).toBeNull();
  });
});

describe('DURATION (RFC 2445 §4.3.6)', () => {
  it.each([
    ['PT8H', { days: 0, ms: 8 * 3_600_000 }],
    ['P1W', { days: 7, ms: 0 }],
    ['P1DT2H30M', { days: 1, ms: 9_000_000 }],
    ['+PT10M', { days: 0, ms: 600_000 }],
  ])('%s', (text, duration) => {
    expect(parseDuration(text)).toEqual({ ok: true, duration });
  });

  it('refuses bad, zero and negative durations', () => {
    expect(parseDuration('10M')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseDuration('P')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseDuration('PT')).toEqual({ ok: false, reason: 'syntax' });
    expect(parseDuration('PT0H')).toEqual({ ok: false, reason: 'zero' });
    expect(parseDuration('-PT1H')).toEqual({ ok: false, reason: 'negative' });
  });
});

describe('<time> attributes', () => {
  const base = { dtstart: '20240101T090000', duration: 'PT1H' };
  it('accepts a full rule, case-insensitive freq and day codes', () => {
    const r = parseTimeRule(new Map(Object.entries({ ...base, freq: 'Monthly', byday: '-1su,+2Mo', wkst: 'su', bysetpos: '1,-1' })));
    expect(r.issues).toEqual([]);
    expect(r.rule).toMatchObject({ freq: 'monthly', wkst: 6, byday: [{ weekday: 6, n: -1 }, { weekday: 0, n: 2 }], bysetpos: [1, -1] });
  });

  it.each([
    [{ ...base, dtend: '20240101T100000' }, 'time-dtend-duration'],
    [{ dtstart: '20240101T090000' }, 'time-dtend-duration'],
    [{ dtstart: '20240101T090000', dtend: '20240101T080000' }, 'time-dtend-before-start'],
    [{ ...base, freq: 'fortnightly' }, 'time-freq-invalid'],
    [{ ...base, freq: 'daily', interval: '0' }, 'time-interval-invalid'],
    [{ ...base, freq: 'daily', count: 'ten' }, 'time-count-invalid'],
    [{ ...base, freq: 'daily', count: '5000' }, 'time-count-limit'],
    [{ ...base, freq: 'daily', count: '5', until: '20250101' }, 'time-until-count'],
    [{ ...base, freq: 'daily', byhour: '24' }, 'time-list-invalid'],
    [{ ...base, freq: 'yearly', byyearday: '0' }, 'time-list-invalid'],
    [{ ...base, freq: 'yearly', byday: 'XX' }, 'time-list-invalid'],
    [{ ...base, freq: 'weekly', byday: '1MO' }, 'time-byday-ordinal'],
    [{ ...base, freq: 'weekly', wkst: 'MON' }, 'time-wkst-invalid'],
  ])('%o → %s', (attrs, code) => {
    expect(codes(attrs as Record<string, string>)).toContain(code);
  });
});

describe('zones', () => {
  it('agrees with luxon away from DST transitions', () => {
    const ny = resolveZone('America/New_York');
    if (ny === null) throw new Error('zone');
    for (const iso of ['2024-01-15T12:34:56Z', '2024-07-15T03:00:00Z', '1999-12-31T23:59:59Z']) {
      const t = Date.parse(iso);
      const local = DateTime.fromMillis(t, { zone: 'America/New_York' });
      expect(ny.toFloating(t)).toBe(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
      expect(ny.toInstant(ny.toFloating(t))).toBe(t);
    }
  });

  it('knows IANA names, tolerates a leading slash, refuses unknown zones', () => {
    expect(resolveZone('/Europe/Paris')?.name).toBe('Europe/Paris');
    expect(resolveZone('UTC')?.offsetAt(0)).toBe(0);
    expect(resolveZone('Mars/Olympus_Mons')).toBeNull();
  });
});
