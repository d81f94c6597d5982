/**
 * The digest computation (RFC 7616 §3.4.1, RFC 3261 §22.4, RFC 8760 §2.1), server and
 * client side:
 *
 *   HA1      = H(username ":" realm ":" password)              — stored, see store/ha1.ts
 *   HA2      = H(method ":" digest-uri)                        — qop=auth or none
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)   with qop
 *   response = H(HA1 ":" nonce ":" HA2)                        RFC 2069, without qop
 *
 * In SIP the method is the request's method (for ACK and CANCEL too, §22.4) and digest-uri
 * the Request-URI as the client sent it.
 */
import { randomBytes } from 'node:crypto';
import { computeHa1, digestHash, type DigestAlgorithm } from '../store/ha1.js';
import type { DigestChallenge, DigestCredentials } from './digest-header.js';

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** With qop=auth, nc and cnonce are part of the hash; without, the RFC 2069 form is used. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

export function computeDigestResponse(input: DigestResponseInput): string {
  const ha2 = digestHash(input.algorithm, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return digestHash(input.algorithm, `${input.ha1}:${input.nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined) throw new Error('qop=auth needs nc and cnonce');
  return digestHash(input.algorithm, `${input.ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** The algorithm a challenge or credentials name; MD5 when absent (RFC 2617 §3.2.1);
 *  undefined for one this server does not implement (SHA-512-256, the -sess variants). */
export function parseDigestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  switch (name.toUpperCase()) {
    case 'MD5':
      return 'MD5';
    case 'SHA-256':
      return 'SHA-256';
    default:
      return undefined;
  }
}

/** Hex length of an algorithm's digest (RFC 8760 §2.2: 32 for MD5, 64 for SHA-256). */
export function digestHexLength(algorithm: DigestAlgorithm): number {
  return algorithm === 'MD5' ? 32 : 64;
}

/** nc as written in credentials: 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNonceCount(count: number): string {
  return count.toString(16).padStart(8, '0');
}

/**
 * The client side: credentials answering a challenge (used by tests, and by the UAC helpers
 * of later issues). Picks qop=auth when offered, else the RFC 2069 form.
 */
export function answerDigestChallenge(input: {
  challenge: DigestChallenge;
  username: string;
  password: string;
  method: string;
  uri: string;
  nc?: number;
  cnonce?: string;
}): DigestCredentials {
  const algorithm = parseDigestAlgorithm(input.challenge.algorithm);
  if (!algorithm) throw new Error(`unsupported digest algorithm ${input.challenge.algorithm ?? ''}`);
  const ha1 = computeHa1(algorithm, input.username, input.challenge.realm, input.password);
  const useQop = input.challenge.qop?.some((qop) => qop.toLowerCase() === 'auth') ?? false;
  const nc = formatNonceCount(input.nc ?? 1);
  const cnonce = input.cnonce ?? randomBytes(12).toString('base64url');
  const response = computeDigestResponse({
    algorithm,
    ha1,
    nonce: input.challenge.nonce,
    method: input.method,
    uri: input.uri,
    ...(useQop ? { qop: 'auth' as const, nc, cnonce } : {}),
  });
  return {
    username: input.username,
    realm: input.challenge.realm,
    nonce: input.challenge.nonce,
    uri: input.uri,
    response,
    ...(input.challenge.algorithm !== undefined ? { algorithm: input.challenge.algorithm } : {}),
    ...(useQop ? { qop: 'auth', nc, cnonce } : {}),
    ...(input.challenge.opaque !== undefined ? { opaque: input.challenge.opaque } : {}),
  };
}
