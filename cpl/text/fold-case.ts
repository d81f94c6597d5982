/**
 * Caseless comparison for `string-switch` and the `display` subfield. RFC 3880 §4.2: "strings
 * are canonicalized to the 'Compatibility Composition' (KC) form ... Then, strings are compared
 * using locale-insensitive caseless mapping".
 *
 * JavaScript has no full case folding, and `toLowerCase()` alone misses e.g. "ß" vs "SS". We
 * use NFKC, then lower-case, then upper-case (which expands "ß" to "SS"), then NFKC again; both
 * sides of every comparison go through the same function, so the mapping is consistent.
 */
export function foldCase(text: string): string {
  return text.normalize('NFKC').toLowerCase().toUpperCase().normalize('NFKC');
}
