/**
 * Percent-decoding for URI comparison. RFC 3261 §19.1.4: "characters other than those in the
 * 'reserved' set ... are equivalent to their '"%" HEX HEX' encoding", so comparisons decode first.
 * Invalid escapes are kept verbatim (a comparison must never throw).
 */
export function decodePercent(text: string): string {
  if (!text.includes('%')) return text;
  let bytes: number[] | null = null;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x25 && i + 2 < text.length && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes ??= [];
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    if (bytes !== null) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = null;
    }
    out += text[i];
  }
  if (bytes !== null) out += Buffer.from(bytes).toString('utf8');
  return out;
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}
