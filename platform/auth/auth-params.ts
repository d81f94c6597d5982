/**
 * The generic shape of WWW-Authenticate, Proxy-Authenticate, Authorization and
 * Proxy-Authorization values (RFC 3261 §25.1 `challenge` / `credentials`):
 *
 *   auth-scheme LWS auth-param *(COMMA auth-param)      auth-param = name EQUAL (token / quoted-string)
 *
 * Any scheme parses, so a caller can tell "not Digest" from "broken". Parameters keep their
 * order, case and quoting; unknown ones are kept. Values of quoted strings are unescaped
 * (`\"` → `"`, `\\` → `\`). One leniency: an unquoted value may hold any visible character but
 * `,` and `"` (clients send `uri=sip:…` unquoted); it is reported as `quoted: false`.
 * A value that is a bare token68 (`Bearer abc==`, RFC 7235 §2.1, used by RFC 8898) is kept as
 * `token68`.
 */

export interface AuthParam {
  /** As written; compare case-insensitively. */
  name: string;
  /** Unescaped value. */
  value: string;
  /** Whether it was (or is to be) written as a quoted-string. */
  quoted: boolean;
}

export interface AuthHeaderValue {
  /** As written (`Digest`, `digest`); compare case-insensitively. */
  scheme: string;
  params: AuthParam[];
  token68?: string;
}

export type AuthParseResult = { ok: true; value: AuthHeaderValue } | { ok: false; error: string };

// RFC 3261 §25.1 token characters.
const TOKEN_CHAR = /[A-Za-z0-9\-.!%*_+`'~]/u;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/u;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/u;
const WS = new Set([' ', '\t', '\r', '\n']);
const UNQUOTED_END = new Set([',', '"', ' ', '\t', '\r', '\n']);

/** Parse one challenge or credentials value. Never throws. */
export function parseAuthHeaderValue(text: string): AuthParseResult {
  let pos = 0;
  const fail = (error: string): AuthParseResult => ({ ok: false, error: `${error} at offset ${pos}` });
  const skipWs = (): void => {
    while (pos < text.length && WS.has(text[pos] as string)) pos++;
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < text.length && TOKEN_CHAR.test(text[pos] as string)) pos++;
    return text.slice(start, pos);
  };

  skipWs();
  const scheme = readToken();
  if (scheme.length === 0) return fail('expected an authentication scheme');
  const value: AuthHeaderValue = { scheme, params: [] };
  const afterScheme = pos;
  skipWs();
  if (pos >= text.length) return { ok: true, value };
  if (pos === afterScheme) return fail(`expected whitespace after scheme "${scheme}"`);

  const rest = text.slice(pos).trimEnd();
  if (TOKEN68.test(rest)) {
    value.token68 = rest;
    return { ok: true, value };
  }

  for (;;) {
    skipWs();
    const name = readToken();
    if (name.length === 0) return fail('expected a parameter name');
    skipWs();
    if (text[pos] !== '=') return fail(`expected "=" after "${name}"`);
    pos++;
    skipWs();
    let paramValue: string;
    let quoted: boolean;
    if (text[pos] === '"') {
      pos++;
      paramValue = '';
      for (;;) {
        if (pos >= text.length) return fail(`unterminated quoted string for "${name}"`);
        const ch = text[pos] as string;
        if (ch === '"') break;
        if (ch === '\\') {
          // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F): anything but CR and LF.
          const next = text[pos + 1];
          if (next === undefined || next === '\r' || next === '\n') return fail(`bad escape in "${name}"`);
          paramValue += next;
          pos += 2;
          continue;
        }
        if (ch === '\r' || ch === '\n') return fail(`line break inside quoted "${name}"`);
        paramValue += ch;
        pos++;
      }
      pos++;
      quoted = true;
    } else {
      const start = pos;
      while (pos < text.length && !UNQUOTED_END.has(text[pos] as string)) pos++;
      paramValue = text.slice(start, pos);
      if (paramValue.length === 0) return fail(`empty value for "${name}"`);
      quoted = false;
    }
    value.params.push({ name, value: paramValue, quoted });
    skipWs();
    if (pos >= text.length) return { ok: true, value };
    if (text[pos] !== ',') return fail(`expected "," after "${name}"`);
    // Empty list elements (`a=1,,b=2`, a trailing comma) are tolerated as in RFC 7230 §7.
    while (pos < text.length && (text[pos] === ',' || WS.has(text[pos] as string))) pos++;
    if (pos >= text.length) return { ok: true, value };
  }
}

/** Serialise a challenge or credentials value. Throws on a value that cannot be written
 *  (line breaks, or an unquoted value that is not a token) — that is a programming error. */
export function formatAuthHeaderValue(value: AuthHeaderValue): string {
  if (!TOKEN.test(value.scheme)) throw new Error(`auth scheme "${value.scheme}" is not a token`);
  if (value.token68 !== undefined) {
    if (!TOKEN68.test(value.token68)) throw new Error('token68 value has characters outside token68');
    return `${value.scheme} ${value.token68}`;
  }
  const params = value.params.map(({ name, value: paramValue, quoted }) => {
    if (!TOKEN.test(name)) throw new Error(`auth parameter name "${name}" is not a token`);
    if (quoted) return `${name}=${quoteString(paramValue)}`;
    if (!TOKEN.test(paramValue)) throw new Error(`unquoted value of "${name}" is not a token`);
    return `${name}=${paramValue}`;
  });
  return params.length > 0 ? `${value.scheme} ${params.join(', ')}` : value.scheme;
}

/** `"…"` with `"` and `\` escaped; rejects characters a header value cannot carry. */
export function quoteString(text: string): string {
  if (/[\r\n\u0000]/u.test(text)) throw new Error('a quoted string cannot contain CR, LF or NUL');
  return `"${text.replace(/[\\"]/gu, (ch) => `\\${ch}`)}"`;
}

/** The value of the first parameter named `name` (case-insensitive). */
export function getAuthParam(value: AuthHeaderValue, name: string): string | undefined {
  const lower = name.toLowerCase();
  return value.params.find((param) => param.name.toLowerCase() === lower)?.value;
}
