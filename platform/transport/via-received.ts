/**
 * Stamping the source of a request into its top Via (RFC 3261 §18.2.1, RFC 3581 §4), so that
 * responses find their way back through NATs and to peers that wrote a name or a wrong address.
 */
import { cloneVia, type SipMessage } from '../sip/index.js';
import type { Via } from '../sip/types.js';
import { sameAddress } from './address.js';
import type { SocketAddress } from './types.js';

/**
 * Add `received=<source address>` when the sent-by host differs from it (§18.2.1), and when the
 * Via carries an empty `rport`, fill in the source port and add `received` even if the host
 * matches (RFC 3581 §4). Returns false, changing nothing, when there is no usable top Via:
 * a malformed Via is the transaction layer's to answer with 400.
 */
export function stampReceived(request: SipMessage, source: SocketAddress): boolean {
  let top: Via | undefined;
  try {
    top = request.topVia;
  } catch {
    return false;
  }
  if (!top) return false;
  const wantsRport = top.params.has('rport') && !top.params.get('rport');
  const hostDiffers = !sameAddress(top.host, source.address);
  if (!wantsRport && !hostDiffers) return true;
  const via = cloneVia(top); // the message may cache `top`: edit a copy
  // RFC 5118 §4.5 / RFC 3261 §25.1: `received` carries a bare IPv6 address, without brackets.
  via.params.set('received', source.address);
  if (wantsRport) via.params.set('rport', String(source.port));
  request.setTopVia(via);
  return true;
}
