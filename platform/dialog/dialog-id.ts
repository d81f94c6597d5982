/**
 * Dialog identifiers (RFC 3261 §12): Call-ID, local tag and remote tag. The same dialog has
 * mirrored ids at its two ends; which tag is "local" depends on whether this UA sent (UAC) or
 * received (UAS) the request that created it (§12, third paragraph).
 */
import type { SipMessage, SipRequest } from '../sip/index.js';
import { tagOf } from '../sip/index.js';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** One string per dialog id, for maps. Call-ID and tags are opaque tokens: exact match. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

/**
 * The id of the dialog a message belongs to, seen from the UAS side of the request it carries
 * or answers: local tag in To, remote tag in From (§12). Used for in-dialog requests we
 * receive and for ACKs of our 2xx. Undefined without both tags.
 */
export function uasDialogIdOf(message: SipMessage): DialogId | undefined {
  return idOf(message, 'to', 'from');
}

/**
 * The id seen from the UAC side: local tag in From, remote tag in To — for responses to
 * requests we sent (§12.1.2).
 */
export function uacDialogIdOf(message: SipMessage): DialogId | undefined {
  return idOf(message, 'from', 'to');
}

/** True when the request carries a To tag, i.e. claims to be inside a dialog (§12.2). */
export function hasToTag(request: SipRequest): boolean {
  try {
    return tagOf(request.to) !== undefined;
  } catch {
    return false;
  }
}

function idOf(message: SipMessage, local: 'from' | 'to', remote: 'from' | 'to'): DialogId | undefined {
  try {
    const localTag = tagOf(message[local]);
    const remoteTag = tagOf(message[remote]);
    if (!localTag || !remoteTag) return undefined;
    return { callId: message.callId, localTag, remoteTag };
  } catch {
    return undefined;
  }
}
