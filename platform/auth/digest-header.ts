/**
 * Digest challenges and credentials (RFC 3261 §25.1 `digest-cln` / `dig-resp`, RFC 7616 §3.3
 * and §3.4) as typed values, on top of the generic auth-param syntax.
 *
 * Quoting on output follows the grammars: realm, domain, nonce, opaque, qop-options, username,
 * uri, response and cnonce are quoted-strings; algorithm, stale, message-qop and nc are tokens.
 * On input either form is accepted. A directive given twice is malformed (RFC 7616 §3.3/§3.4:
 * each directive appears at most once).
 */
import {
  formatAuthHeaderValue,
  parseAuthHeaderValue,
  type AuthHeaderValue,
  type AuthParam,
} from './auth-params.js';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** `MD5` when absent (RFC 2617 §3.2.1). */
  algorithm?: string;
  /** qop-options, e.g. ['auth']; absent for an RFC 2069 challenge. */
  qop?: string[];
  opaque?: string;
  stale?: boolean;
  domain?: string;
  /** Parameters this module does not know, kept in order. */
  otherParams?: AuthParam[];
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  /** message-qop: `auth` (or `auth-int`); absent in an RFC 2069 response. */
  qop?: string;
  /** nonce-count, 8 hex digits as sent. */
  nc?: string;
  otherParams?: AuthParam[];
}

export type ParsedDigest<T> =
  | { kind: 'digest'; value: T }
  /** A well-formed value of another scheme (Basic, Bearer, …). */
  | { kind: 'other'; scheme: string; value: AuthHeaderValue }
  | { kind: 'malformed'; error: string };

const CHALLENGE_KEYS = ['realm', 'nonce', 'algorithm', 'qop', 'opaque', 'stale', 'domain'] as const;
const CREDENTIAL_KEYS = ['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'opaque', 'qop', 'nc'] as const;

type Known<K extends string> = Partial<Record<K, string>>;

/** Parse a WWW-Authenticate or Proxy-Authenticate value. */
export function parseDigestChallenge(text: string): ParsedDigest<DigestChallenge> {
  const split = splitDigest(text, CHALLENGE_KEYS);
  if (split.kind !== 'digest') return split;
  const { known, other } = split.value;
  if (known.realm === undefined) return { kind: 'malformed', error: 'Digest challenge without realm' };
  if (known.nonce === undefined) return { kind: 'malformed', error: 'Digest challenge without nonce' };
  const challenge: DigestChallenge = { realm: known.realm, nonce: known.nonce };
  if (known.algorithm !== undefined) challenge.algorithm = known.algorithm;
  if (known.qop !== undefined) {
    challenge.qop = known.qop
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token.length > 0);
  }
  if (known.opaque !== undefined) challenge.opaque = known.opaque;
  // RFC 2617 §3.2.1: stale is TRUE case-insensitively; anything else is false.
  if (known.stale !== undefined) challenge.stale = known.stale.toLowerCase() === 'true';
  if (known.domain !== undefined) challenge.domain = known.domain;
  if (other.length > 0) challenge.otherParams = other;
  return { kind: 'digest', value: challenge };
}

/** Parse an Authorization or Proxy-Authorization value. Only the syntax is checked here
 *  (required directives present); the authenticator judges the values. */
export function parseDigestCredentials(text: string): ParsedDigest<DigestCredentials> {
  const split = splitDigest(text, CREDENTIAL_KEYS);
  if (split.kind !== 'digest') return split;
  const { known, other } = split.value;
  for (const key of ['username', 'realm', 'nonce', 'uri', 'response'] as const) {
    if (known[key] === undefined) return { kind: 'malformed', error: `Digest credentials without ${key}` };
  }
  const credentials: DigestCredentials = {
    username: known.username as string,
    realm: known.realm as string,
    nonce: known.nonce as string,
    uri: known.uri as string,
    response: known.response as string,
  };
  for (const key of ['algorithm', 'cnonce', 'opaque', 'qop', 'nc'] as const) {
    const value = known[key];
    if (value !== undefined) credentials[key] = value;
  }
  if (other.length > 0) credentials.otherParams = other;
  return { kind: 'digest', value: credentials };
}

export function formatDigestChallenge(challenge: DigestChallenge): string {
  const params: AuthParam[] = [
    { name: 'realm', value: challenge.realm, quoted: true },
    ...(challenge.domain !== undefined ? [{ name: 'domain', value: challenge.domain, quoted: true }] : []),
    { name: 'nonce', value: challenge.nonce, quoted: true },
    ...(challenge.opaque !== undefined ? [{ name: 'opaque', value: challenge.opaque, quoted: true }] : []),
    ...(challenge.stale !== undefined ? [{ name: 'stale', value: challenge.stale ? 'true' : 'false', quoted: false }] : []),
    ...(challenge.algorithm !== undefined ? [{ name: 'algorithm', value: challenge.algorithm, quoted: false }] : []),
    ...(challenge.qop !== undefined ? [{ name: 'qop', value: challenge.qop.join(','), quoted: true }] : []),
    ...(challenge.otherParams ?? []),
  ];
  return formatAuthHeaderValue({ scheme: 'Digest', params });
}

export function formatDigestCredentials(credentials: DigestCredentials): string {
  const optional = (name: keyof DigestCredentials, quoted: boolean): AuthParam[] => {
    const value = credentials[name];
    return typeof value === 'string' ? [{ name, value, quoted }] : [];
  };
  const params: AuthParam[] = [
    { name: 'username', value: credentials.username, quoted: true },
    { name: 'realm', value: credentials.realm, quoted: true },
    { name: 'nonce', value: credentials.nonce, quoted: true },
    { name: 'uri', value: credentials.uri, quoted: true },
    { name: 'response', value: credentials.response, quoted: true },
    ...optional('algorithm', false),
    ...optional('cnonce', true),
    ...optional('opaque', true),
    ...optional('qop', false),
    ...optional('nc', false),
    ...(credentials.otherParams ?? []),
  ];
  return formatAuthHeaderValue({ scheme: 'Digest', params });
}

function splitDigest<K extends string>(
  text: string,
  keys: readonly K[],
): ParsedDigest<{ known: Known<K>; other: AuthParam[] }> {
  const parsed = parseAuthHeaderValue(text);
  if (!parsed.ok) return { kind: 'malformed', error: parsed.error };
  const { value } = parsed;
  if (value.scheme.toLowerCase() !== 'digest') return { kind: 'other', scheme: value.scheme, value };
  if (value.token68 !== undefined) return { kind: 'malformed', error: 'Digest takes parameters, not a token68 value' };
  const known: Known<K> = {};
  const other: AuthParam[] = [];
  const seen = new Set<string>();
  for (const param of value.params) {
    const lower = param.name.toLowerCase();
    if (seen.has(lower)) return { kind: 'malformed', error: `Digest parameter "${lower}" given twice` };
    seen.add(lower);
    const key = keys.find((candidate) => candidate === lower);
    if (key !== undefined) known[key] = param.value;
    else other.push(param);
  }
  return { kind: 'digest', value: { known, other } };
}
