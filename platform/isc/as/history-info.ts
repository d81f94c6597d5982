/**
 * History-Info on retargeting (RFC 7044). When the AS changes the Request-URI of the request it
 * hands back to the S-CSCF (call forwarding: a retarget, isc.md §5.3), TS 24.229 / TS 24.604
 * (CDIV) have the diverting AS record the diversion in History-Info; we add the RFC 7044
 * entries an intermediary adds and nothing else (no `cause` URI parameter, RFC 4458: a service
 * engine does not tell why it retargets; no Privacy handling):
 *
 *  - §10.3: a request that arrives without History-Info first gets an hi-entry for the
 *    Request-URI it arrived with (`index=1`), so the original target is recorded;
 *  - §10.3/§9.2: each forwarded copy gets an hi-entry for its new Request-URI, indexed as a
 *    child of the entry for the received Request-URI (the last entry whose targeted-to URI is
 *    that Request-URI, else the last entry), `.1`, `.2` … per branch, tagged `mp` (§4.2.1:
 *    the target was determined by mapping to a different user) with the parent's index.
 * A request whose Request-URI is left as it was gets no entry (minimal: RFC 7044 §9.1 lets an
 * intermediary that does not retarget leave History-Info alone).
 */
import { formatUri, parseNameAddr, paramText, type SipRequest, type Uri } from '../../sip/index.js';
import { identityKey } from '../served-user.js';

/** Whether sending to `target` instead of `received` is a retarget (a different identity). */
export function isRetarget(received: Uri, target: Uri): boolean {
  const a = identityKey(formatUri(received));
  const b = identityKey(formatUri(target));
  return a === undefined || b === undefined ? formatUri(received) !== formatUri(target) : a !== b;
}

/**
 * Adds the History-Info entries for a copy retargeted from `received` to `copy.uri`.
 * @param branch 1-based number of this target among the retargeted ones (hi-index child).
 */
export function addRetargetHistory(copy: SipRequest, received: Uri, branch: number): void {
  const entries = readEntries(copy);
  const receivedKey = identityKey(formatUri(received));
  let parent = [...entries].reverse().find((entry) => entry.key !== undefined && entry.key === receivedKey)?.index;
  if (parent === undefined) {
    if (entries.length === 0) {
      copy.addHeader('History-Info', `<${escapeForHi(received)}>;index=1`);
      parent = '1';
    } else {
      parent = entries[entries.length - 1]?.index ?? '1';
    }
  }
  copy.addHeader('History-Info', `<${escapeForHi(copy.uri)}>;index=${parent}.${branch};mp=${parent}`);
}

interface HiEntry {
  index: string;
  key: string | undefined;
}

function readEntries(request: SipRequest): HiEntry[] {
  const out: HiEntry[] = [];
  for (const value of request.getHeaders('History-Info')) {
    try {
      const entry = parseNameAddr(value);
      const index = paramText(entry.params.get('index'));
      if (index === undefined || !/^\d+(?:\.\d+)*$/u.test(index)) continue;
      out.push({ index, key: identityKey(formatUri(entry.uri)) });
    } catch {
      // an unreadable entry is kept as it is and not used as a parent
    }
  }
  return out;
}

/** The hi-targeted-to-uri is a name-addr URI: `?` headers and `>` never appear unescaped. */
function escapeForHi(uri: Uri): string {
  return formatUri(uri).replace(/>/gu, '%3E');
}
