/**
 * IP address helpers for the transport layer: comparing, formatting and classifying the
 * addresses that appear in sockets, Via sent-by and `received` (RFC 3261 §18.2.1, RFC 5118).
 */
import { isIP as netIsIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { SocketAddress } from './types.js';

/** Dotted-quad IPv4 exactly as node:net accepts it (0–255, no leading zeros), without its
 *  regular expression: every datagram in and out asks this several times. */
export function isIPv4(address: string): boolean {
  const length = address.length;
  if (length < 7 || length > 15) return false;
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= length; i++) {
    const code = i < length ? address.charCodeAt(i) : 0x2e;
    if (code === 0x2e) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      value = 0;
      digits = 0;
    } else if (code >= 0x30 && code <= 0x39) {
      if (digits === 1 && value === 0) return false; // leading zero
      value = value * 10 + (code - 0x30);
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/** node:net's isIP with the common IPv4 case answered first. */
export function isIP(address: string): 0 | 4 | 6 {
  if (isIPv4(address)) return 4;
  const family = netIsIP(address);
  return family === 6 ? 6 : family === 4 ? 4 : 0;
}

const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/**
 * The canonical text of an address: IPv4-mapped IPv6 (what a dual-stack socket reports for an
 * IPv4 peer) becomes plain IPv4, IPv6 is lower-cased and compressed, so `0:0:0:0:0:0:0:1` and
 * `::1` compare equal (RFC 5118 §4.3). Host names are lower-cased; anything else is returned as is.
 */
export function normalizeAddress(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family === 0) return bare.toLowerCase();
  const dotted = MAPPED_DOTTED.exec(bare);
  if (dotted?.[1]) return dotted[1];
  let canonical: string;
  try {
    canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase(); // scoped addresses (fe80::1%eth0) are not URL hosts
  }
  const hex = MAPPED_HEX.exec(canonical);
  if (hex?.[1] && hex[2]) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return canonical;
}

/** Whether two hosts name the same address (RFC 5118: IPv6 text forms differ, values do not). */
export function sameAddress(a: string, b: string): boolean {
  return normalizeAddress(a) === normalizeAddress(b);
}

/** 4 or 6 for an IP literal (mapped IPv6 counts as 4), 0 for a host name. */
export function addressFamily(address: string): 0 | 4 | 6 {
  const family = isIP(normalizeAddress(address));
  return family === 4 || family === 6 ? family : 0;
}

/** `127.0.0.1:5060` or `[::1]:5060`. */
export function formatHostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export function formatSocketAddress(socket: SocketAddress): string {
  return formatHostPort(socket.address, socket.port);
}

/** A bind address that stands for every interface of its family. */
export function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || normalizeAddress(host) === '::';
}

export function isLoopback(address: string): boolean {
  const normal = normalizeAddress(address);
  return normal === '::1' || normal.startsWith('127.') || normal === 'localhost';
}

/** Whether a socket bound to `host` can reach an address of `family` (`::` is dual-stack). */
export function bindReaches(host: string, family: 4 | 6): boolean {
  const normal = normalizeAddress(host);
  if (normal === '::') return true;
  return (addressFamily(normal) === 6 ? 6 : 4) === family;
}

/**
 * An address of this host to write in a Via when bound to a wildcard with nothing advertised:
 * loopback towards a loopback peer, else the first external interface address of the family.
 */
export function localAddressFor(family: 4 | 6, towards?: string): string {
  const loopback = family === 6 ? '::1' : '127.0.0.1';
  if (towards !== undefined && isLoopback(towards)) return loopback;
  const wanted = family === 6 ? 'IPv6' : 'IPv4';
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((entry) => !entry.internal && entry.family === wanted && !entry.address.startsWith('fe80'));
    if (found) return found.address;
  }
  return loopback;
}
