/**
 * Credentials out of captured messages. Authorization and Proxy-Authorization (RFC 3261
 * §20.7/§20.28) keep what explains an authentication problem — scheme, username, realm, uri,
 * nonce, algorithm, qop — and lose what proves or derives the password: the Digest `response`
 * (an offline dictionary attack works on it, RFC 7616 §5.13), `auts`, and any parameter we do
 * not know; other schemes (Basic, Bearer) lose their whole token.
 */

const REDACTED = '<redacted>';
const AUTH_HEADER = /^(authorization|proxy-authorization)[ \t]*:[ \t]*/iu;
/** Digest parameters that carry no secret (RFC 7616 §3.4). */
const KEPT_DIGEST_PARAMS: ReadonlySet<string> = new Set(['username', 'username*', 'realm', 'uri', 'nonce', 'cnonce', 'nc', 'qop', 'algorithm', 'opaque', 'userhash']);
const DIGEST_PARAM = /([A-Za-z0-9_*-]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^,\s]*)/gu;

/** The message text with credential values replaced; the body is left alone. */
export function redactCredentials(text: string): string {
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  if (!/authorization/iu.test(head)) return text;
  // Unfold continuation lines first (§7.3.1) so a folded credential is redacted whole.
  const lines = head.replace(/\r\n[ \t]+/gu, ' ').split('\r\n');
  const redacted = lines.map((line) => {
    const match = AUTH_HEADER.exec(line);
    return match ? match[0] + redactCredentialValue(line.slice(match[0].length)) : line;
  });
  return redacted.join('\r\n') + (headEnd < 0 ? '' : text.slice(headEnd));
}

function redactCredentialValue(value: string): string {
  const space = value.search(/[ \t]/u);
  const scheme = space < 0 ? value : value.slice(0, space);
  if (space < 0) return scheme.length > 0 ? REDACTED : value;
  if (scheme.toLowerCase() !== 'digest') return `${scheme} ${REDACTED}`;
  const params = value.slice(space + 1).replace(DIGEST_PARAM, (whole, name: string) =>
    KEPT_DIGEST_PARAMS.has(name.toLowerCase()) ? whole : `${name}="${REDACTED}"`,
  );
  return `${scheme} ${params}`;
}
