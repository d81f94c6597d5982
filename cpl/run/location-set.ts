/**
 * The location set of a run (RFC 3880 §2.3): URLs with priorities, shared by subactions.
 *
 * Decisions (cpl.md §5.1, open point 14): a URL equal to one already in the set (RFC 3261 URI
 * equality) is not added twice (the higher priority is kept); equal priorities keep insertion
 * order. Locations the server cannot proxy to (schemes other than the proxyable ones, e.g.
 * http) stay in the set for `redirect` but are never proxied (§6.1).
 */
import { parseUri, type ParsedUri } from '../uri/parse-uri.js';
import { urisEqual } from '../uri/uri-equal.js';
import type { CplLocation } from './host.js';

export interface LocationEntry extends CplLocation {
  readonly parsed: ParsedUri | null;
  readonly proxyable: boolean;
  readonly seq: number;
}

export class LocationSet {
  private entries: LocationEntry[] = [];
  private seq = 0;

  constructor(private readonly proxyableSchemes: ReadonlySet<string>) {}

  get size(): number {
    return this.entries.length;
  }

  add(uri: string, priority: number, parsed: ParsedUri | null = parseUri(uri)): void {
    const same = parsed === null ? this.entries.findIndex((e) => e.uri === uri) : this.entries.findIndex((e) => e.parsed !== null && urisEqual(e.parsed, parsed));
    if (same >= 0) {
      const e = this.entries[same];
      if (e !== undefined && priority > e.priority) this.entries[same] = { ...e, priority };
      return;
    }
    this.entries.push({ uri, priority, parsed, proxyable: parsed !== null && this.proxyableSchemes.has(parsed.scheme), seq: this.seq++ });
  }

  clear(): void {
    this.entries = [];
  }

  /** Removes the locations equal to `target` (RFC 3261 §19.1.4, §5.3); returns how many. */
  remove(target: ParsedUri): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.parsed === null || !urisEqual(e.parsed, target));
    return before - this.entries.length;
  }

  /** Removes the given entries (the ones a proxy used, §6.1). */
  removeEntries(used: readonly LocationEntry[]): void {
    const seqs = new Set(used.map((e) => e.seq));
    this.entries = this.entries.filter((e) => !seqs.has(e.seq));
  }

  /** All locations, highest priority first, stable for equal priorities. */
  sorted(): LocationEntry[] {
    return [...this.entries].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  proxyable(): LocationEntry[] {
    return this.sorted().filter((e) => e.proxyable);
  }
}
