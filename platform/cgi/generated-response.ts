/**
 * A response the script generates with a status line (RFC 3050 §5.6.1.1): "the server MUST copy
 * the To, From, Call-ID and CSeq headers from the original request into the response if these
 * headers are not specified in the script output", and SHOULD copy the others normally copied
 * (Via; Record-Route on dialog-creating 101–299, RFC 3261 §12.1.1; Timestamp on 100, §8.2.6.1).
 * The script's own fields then merge in (§5.6.1.2 rules). Via stays the request's: the response
 * has to reach the client (spec notes §11 #5, #6). Any non-100 response gets the transaction's
 * To-tag if the script gave none (spec notes §11 #4: stable across the transaction).
 */
import { createResponse, type SipRequest, type SipResponse } from '../sip/index.js';
import { ensureTag } from './address-tag.js';
import type { StatusAction } from './cgi-actions.js';
import { mergeChanges, type MergeResult } from './message-merge.js';

const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);
const PROTECT = new Set(['via']);
const REQUIRED = new Set(['from', 'to', 'call-id', 'cseq']);

export function buildGeneratedResponse(request: SipRequest, action: StatusAction, toTag: string): MergeResult<SipResponse> {
  const status = action.status;
  const base = createResponse(request, status, action.reason === '' ? undefined : action.reason, status === 100 ? {} : { toTag });
  if (DIALOG_CREATING.has(request.method) && status > 100 && status < 300) {
    for (const field of request.headerFields) {
      if (field.name.toLowerCase() === 'record-route') base.addHeader(field.name, field.value);
    }
  }
  const merged = mergeChanges(base, action, { protect: PROTECT, required: REQUIRED });
  if (status !== 100) ensureTag(merged.message, 'To', toTag);
  return merged;
}
