import { describe, expect, it } from 'vitest';
import { formatTarget, parseDuration, parseTarget, parseUserTarget, TraceInputError } from './trace-rule.js';

describe('trace rule input', () => {
  it('reads durations with units, alone or combined', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 24h ')).toBe(86_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
  });

  it('refuses durations without a unit, of zero, beyond 24 h or garbled', () => {
    expect(() => parseDuration('30')).toThrow('"30" is not a duration: use a number with a unit, e.g. 90s, 30m, 1h, 1h30m');
    expect(() => parseDuration('0m')).toThrow('must be longer than zero');
    expect(() => parseDuration('25h')).toThrow('longer than the maximum of 24h');
    expect(() => parseDuration('1.5h')).toThrow(TraceInputError);
    expect(() => parseDuration('1h 30m')).toThrow(TraceInputError);
    expect(() => parseDuration('')).toThrow(TraceInputError);
  });

  it('normalises user AORs written as URIs or name-addrs', () => {
    expect(parseUserTarget('alice@SB.test')).toBe('alice@sb.test');
    expect(parseUserTarget('sip:alice@sb.test')).toBe('alice@sb.test');
    expect(parseUserTarget('<sips:alice@sb.test;transport=tls>')).toBe('alice@sb.test');
    expect(() => parseUserTarget('alice')).toThrow('"alice" is not an address-of-record of the form user@domain');
    expect(() => parseUserTarget('a b@sb.test')).toThrow(TraceInputError);
  });

  it('takes exactly one of user and app', () => {
    expect(parseTarget({ user: 'bob@sb.test' })).toEqual({ kind: 'user', target: 'bob@sb.test' });
    expect(formatTarget(parseTarget({ app: 'call-screening' }))).toBe('app:call-screening');
    expect(() => parseTarget({})).toThrow('name exactly one: a user (user@domain) or an app (its name)');
    expect(() => parseTarget({ user: 'bob@sb.test', app: 'x' })).toThrow(TraceInputError);
    expect(() => parseTarget({ app: 'Screening!' })).toThrow('"Screening!" is not an app name');
  });
});
