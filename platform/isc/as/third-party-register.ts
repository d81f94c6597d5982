/**
 * Third-party REGISTER, the AS side (TS 24.229 §5.7.1.1 and §5.4.1.7; isc.md §7, §15 item 7):
 * an S-CSCF tells us a served user registered (or de-registered: Expires 0). Recognised by
 * shape — REGISTER, Request-URI naming us, From naming a trusted S-CSCF (24.229: "From header
 * field set to the SIP URI of the S-CSCF") — the caller also checks the source address. The AS
 * answers 200 with the same expiry and keeps the registration state of the served user.
 * Pure: no I/O.
 */
import type { SipRequest, SipUri } from '../../sip/index.js';
import { aorOf, bareUri } from './isc-session.js';
import type { TrustedScscfs } from './trusted-scscf.js';

export interface ThirdPartyRegister {
  kind: 'third-party';
  /** The registered public user identity, from To (`sip:alice@example.com`). */
  servedUser: string;
  /** Its AOR as service engines key on (`alice@example.com`). */
  aor: string;
  /** Seconds; 0 = de-registration. */
  expires: number;
  /** The S-CSCF's URI (From). */
  scscf: string;
}

export type ThirdPartyRegisterCheck = ThirdPartyRegister | { kind: 'not-for-us' } | { kind: 'invalid'; reason: string };

/** RFC 3261 §10.2.1.1: without Expires the registrar's default applies (3600 s). */
const DEFAULT_EXPIRES = 3600;

/**
 * @param isOwn whether a URI names this server (listener address, served domain or `asUri`)
 */
export function checkThirdPartyRegister(request: SipRequest, isOwn: (uri: SipUri) => boolean, trusted: TrustedScscfs): ThirdPartyRegisterCheck {
  if (request.method !== 'REGISTER') return { kind: 'not-for-us' };
  const target = request.uri;
  if (target.kind !== 'sip' || !isOwn(target)) return { kind: 'not-for-us' };
  let from;
  let to;
  try {
    from = request.from.uri;
    to = request.to.uri;
  } catch {
    return { kind: 'not-for-us' }; // the ordinary stages answer 400
  }
  // A UE's own REGISTER names the user in From; only an S-CSCF names itself.
  if (from.kind !== 'sip' || !trusted.namesScscf(from)) return { kind: 'not-for-us' };
  const expires = expiresOf(request);
  if (expires === undefined) return { kind: 'invalid', reason: 'Expires is not a number of seconds' };
  return { kind: 'third-party', servedUser: bareUri(to), aor: aorOf(to), expires, scscf: bareUri(from) };
}

/** Expires header, else the Contact's `expires` parameter, else the default. */
function expiresOf(request: SipRequest): number | undefined {
  const header = request.getHeader('Expires');
  if (header !== undefined) return /^\s*\d{1,10}\s*$/u.test(header) ? Math.min(Number(header), 2 ** 32 - 1) : undefined;
  const contact = request.getHeader('Contact');
  const param = contact === undefined ? undefined : /;\s*expires\s*=\s*(\d{1,10})/iu.exec(contact.slice(contact.lastIndexOf('>') + 1))?.[1];
  return param === undefined ? DEFAULT_EXPIRES : Number(param);
}

/** What the body of a third-party REGISTER carried (24.229 §7.6, 29.228 Annex B). */
export interface ThirdPartyRegisterBody {
  /** The iFC's ServiceInfo from `<ims-3gpp><service-info>` (XML entities decoded). */
  serviceInfo?: string;
  /** `message/sip` parts: the UE's REGISTER and/or the S-CSCF's 200 OK, as text. */
  includedRequest?: string;
  includedResponse?: string;
}

export function readThirdPartyRegisterBody(request: SipRequest): ThirdPartyRegisterBody {
  const out: ThirdPartyRegisterBody = {};
  const type = request.getHeader('Content-Type');
  if (type === undefined || request.body.length === 0) return out;
  for (const part of bodyParts(type, request.body.toString('utf8'))) {
    const partType = part.type.split(';')[0]!.trim().toLowerCase();
    if (partType === 'application/3gpp-ims+xml') {
      const info = /<service-info>([\s\S]*?)<\/service-info>/u.exec(part.content)?.[1];
      if (info !== undefined) out.serviceInfo = unescapeXml(info);
    } else if (partType === 'message/sip') {
      if (/^REGISTER /u.test(part.content)) out.includedRequest = part.content;
      else if (/^SIP\/2\.0 /u.test(part.content)) out.includedResponse = part.content;
    }
  }
  return out;
}

function bodyParts(type: string, text: string): Array<{ type: string; content: string }> {
  if (!/^\s*multipart\/mixed/iu.test(type)) return [{ type, content: text }];
  const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/iu.exec(type);
  const name = boundary?.[1] ?? boundary?.[2];
  if (name === undefined) return [];
  const parts: Array<{ type: string; content: string }> = [];
  // RFC 2046 §5.1.1: parts sit between CRLF--boundary delimiters; the last ends with `--`.
  for (const chunk of `\r\n${text}`.split(`\r\n--${name}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const body = chunk.replace(/^[ \t]*\r\n/u, '');
    const split = body.indexOf('\r\n\r\n');
    const head = split < 0 ? body : body.slice(0, split);
    const content = split < 0 ? '' : body.slice(split + 4);
    const partType = /^content-type\s*:\s*(.+)$/imu.exec(head)?.[1]?.trim() ?? 'text/plain';
    parts.push({ type: partType, content });
  }
  return parts;
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/gu, '<').replace(/&gt;/gu, '>').replace(/&quot;/gu, '"').replace(/&apos;/gu, "'").replace(/&amp;/gu, '&');
}

interface AsRegistration {
  expiresAt: number;
  scscf: string;
  serviceInfo?: string;
}

/**
 * The served users' registration state as third-party REGISTERs reported it (24.229 §5.7.1.1:
 * the AS stores the expiry). `registered` is undefined for a user we heard nothing about, so a
 * P-Served-User regstate keeps priority and the default stays the caller's.
 */
export class AsRegistrations {
  readonly #entries = new Map<string, AsRegistration>();
  readonly #clock: () => number;
  readonly #limit: number;

  constructor(clock: () => number = Date.now, limit = 100_000) {
    this.#clock = clock;
    this.#limit = limit;
  }

  apply(notice: ThirdPartyRegister, body: ThirdPartyRegisterBody = {}): void {
    this.#entries.delete(notice.aor);
    if (this.#entries.size >= this.#limit) {
      // Bounded: the oldest entry (insertion order) goes first.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(notice.aor, {
      expiresAt: notice.expires === 0 ? 0 : this.#clock() + notice.expires * 1000,
      scscf: notice.scscf,
      ...(body.serviceInfo !== undefined ? { serviceInfo: body.serviceInfo } : {}),
    });
  }

  /** true / false from the last third-party REGISTER (expiry counted); undefined: never heard. */
  registered(aor: string): boolean | undefined {
    const entry = this.#entries.get(aor);
    if (!entry) return undefined;
    return entry.expiresAt > this.#clock();
  }

  serviceInfo(aor: string): string | undefined {
    return this.#entries.get(aor)?.serviceInfo;
  }

  get size(): number {
    return this.#entries.size;
  }
}

