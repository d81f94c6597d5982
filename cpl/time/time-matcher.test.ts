import { describe, expect, it } from 'vitest';
import rrulePkg from 'rrule';
import { compileTimeMatcher } from './time-matcher.js';
import { parseTimeRule, type TimeRule } from './time-rule.js';
import { resolveZone, utcZone, type ZoneResolver } from './zone.js';
import { explicitOptions } from './rrule-blocks.js';
import { maxDurationMs } from './duration.js';

const { RRule } = rrulePkg;

function rule(attrs: Record<string, string>): TimeRule {
  const parsed = parseTimeRule(new Map(Object.entries(attrs)));
  if (parsed.rule === null) throw new Error(parsed.issues.map((i) => i.message).join('; '));
  return parsed.rule;
}

function zone(name: string): ZoneResolver {
  const z = resolveZone(name);
  if (z === null) throw new Error(name);
  return z;
}

const at = (iso: string): number => Date.parse(iso);

describe('RFC 3880 §4.4 example (every other year, Sundays in January, 8:30 and 9:30 for 10 minutes)', () => {
  // The RFC writes duration="10M", which is not RFC 2445 syntax; PT10M is what it means.
  const m = compileTimeMatcher(
    rule({ dtstart: '19970105T083000', duration: 'PT10M', freq: 'yearly', interval: '2', bymonth: '1', byday: 'SU', byhour: '8,9', byminute: '30' }),
    utcZone(),
  );
  it.each([
    ['1997-01-05T08:30:00Z', true],
    ['1997-01-05T08:39:59Z', true],
    ['1997-01-05T08:40:00Z', false], // half-open end
    ['1997-01-12T09:35:00Z', true],
    ['1997-01-12T09:00:00Z', false],
    ['1997-01-13T08:35:00Z', false], // Monday
    ['1998-01-11T08:35:00Z', false], // odd year
    ['1999-01-31T09:30:00Z', true],
    ['1999-02-07T08:35:00Z', false], // February
    ['2025-01-05T08:31:00Z', true],
    ['2026-01-04T08:31:00Z', false],
    ['1996-01-07T08:31:00Z', false], // before dtstart
  ])('%s → %s', (iso, expected) => {
    expect(m.occurrenceAt(at(iso)) !== null).toBe(expected);
  });
});

describe('RFC 3880 Figure 25 (weekdays 9:00-17:00 in America/New_York)', () => {
  const m = compileTimeMatcher(rule({ dtstart: '20000703T090000', duration: 'PT8H', freq: 'weekly', byday: 'MO,TU,WE,TH,FR' }), zone('America/New_York'));
  it.each([
    ['2024-07-03T13:00:00Z', true], // Wed 09:00 EDT
    ['2024-07-03T12:59:59Z', false],
    ['2024-07-03T20:59:59Z', true],
    ['2024-07-03T21:00:00Z', false], // 17:00 EDT, end is exclusive
    ['2024-07-06T14:00:00Z', false], // Saturday
    ['2024-01-10T14:00:00Z', true], // Wed 09:00 EST: wall clock, not a fixed UTC offset (f25-4)
    ['2024-01-10T13:30:00Z', false], // 08:30 EST
    ['2024-03-11T13:00:00Z', true], // Monday after the spring change, 09:00 EDT
    ['2024-11-04T14:00:00Z', true], // Monday after the autumn change, 09:00 EST
    ['2000-07-03T13:00:00Z', true], // dtstart itself
    ['2000-06-30T13:30:00Z', false], // before dtstart
  ])('%s → %s', (iso, expected) => {
    expect(m.occurrenceAt(at(iso)) !== null).toBe(expected);
  });
});

