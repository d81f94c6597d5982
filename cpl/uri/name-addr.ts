/**
 * From/To header values (RFC 3261 §20.10 / §25.1): `"Display" <uri>;params`, `Display <uri>`,
 * `<uri>` or a bare addr-spec. Only the URI and the display-name matter to CPL (§4.1.1).
 */
export interface NameAddr {
  readonly uri: string;
  /** Unquoted display-name, or null when there is none (an empty `""` counts as none). */
  readonly display: string | null;
}

export function parseNameAddr(value: string): NameAddr | null {
  const text = value.trim();
  if (text.length === 0) return null;
  let display: string | null = null;
  let i = 0;
  if (text[0] === '"') {
    let out = '';
    i = 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      out += text[i];
      i++;
    }
    if (i >= text.length) return null;
    i++;
    display = out;
  }
  const lt = text.indexOf('<', i);
  if (lt >= 0) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) return null;
    if (display === null) {
      const token = text.slice(0, lt).trim().replace(/\s+/g, ' ');
      display = token.length > 0 ? token : null;
    }
    const uri = text.slice(lt + 1, gt).trim();
    return uri.length > 0 ? { uri, display: display === '' ? null : display } : null;
  }
  if (display !== null) return null;
  // addr-spec form: header parameters start at the first ';' after the host part.
  const at = text.indexOf('@');
  const semi = text.indexOf(';', at >= 0 ? at : 0);
  return { uri: (semi >= 0 ? text.slice(0, semi) : text).trim(), display: null };
}
