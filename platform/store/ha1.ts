/**
 * HA1, the stored form of a digest password (RFC 7616 §3.4.2, RFC 8760 §2.1):
 * `H(username ":" realm ":" password)` as lower-case hex. Storing HA1 instead of the password
 * lets the server verify digest responses without ever keeping the password; the realm is the
 * user's domain, so a user's HA1 changes when the domain is renamed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Digest algorithms this server stores HA1 for (RFC 8760 §2.1 names). */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

const NODE_HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** H(data) for a digest algorithm: lower-case hex of the UTF-8 bytes' hash (RFC 7616 §3.4.1). */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[algorithm]).update(data, 'utf8').digest('hex');
}

/** HA1 = H(username:realm:password) — pure, for storage and for test vectors. */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** Compare two hex digests in constant time (length leaks only the algorithm). Case-insensitive,
 *  because some clients send upper-case hex. */
export function hexDigestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a.toLowerCase(), 'utf8');
  const right = Buffer.from(b.toLowerCase(), 'utf8');
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
