/**
 * Host values for address matching. RFC 3880 §4.1.1: "Host names are compared as strings. IP
 * addresses are compared numerically. (In particular, the presence or location of an IPv6 ::
 * omitted-zero-bits block is not significant for matching purposes.) Host names are never equal
 * to IP addresses -- no DNS resolution is performed. IPv4 addresses are never equal to IPv6
 * addresses, even if the IPv6 address is a v4-in-v6 embedding."
 */
export type HostKind = 'name' | 'ipv4' | 'ipv6';

export interface NormalHost {
  readonly kind: HostKind;
  /** Canonical form: lower-case name, dotted decimal without leading zeros, or 8 hex groups. */
  readonly normal: string;
}

/** Normalises a host as written in a URI or a script (`[::1]`, `::1`, `192.0.2.1`, `Example.COM`). */
export function normalizeHost(text: string): NormalHost {
  const trimmed = text.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  const v4 = parseIPv4(bare);
  if (v4 !== null) return { kind: 'ipv4', normal: v4.join('.') };
  const v6 = parseIPv6(bare);
  if (v6 !== null) return { kind: 'ipv6', normal: v6.map((g) => g.toString(16)).join(':') };
  return { kind: 'name', normal: trimmed.toLowerCase() };
}

export function hostsEqual(a: NormalHost, b: NormalHost): boolean {
  return a.kind === b.kind && a.normal === b.normal;
}

/** Four octets, or null. Octets are compared numerically, so `010` is 10 (not octal). */
export function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted IPv4 tail. */
export function parseIPv6(text: string): number[] | null {
  if (!text.includes(':')) return null;
  const zone = text.indexOf('%');
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  const halves = addr.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIPv4(p);
      if (v4 === null) return null;
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
    out.push(parseInt(p, 16));
  }
  return out;
}