describe('time-switch details', () => {
  it('single period with dtend', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000', dtend: '20240101T100000' }), utcZone());
    expect(m.occurrenceAt(at('2024-01-01T09:59:59Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-01-01T10:00:00Z'))).toBeNull();
  });

  it('periods crossing midnight work (22:00 + PT10H)', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T220000', duration: 'PT10H', freq: 'daily' }), utcZone());
    expect(m.occurrenceAt(at('2024-03-05T03:00:00Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-03-05T08:00:00Z'))).toBeNull();
    expect(m.occurrenceAt(at('2024-03-05T23:00:00Z'))).not.toBeNull();
  });

  it('count includes dtstart and stops the recurrence', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000', duration: 'PT1H', freq: 'daily', count: '3' }), utcZone());
    expect(m.occurrenceAt(at('2024-01-03T09:30:00Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-01-04T09:30:00Z'))).toBeNull();
  });

  it('until as a UTC date-time is inclusive of the start', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000', duration: 'PT1H', freq: 'daily', until: '20240103T090000Z' }), utcZone());
    expect(m.occurrenceAt(at('2024-01-03T09:30:00Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-01-04T09:30:00Z'))).toBeNull();
  });

  it('until as a DATE includes that whole day', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000', duration: 'PT1H', freq: 'daily', until: '20240103' }), utcZone());
    expect(m.occurrenceAt(at('2024-01-03T09:30:00Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-01-04T09:30:00Z'))).toBeNull();
  });

  it('last Sunday of October at 01:30 in Europe/Berlin (byday ordinal, ambiguous local time → first)', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20000101T013000', duration: 'PT30M', freq: 'yearly', bymonth: '10', byday: '-1SU' }), zone('Europe/Berlin'));
    // 2024-10-27 02:00 CEST → 01:00... Berlin repeats 02:00-03:00; 01:30 exists once: 23:30Z.
    expect(m.occurrenceAt(at('2024-10-26T23:45:00Z'))).not.toBeNull();
    expect(m.occurrenceAt(at('2024-10-20T23:45:00Z'))).toBeNull();
  });

  it('a repeated local time means its first occurrence (RFC 5545)', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20241103T013000', duration: 'PT10M' }), zone('America/New_York'));
    expect(m.occurrenceAt(at('2024-11-03T05:35:00Z'))).not.toBeNull(); // 01:35 EDT
    expect(m.occurrenceAt(at('2024-11-03T06:35:00Z'))).toBeNull(); // 01:35 EST
  });

  it('a local time in a DST gap moves forward by the gap (RFC 5545)', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240310T023000', duration: 'PT10M' }), zone('America/New_York'));
    expect(m.occurrenceAt(at('2024-03-10T07:35:00Z'))).not.toBeNull(); // 03:35 EDT
  });

  it('bysetpos: last weekday of the month', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000', duration: 'PT8H', freq: 'monthly', byday: 'MO,TU,WE,TH,FR', bysetpos: '-1' }), utcZone());
    expect(m.occurrenceAt(at('2024-05-31T10:00:00Z'))).not.toBeNull(); // Friday 31 May
    expect(m.occurrenceAt(at('2024-05-30T10:00:00Z'))).toBeNull();
    expect(m.occurrenceAt(at('2024-06-28T10:00:00Z'))).not.toBeNull(); // Friday 28 June (30th is Sunday)
  });

  it('byweekno with wkst', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T000000', duration: 'P1D', freq: 'yearly', byweekno: '1', byday: 'MO' }), utcZone());
    expect(m.occurrenceAt(at('2025-12-29T12:00:00Z'))).not.toBeNull(); // ISO week 1 of 2026 starts Mon 29 Dec 2025
  });

  it('a UTC dtstart evaluates in UTC whatever the tzid', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T090000Z', duration: 'PT1H', freq: 'daily' }), zone('Asia/Tokyo'));
    expect(m.occurrenceAt(at('2024-05-01T09:30:00Z'))).not.toBeNull();
  });

  it('hourly rules across day boundaries keep their phase', () => {
    const m = compileTimeMatcher(rule({ dtstart: '20240101T000500', duration: 'PT5M', freq: 'hourly', interval: '5' }), utcZone());
    expect(m.occurrenceAt(at('2024-01-02T01:07:00Z'))).not.toBeNull(); // 25 h after dtstart
    expect(m.occurrenceAt(at('2024-01-02T00:07:00Z'))).toBeNull();
  });
});

/**
 * An independent oracle: one rrule from the ORIGINAL dtstart (no re-basing, no blocks) lists
 * every occurrence of the test window once; each instant is then checked against that list.
 */
