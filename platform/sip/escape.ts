/**
 * %HH escapes (RFC 3261 §19.1.2, §25.1 escaped) and quoted strings (§25.1 quoted-string,
 * quoted-pair). Escapes stay as written in the model; these helpers decode on demand, once —
 * never recursively (RFC 4475 §3.1.1.3: `%25%34%31` decodes to `%41`, not `A`).
 */
import { isHex } from './chars.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(code: number): number {
  if (code <= 57) return code - 48;
  if (code <= 70) return code - 55;
  return code - 87;
}

/**
 * Decode `%HH` escapes once. The octets are read as UTF-8 when they form valid UTF-8; otherwise
 * each octet becomes one character (U+0000–U+00FF), so that no two distinct escaped values
 * decode to the same string (RFC 4475 §3.1.1.4: `%00` and `%00%00` stay distinct).
 * A `%` not followed by two hex digits is kept literally (RFC 4475 §3.1.1.5).
 */
export function decodePercent(text: string): string {
  if (text.indexOf('%') < 0) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push((hexValue(text.charCodeAt(i + 1)) << 4) | hexValue(text.charCodeAt(i + 2)));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      const encoded = Buffer.from(String.fromCodePoint(text.codePointAt(i) ?? c), 'utf8');
      for (const b of encoded) bytes.push(b);
      if (c >= 0xd800 && c <= 0xdbff) i++;
    }
  }
  const octets = Uint8Array.from(bytes);
  try {
    return utf8.decode(octets);
  } catch {
    return Buffer.from(octets).toString('latin1');
  }
}

const unreservedForEncode = /[^A-Za-z0-9\-_.!~*'()]/g;

/** Escape every character outside `unreserved` plus `allowed` (for building URIs). */
export function encodePercent(text: string, allowed = ''): string {
  return text.replace(unreservedForEncode, (ch) => {
    if (allowed.includes(ch)) return ch;
    let out = '';
    for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    return out;
  });
}

/**
 * The content of a quoted-string with quoted-pairs resolved. `text` may be with or without the
 * surrounding quotes; a value that is not quoted is returned unchanged.
 */
export function unquote(text: string): string {
  if (text.length < 2 || text.charCodeAt(0) !== 34 || text.charCodeAt(text.length - 1) !== 34) return text;
  const inner = text.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** A quoted-string for `text`: backslash and DQUOTE become quoted-pairs (§25.1). */
export function quote(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 92) out += '\\';
    out += text[i];
  }
  return `${out}"`;
}
