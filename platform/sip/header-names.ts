/**
 * Header names: compact forms (RFC 3261 §7.3.3 and the IANA registry), canonical spellings,
 * which headers are comma lists (§7.3.1) and which may appear only once.
 * A header is identified internally by its lower-case long name (`key`).
 */

/** Compact form → key (RFC 3261 §7.3.3, RFC 3265, 3515, 3892, 3841, 4028, 4474, 3903 …). */
const COMPACT: Record<string, string> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length',
  c: 'content-type', e: 'content-encoding', k: 'supported', s: 'subject', o: 'event',
  r: 'refer-to', u: 'allow-events', b: 'referred-by', x: 'session-expires', y: 'identity',
  a: 'accept-contact', j: 'reject-contact', d: 'request-disposition',
};

/** Key → the spelling used when we build a header ourselves. */
const CANONICAL: Record<string, string> = {
  'via': 'Via', 'from': 'From', 'to': 'To', 'call-id': 'Call-ID', 'cseq': 'CSeq',
  'contact': 'Contact', 'content-length': 'Content-Length', 'content-type': 'Content-Type',
  'content-encoding': 'Content-Encoding', 'supported': 'Supported', 'subject': 'Subject',
  'event': 'Event', 'refer-to': 'Refer-To', 'allow-events': 'Allow-Events', 'referred-by': 'Referred-By',
  'session-expires': 'Session-Expires', 'identity': 'Identity', 'accept-contact': 'Accept-Contact',
  'reject-contact': 'Reject-Contact', 'request-disposition': 'Request-Disposition',
  'max-forwards': 'Max-Forwards', 'route': 'Route', 'record-route': 'Record-Route',
  'www-authenticate': 'WWW-Authenticate', 'proxy-authenticate': 'Proxy-Authenticate',
  'proxy-authorization': 'Proxy-Authorization', 'authorization': 'Authorization',
  'proxy-require': 'Proxy-Require', 'require': 'Require', 'unsupported': 'Unsupported',
  'mime-version': 'MIME-Version', 'rack': 'RAck', 'rseq': 'RSeq', 'min-se': 'Min-SE',
  'sip-etag': 'SIP-ETag', 'sip-if-match': 'SIP-If-Match', 'user-agent': 'User-Agent',
};

/** Headers whose value is a comma-separated list (§7.3.1); only these are split. */
const LIST_HEADERS = new Set([
  'via', 'contact', 'route', 'record-route', 'accept', 'accept-encoding', 'accept-language',
  'alert-info', 'allow', 'call-info', 'content-encoding', 'content-language', 'error-info',
  'in-reply-to', 'proxy-require', 'require', 'supported', 'unsupported', 'warning',
  'allow-events', 'path', 'service-route', 'p-asserted-identity', 'p-preferred-identity',
  'security-client', 'security-server', 'security-verify', 'reason', 'accept-contact',
  'reject-contact', 'request-disposition', 'history-info', 'p-associated-uri',
  'accept-resource-priority', 'resource-priority', 'permission-missing', 'trigger-consent',
  'p-visited-network-id', 'p-charging-function-addresses', 'geolocation', 'feature-caps',
]);

/** Headers that must appear at most once (§7.3.1: not a comma list) and that the stack reads. */
export const SINGLETON_HEADERS: readonly string[] = [
  'call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type',
  'content-disposition', 'expires', 'min-expires', 'mime-version', 'date', 'organization',
  'priority', 'reply-to', 'retry-after', 'server', 'subject', 'timestamp', 'user-agent',
  'event', 'refer-to', 'referred-by', 'rseq', 'rack', 'session-expires', 'min-se',
  'sip-etag', 'sip-if-match', 'identity', 'identity-info',
];

/** Other names we look up often; with the tables above they form the known-name index. */
const OTHER_KNOWN = [
  'accept', 'allow', 'expires', 'date', 'server', 'timestamp', 'warning', 'path', 'reason',
  'priority', 'min-expires', 'content-disposition', 'accept-encoding', 'accept-language',
  'alert-info', 'call-info', 'organization', 'retry-after', 'authentication-info',
  'content-language', 'error-info', 'in-reply-to', 'reply-to', 'service-route',
  'p-asserted-identity', 'p-preferred-identity', 'privacy', 'subscription-state', 'rseq',
];

