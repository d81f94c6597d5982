/**
 * Identifiers with enough randomness to be globally unique (RFC 3261 §8.1.1.4 Call-ID,
 * §19.3 tags: at least 32 bits, §8.1.1.7 branch: magic cookie + unique id).
 * Random bytes are drawn in blocks to keep the per-id cost low.
 */
import { randomBytes } from 'node:crypto';
import { MAGIC_COOKIE } from './via.js';

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `length` characters of [0-9a-zA-Z] (≈5.95 random bits each; token-safe everywhere). */
function randomToken(length: number): string {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[offset++]! % 62];
  return out;
}

/** 'z9hG4bK' + 22 random characters (≈128 bits). */
export function generateBranch(): string {
  return MAGIC_COOKIE + randomToken(22);
}

/** A From/To tag: 12 random characters (≈71 bits). */
export function generateTag(): string {
  return randomToken(12);
}

/** A Call-ID: 22 random characters, `@host` when given. */
export function generateCallId(host?: string): string {
  const id = randomToken(22);
  return host ? `${id}@${host}` : id;
}
