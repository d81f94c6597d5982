/**
 * Which addresses are this proxy (§16.4: "the URI ... indicates this proxy"; §16.3 item 4: our
 * own Via in a received request) and which address it writes into Via and Record-Route.
 *
 * The proxy imports no transport implementation: the server passes the transport layer's
 * listener list and its `viaSentBy` (TransportLayer satisfies `ListenerSource` structurally).
 */
import { networkInterfaces } from 'node:os';
import type { SipUri } from '../sip/index.js';
import type { TransportProtocol } from '../transport/types.js';

/** Host and port to write as our sent-by / Record-Route for one transport. */
export interface LocalAddress {
  host: string;
  hostIsIPv6: boolean;
  port: number;
}

export interface ListenerInfo {
  readonly protocol: TransportProtocol;
  /** The bound address (may be a wildcard). */
  readonly address: string;
  readonly port: number;
  readonly advertisedHost?: string;
}

/** What the proxy needs from the transport layer. */
export interface ListenerSource {
  readonly listeners: readonly ListenerInfo[];
  viaSentBy(protocol: TransportProtocol, towards?: string): LocalAddress | undefined;
}

export interface ProxyIdentity {
  /** Our address for `protocol`, picked for a peer at `towards` (an IP literal). */
  addressFor(protocol: TransportProtocol, towards?: string): LocalAddress | undefined;
  /** Whether host:port names this server. An absent port means the default of the scheme. */
  isLocal(host: string, port: number | undefined, secure?: boolean): boolean;
}

export function defaultSipPort(secure: boolean): number {
  return secure ? 5061 : 5060;
}

/** Whether a SIP URI points at this server (host and port), whatever its user part. */
export function isLocalUri(identity: ProxyIdentity, uri: SipUri): boolean {
  const transport = uri.params.get('transport');
  const secure = uri.scheme === 'sips' || (typeof transport === 'string' && transport.toLowerCase() === 'tls');
  return identity.isLocal(uri.host, uri.port, secure);
}

export class ListenerIdentity implements ProxyIdentity {
  readonly #source: ListenerSource;
  readonly #aliases: ReadonlySet<string>;

  /** @param aliases further host names that mean this server (its public name, served domains
   *  when used as a proxy name in Route). Compared case-insensitively. */
  constructor(source: ListenerSource, aliases: readonly string[] = []) {
    this.#source = source;
    this.#aliases = new Set(aliases.map((alias) => normalizeHost(alias)));
  }

  addressFor(protocol: TransportProtocol, towards?: string): LocalAddress | undefined {
    return this.#source.viaSentBy(protocol, towards);
  }

  isLocal(host: string, port: number | undefined, secure = false): boolean {
    const wanted = port ?? defaultSipPort(secure);
    const listeners = this.#source.listeners;
    if (!listeners.some((listener) => listener.port === wanted)) return false;
    const name = normalizeHost(host);
    if (this.#aliases.has(name)) return true;
    for (const listener of listeners) {
      if (listener.port !== wanted) continue;
      if (listener.advertisedHost !== undefined && normalizeHost(listener.advertisedHost) === name) return true;
      const bound = normalizeHost(listener.address);
      if (bound === name) return true;
      if ((bound === '0.0.0.0' || bound === '::') && interfaceAddresses().has(name)) return true;
    }
    return false;
  }
}

/** Lower-case, without IPv6 brackets, IPv4-mapped IPv6 as IPv4. */
export function normalizeHost(host: string): string {
  let bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  bare = bare.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(bare);
  return mapped?.[1] ?? bare;
}

let cachedInterfaces: { at: number; addresses: Set<string> } | undefined;

/** Addresses of this host's interfaces (refreshed every 10 s), plus `localhost`. */
function interfaceAddresses(): Set<string> {
  const now = Date.now();
  if (cachedInterfaces && now - cachedInterfaces.at < 10_000) return cachedInterfaces.addresses;
  const addresses = new Set<string>(['localhost']);
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(normalizeHost(entry.address));
  }
  cachedInterfaces = { at: now, addresses };
  return addresses;
}