function oracle(r: TimeRule, z: ZoneResolver, from: number, to: number): (t: number) => boolean {
  const zz = r.dtstart.utc ? utcZone() : z;
  const days = r.duration?.days ?? 0;
  const exact = r.duration?.ms ?? 0;
  const endOf = (f: number, i: number): number => (days === 0 ? i + exact : zz.toInstant(f + days * 86_400_000) + exact);
  const maxDur = maxDurationMs({ days, ms: exact });
  const rr = new RRule({ ...explicitOptions(r as TimeRule & { freq: NonNullable<TimeRule['freq']> }), dtstart: new Date(r.dtstart.floating), ...(r.count !== null ? { count: r.count } : {}) });
  let starts = r.count !== null ? rr.all().map((d) => d.getTime()) : rr.between(new Date(from - maxDur - 3 * 86_400_000), new Date(to + 3 * 86_400_000), true).map((d) => d.getTime());
  starts = [...new Set([r.dtstart.floating, ...starts])].sort((a, b) => a - b);
  if (r.count !== null) starts = starts.slice(0, r.count);
  const periods = starts
    .map((s) => ({ s, start: zz.toInstant(s) }))
    .filter(({ s, start }) => r.until === null || (r.until.utc ? start <= r.until.floating : s <= r.until.floating))
    .map(({ s, start }) => [start, endOf(s, start)] as const);
  return (t) => periods.some(([a, b]) => a <= t && t < b);
}

describe('matcher agrees with an rrule oracle at many instants', () => {
  const cases: Array<[string, Record<string, string>, string, number?]> = [
    ['weekly byday', { dtstart: '20000703T090000', duration: 'PT8H', freq: 'weekly', byday: 'MO,TU,WE,TH,FR' }, 'America/New_York'],
    ['biweekly tuesday wkst SU', { dtstart: '19970902T090000', duration: 'PT2H', freq: 'weekly', interval: '2', byday: 'TU,TH', wkst: 'SU' }, 'Europe/London'],
    ['monthly 2nd-to-last monday', { dtstart: '20200101T180000', duration: 'PT3H', freq: 'monthly', byday: '-2MO' }, 'Australia/Sydney'],
    ['yearly byyearday', { dtstart: '20200101T000000', duration: 'P1D', freq: 'yearly', byyearday: '1,100,-1' }, 'UTC'],
    ['daily interval 3 overnight', { dtstart: '20230305T230000', duration: 'PT4H', freq: 'daily', interval: '3' }, 'America/New_York'],
    ['monthly bymonthday -1 count', { dtstart: '20240131T120000', duration: 'PT6H', freq: 'monthly', bymonthday: '-1', count: '30' }, 'Europe/Berlin'],
    ['hourly until', { dtstart: '20240301T000000', duration: 'PT20M', freq: 'hourly', interval: '7', until: '20250101T000000Z' }, 'America/Los_Angeles'],
    ['minutely', { dtstart: '20240310T063000', duration: 'PT30S', freq: 'minutely', interval: '13' }, 'America/New_York', 20],
    ['yearly weekno', { dtstart: '20200101T080000', duration: 'PT12H', freq: 'yearly', byweekno: '20,-1', byday: 'MO,FR' }, 'Asia/Kolkata'],
  ];
  for (const [name, attrs, tz, days] of cases) {
    it(name, () => {
      const r = rule(attrs);
      const z = zone(tz);
      const m = compileTimeMatcher(r, z);
      let seed = 12345;
      const rnd = (): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      // The oracle iterates from dtstart, so dense rules get a short range near it.
      const from = days === undefined ? Date.UTC(2020, 0, 1) : r.dtstart.floating - 86_400_000;
      const to = days === undefined ? Date.UTC(2026, 0, 1) : from + days * 86_400_000;
      const truth = oracle(r, z, from, to);
      for (let i = 0; i < 500; i++) {
        const t = Math.floor(from + rnd() * (to - from));
        expect([name, new Date(t).toISOString(), m.occurrenceAt(t) !== null]).toEqual([name, new Date(t).toISOString(), truth(t)]);
      }
      // Instants just inside and just outside the periods found after the window's middle.
      let found = 0;
      for (let t = (from + to) / 2, step = 0; found < 30 && step < 5000 && t < to; step++) {
        const occ = m.occurrenceAt(t);
        if (occ === null) {
          t += 600_000;
          continue;
        }
        found++;
        for (const edge of [occ.start - 1, occ.start, occ.end - 1, occ.end]) expect([name, edge, m.occurrenceAt(edge) !== null]).toEqual([name, edge, truth(edge)]);
        t = occ.end;
      }
    });
  }
});
