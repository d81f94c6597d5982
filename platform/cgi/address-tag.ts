/** Adding a tag to a From / To value that has none (RFC 3261 §8.1.1.3, §8.2.6.2). */
import { formatNameAddr, parseNameAddr, SipParseException, tagOf, type SipMessage } from '../sip/index.js';

/** Adds `;tag=<tag>` to the header when it has no tag; false when the value does not parse. */
export function ensureTag(message: SipMessage, header: 'From' | 'To', tag: string): boolean {
  const value = message.getHeader(header);
  if (value === undefined) return false;
  try {
    const address = parseNameAddr(value);
    if (tagOf(address) !== undefined) return true;
    address.params.set('tag', tag);
    message.setHeader(header, formatNameAddr(address));
    return true;
  } catch (e) {
    if (e instanceof SipParseException) return false;
    throw e;
  }
}
