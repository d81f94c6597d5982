/**
 * The S-CSCFs whose requests get ISC treatment. TS 24.229 §5.7.1.3A and RFC 5502 §6 let an AS
 * take P-Served-User (and the session case) only from a node of its trust domain; a request
 * that merely claims to come over ISC from elsewhere is an ordinary request (and a pre-loaded
 * Route to a foreign host is then refused by the relay rules).
 *
 * Configured as `host` or `host:port` (IPv6 in brackets). Two checks use the list:
 *  - the next Route after ours (the S-CSCF URI with its original-dialog identifier) must name
 *    a listed host, and the listed port when one is given (5060/5061 by default);
 *  - the request must come from the address of a listed host (the source port is not compared:
 *    over TCP an S-CSCF connects from an ephemeral port). Host names are resolved through the
 *    resolver given by the caller (this module does no I/O).
 */
import type { SipUri } from '../../sip/index.js';

export interface TrustedScscf {
  /** Lower-case host (IPv6 without brackets). */
  host: string;
  port?: number;
}

/** Resolves a host name to its addresses (A/AAAA). */
export type AddressResolver = (host: string) => Promise<readonly string[]>;

export type TrustedListResult = { ok: true; entries: TrustedScscf[] } | { ok: false; error: string };

/** Parses the configured entries; an entry that is not `host[:port]` is an error. */
export function parseTrustedScscfs(values: readonly string[]): TrustedListResult {
  const entries: TrustedScscf[] = [];
  for (const raw of values) {
    const value = raw.trim().replace(/^sips?:/iu, '');
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/u.exec(value);
    if (!match) return { ok: false, error: `isc.trustedScscf: "${raw}" is not host or host:port` };
    const port = match[3] === undefined ? undefined : Number(match[3]);
    if (port !== undefined && (port < 1 || port > 65535)) return { ok: false, error: `isc.trustedScscf: port of "${raw}" out of range` };
    entries.push({ host: normalise(match[1] ?? match[2] ?? ''), ...(port !== undefined ? { port } : {}) });
  }
  return { ok: true, entries };
}

export class TrustedScscfs {
  readonly entries: readonly TrustedScscf[];
  readonly #resolve: AddressResolver | undefined;
  readonly #ttlMs: number;
  #resolved: { at: number; addresses: ReadonlySet<string> } | undefined;

  /** @param resolve turns configured host names into addresses (results kept `ttlMs`). */
  constructor(entries: readonly TrustedScscf[], resolve?: AddressResolver, ttlMs = 60_000) {
    this.entries = entries;
    this.#resolve = resolve;
    this.#ttlMs = ttlMs;
  }

  /** Whether `uri` (the Route after ours) names a trusted S-CSCF. */
  namesScscf(uri: SipUri): boolean {
    const host = normalise(uri.host);
    const secure = uri.scheme === 'sips' || String(uri.params.get('transport') ?? '').toLowerCase() === 'tls';
    const port = uri.port ?? (secure ? 5061 : 5060);
    return this.entries.some((entry) => entry.host === host && (entry.port === undefined || entry.port === port));
  }

  /** Whether a request from `address` (an IP literal) comes from a trusted S-CSCF. */
  async isTrustedSource(address: string): Promise<boolean> {
    const source = normalise(address);
    if (this.entries.some((entry) => entry.host === source)) return true;
    return (await this.#addresses()).has(source);
  }

  async #addresses(): Promise<ReadonlySet<string>> {
    const now = Date.now();
    if (this.#resolved && now - this.#resolved.at < this.#ttlMs) return this.#resolved.addresses;
    const addresses = new Set<string>();
    const names = this.entries.filter((entry) => !isIpLiteral(entry.host));
    if (this.#resolve) {
      for (const { host } of names) {
        try {
          for (const address of await this.#resolve(host)) addresses.add(normalise(address));
        } catch {
          // unresolvable now: not trusted until it resolves (fail closed)
        }
      }
    }
    this.#resolved = { at: now, addresses };
    return addresses;
  }
}

function normalise(host: string): string {
  const bare = (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase();
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(bare)?.[1] ?? bare;
}

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/u.test(host) || host.includes(':');
}
