/**
 * Time zones for `time-switch` (RFC 3880 §4.4). `tzid` names are IANA (Olson) names, which the
 * RFC recommends ("servers support at least the naming scheme used by the Olson Time Zone
 * database"); offsets come from luxon's IANAZone (the ICU tz database of Node).
 *
 * Local → UTC follows RFC 5545 §3.3.5 (RFC 3880 says later clarifications of 2445 apply): a
 * local time that occurs twice (clocks set back) means the FIRST occurrence; a local time that
 * does not exist (clocks set forward) is "interpreted using the UTC offset before the gap", which
 * moves it forward by the gap. (Luxon resolves the ambiguous case the other way, so this is
 * computed here.) Offsets are memoised per 15-minute bucket because Intl lookups are slow.
 */
import { IANAZone } from 'luxon';

export interface ZoneResolver {
  readonly name: string;
  /** Offset (local − UTC) in milliseconds at an instant. */
  offsetAt(instant: number): number;
  /** Floating (wall-clock) milliseconds of an instant. */
  toFloating(instant: number): number;
  /** The instant of a wall-clock time (RFC 5545 rules for gaps and repeats). */
  toInstant(floating: number): number;
}

const BUCKET = 15 * 60_000;
const MAX_CACHE = 8192;
const zones = new Map<string, ZoneResolver>();

const utc: ZoneResolver = {
  name: 'UTC',
  offsetAt: () => 0,
  toFloating: (t) => t,
  toInstant: (f) => f,
};

/** Resolves a `tzid` (a leading `/`, the RFC's "global registry" marker, is tolerated). */
export function resolveZone(name: string): ZoneResolver | null {
  const key = name.startsWith('/') ? name.slice(1) : name;
  if (key === 'UTC' || key === 'Etc/UTC' || key === 'Z') return utc;
  const known = zones.get(key);
  if (known !== undefined) return known;
  if (!IANAZone.isValidZone(key)) return null;
  const resolver = createIanaResolver(key);
  zones.set(key, resolver);
  return resolver;
}

export function utcZone(): ZoneResolver {
  return utc;
}

function createIanaResolver(name: string): ZoneResolver {
  const zone = IANAZone.create(name);
  const cache = new Map<number, number>();
  const raw = (t: number): number => zone.offset(t) * 60_000;
  const offsetAt = (t: number): number => {
    const bucket = Math.floor(t / BUCKET);
    const hit = cache.get(bucket);
    if (hit !== undefined && !Number.isNaN(hit)) return hit;
    if (hit !== undefined) return raw(t); // NaN marks a bucket with a transition inside
    const start = bucket * BUCKET;
    const a = raw(start);
    const b = raw(start + BUCKET - 1);
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(bucket, a === b ? a : Number.NaN);
    return a === b ? a : raw(t);
  };
  return {
    name,
    offsetAt,
    toFloating: (t) => t + offsetAt(t),
    toInstant: (floating) => {
      const guess = floating - offsetAt(floating);
      const before = offsetAt(guess - 6 * 3_600_000);
      const after = offsetAt(guess + 6 * 3_600_000);
      const tBefore = floating - before;
      const tAfter = floating - after;
      const validBefore = offsetAt(tBefore) === before;
      const validAfter = offsetAt(tAfter) === after;
      if (validBefore && validAfter) return Math.min(tBefore, tAfter); // repeated: first one
      if (validBefore) return tBefore;
      if (validAfter) return tAfter;
      return tBefore; // in a gap: the offset before the gap
    },
  };
}
