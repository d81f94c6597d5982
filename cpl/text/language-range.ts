/**
 * Language matching for `language-switch` (RFC 3880 §4.3, RFC 2616 §14.4 rules).
 *
 * "The CPL server checks each language-tag specified by the script against the language-ranges
 * specified in the request." A range matches a tag "if it exactly equals the tag, or if it
 * exactly equals a prefix of the tag such that the first tag character following the prefix is
 * '-'". So the request range `es` matches `matches="es-MX"`, but the request range `es-MX` does
 * NOT match `matches="es"` (cpl.md §4.3, Figure 23). The range `*` and ranges with q=0 are
 * ignored; other q values do not matter (first matching output wins).
 *
 * `lenient` matching (an option, off by default) also accepts a request range that is more
 * specific than the script's tag, so `matches="es"` takes callers asking for `es-MX`.
 */
export type LanguageMatching = 'rfc3880' | 'lenient';

/** RFC 3066 language-tag: 1*8ALPHA *("-" 1*8alphanum). */
export const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

/** Parses Accept-Language values (all instances) into lower-case ranges that can match. */
export function parseLanguageRanges(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const item of value.split(',')) {
      const parts = item.split(';');
      const range = (parts[0] ?? '').trim().toLowerCase();
      if (range.length === 0 || range === '*' || !LANGUAGE_TAG.test(range)) continue;
      let q = 1;
      for (const p of parts.slice(1)) {
        const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
        if (m?.[1] !== undefined) q = Number(m[1]);
      }
      if (q === 0 || Number.isNaN(q)) continue;
      out.push(range);
    }
  }
  return out;
}

/** True when a request range matches the script's (lower-cased) tag. */
export function rangeMatchesTag(range: string, tag: string, mode: LanguageMatching = 'rfc3880'): boolean {
  if (range === tag) return true;
  if (tag.length > range.length && tag.startsWith(range) && tag[range.length] === '-') return true;
  return mode === 'lenient' && range.length > tag.length && range.startsWith(tag) && range[tag.length] === '-';
}