/** Spellings seen on the wire most often, tried first with a native prefix compare. */
const WRITTEN: Record<string, string> = { ...CANONICAL, 'call-id': 'Call-ID', 'cseq': 'CSeq' };
for (const key of OTHER_KNOWN) WRITTEN[key] ??= key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());

export interface KnownName {
  /** Lower-case long name. */
  readonly key: string;
  /** The usual spelling (`Content-Length`), shared by every message written that way. */
  readonly written: string;
  /** Index in KNOWN_NAMES. */
  id: number;
}

/** Known names indexed by (length, first letter), so a lookup compares one or two names. */
const INDEX: Array<KnownName[] | undefined> = new Array<KnownName[] | undefined>(40 * 32).fill(undefined);
for (const key of new Set([...Object.keys(CANONICAL), ...LIST_HEADERS, ...SINGLETON_HEADERS, ...OTHER_KNOWN])) {
  if (key.length >= 40 || key.length < 2) continue;
  const slot = key.length * 32 + (key.charCodeAt(0) & 31);
  (INDEX[slot] ??= []).push({ key, written: WRITTEN[key] ?? key, id: -1 });
}

/** s[start, start + key.length) equals the lower-case `key`, ignoring the case of letters. */
function matchesKey(s: string, start: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = s.charCodeAt(start + i);
    const k = key.charCodeAt(i);
    // Fold case for letters only, so that no other character can pass for a key character.
    if (c !== k && (k < 97 || (c | 32) !== k)) return false;
  }
  return true;
}

/** Every known spelling, addressed by the ids lookupHeaderName returns. */
export const KNOWN_NAMES: KnownName[] = [];
for (const list of INDEX) if (list) for (const name of list) KNOWN_NAMES.push(name);
const COMPACT_IDS = new Int16Array(128).fill(-1);
for (const [letter, key] of Object.entries(COMPACT)) {
  for (const written of [letter, letter.toUpperCase()]) {
    COMPACT_IDS[written.charCodeAt(0)] = KNOWN_NAMES.length;
    KNOWN_NAMES.push({ key, written, id: -1 });
  }
}
KNOWN_NAMES.forEach((name, id) => {
  name.id = id;
});

/**
 * Look s[start, end) up among the known header names without allocating: returns the id in
 * KNOWN_NAMES when spelled exactly as `written` (the caller can share that string instead of
 * slicing), -2 - id when it matches ignoring case, -1 when the name is not known.
 */
export function lookupHeaderName(s: string, start: number, end: number): number {
  const length = end - start;
  const first = s.charCodeAt(start);
  if (length === 1) return first < 128 ? COMPACT_IDS[first]! : -1;
  if (length >= 40 || !((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return -1;
  const candidates = INDEX[length * 32 + (first & 31)];
  if (candidates === undefined) return -1;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (s.startsWith(candidate.written, start)) return candidate.id;
    if (matchesKey(s, start, candidate.key)) return -2 - candidate.id;
  }
  return -1;
}

const unknownCache = new Map<string, string>();
const CACHE_LIMIT = 1024;

/** The key of the header name s[start, end): lower-case long form, interned for known names. */
export function headerKeyAt(s: string, start: number, end: number): string {
  const id = lookupHeaderName(s, start, end);
  if (id !== -1) return KNOWN_NAMES[id >= 0 ? id : -2 - id]!.key;
  const name = start === 0 && end === s.length ? s : s.slice(start, end);
  let key = unknownCache.get(name);
  if (key === undefined) {
    key = name.toLowerCase();
    // Bounded, so that random names from the network cannot grow it without limit.
    if (unknownCache.size < CACHE_LIMIT) unknownCache.set(name, key);
  }
  return key;
}

/** The key for a header name as written: lower-case long form (`v`, `VIA` → `via`). */
export function headerKey(name: string): string {
  return headerKeyAt(name, 0, name.length);
}

/** Our spelling of a header for messages we build: `Call-ID`, `CSeq`, `WWW-Authenticate` … */
export function canonicalName(name: string): string {
  const key = headerKey(name);
  const known = CANONICAL[key];
  if (known !== undefined) return known;
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
