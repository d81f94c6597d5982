/** Opaque, unguessable identifiers for RESPONSE_TOKEN (§5.5.1.16) and branches: 144 random bits,
 *  base64url — every character is a SIP `token` character. */
import { randomBytes } from 'node:crypto';

export function newToken(): string {
  return randomBytes(18).toString('base64url');
}
