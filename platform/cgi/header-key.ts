/**
 * Header names as SIP-CGI sees them: compact forms expanded (RFC 3261 §7.3.3) and case folded, so
 * that `f`, `FROM` and `From` are one header everywhere in this folder.
 */
import { canonicalName } from '../sip/index.js';

/** Lower-case long form: `f` → `from`, `Call-ID` → `call-id`. */
export function headerKeyOf(name: string): string {
  return canonicalName(name).toLowerCase();
}

/** token (RFC 3261 §25.1): what header names, cookies and tokens are made of. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}
