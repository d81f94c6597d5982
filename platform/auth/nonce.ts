/**
 * Stateless nonces (RFC 7616 §3.3 and §5.4 suggest a time stamp plus a keyed hash):
 *
 *   nonce = base64url( timestamp(8 bytes, ms, big-endian) || random(16) ||
 *                      HMAC-SHA256(secret, timestamp || random || realm) )
 *
 * The server keeps nothing per challenge: on verification the HMAC proves it issued the nonce
 * for this realm, and the timestamp gives its age. A nonce older than the lifetime is `stale`
 * (the client may retry with a fresh one without asking its user, RFC 2617 §3.2.1). Previous
 * secrets can still verify, so the secret can be rotated without failing clients mid-session.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type NonceCheck =
  | { status: 'valid'; issuedAt: number }
  | { status: 'stale'; issuedAt: number }
  | { status: 'invalid' };

export interface NonceServiceOptions {
  /** HMAC key, at least 32 bytes (see generateNonceSecret). */
  secret: Buffer;
  /** Older keys still accepted for verification (rotation, restart with a new key). */
  previousSecrets?: readonly Buffer[];
  /** Age after which a nonce is stale; default 300 s. */
  lifetimeMs?: number;
  clock?: () => number;
}

export const DEFAULT_NONCE_LIFETIME_MS = 300_000;
/** A nonce stamped further in the future than this (the clock went back) counts as stale. */
const MAX_CLOCK_SKEW_MS = 60_000;
const TIMESTAMP_BYTES = 8;
const RANDOM_BYTES = 16;
const MAC_BYTES = 32;
const NONCE_BYTES = TIMESTAMP_BYTES + RANDOM_BYTES + MAC_BYTES;
const NONCE_TEXT = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((NONCE_BYTES * 4) / 3)}}$`, 'u');

export function generateNonceSecret(): Buffer {
  return randomBytes(32);
}

export class NonceService {
  readonly lifetimeMs: number;
  readonly #secrets: readonly Buffer[];
  readonly #clock: () => number;

  constructor(options: NonceServiceOptions) {
    for (const secret of [options.secret, ...(options.previousSecrets ?? [])]) {
      if (secret.length < 32) throw new Error('nonce secrets must be at least 32 bytes');
    }
    this.#secrets = [options.secret, ...(options.previousSecrets ?? [])];
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    if (!(this.lifetimeMs > 0)) throw new Error('nonce lifetime must be positive');
    this.#clock = options.clock ?? Date.now;
  }

  issue(realm: string): string {
    const body = Buffer.alloc(TIMESTAMP_BYTES + RANDOM_BYTES);
    body.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(this.#clock()))), 0);
    randomBytes(RANDOM_BYTES).copy(body, TIMESTAMP_BYTES);
    return Buffer.concat([body, mac(this.#secrets[0] as Buffer, body, realm)]).toString('base64url');
  }

  check(nonce: string, realm: string): NonceCheck {
    if (!NONCE_TEXT.test(nonce)) return { status: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    // Only the canonical encoding counts: base64url's last character carries spare bits that
    // decoding ignores, so a changed nonce could otherwise decode to the same octets.
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return { status: 'invalid' };
    const body = raw.subarray(0, TIMESTAMP_BYTES + RANDOM_BYTES);
    const tag = raw.subarray(TIMESTAMP_BYTES + RANDOM_BYTES);
    // Check every secret (no early exit) so timing does not tell which one matched.
    let authentic = false;
    for (const secret of this.#secrets) {
      if (timingSafeEqual(mac(secret, body, realm), tag)) authentic = true;
    }
    if (!authentic) return { status: 'invalid' };
    const issuedAt = Number(body.readBigUInt64BE(0));
    const age = this.#clock() - issuedAt;
    if (age > this.lifetimeMs || age < -MAX_CLOCK_SKEW_MS) return { status: 'stale', issuedAt };
    return { status: 'valid', issuedAt };
  }
}

function mac(secret: Buffer, body: Buffer, realm: string): Buffer {
  return createHmac('sha256', secret).update(body).update(realm, 'utf8').digest();
}
