/**
 * The engine merges a script's output into whole messages (message-merge.ts); the core wants
 * MessageEdits (platform/services). This turns "original → merged" back into edits: every name
 * whose fields changed is given in full (so it replaces all originals, RFC 3050 §5.6.1.2 rule
 * 1), every name that disappeared is removed, and the body is kept, replaced or deleted. Via,
 * Max-Forwards and Content-Length stay the core's.
 */
import type { HeaderField, SipRequest, SipResponse } from '../sip/index.js';
import type { MessageEdits } from '../services/index.js';
import { headerKeyOf } from './header-key.js';

const CORE_OWNED = new Set(['via', 'max-forwards', 'content-length']);

function byName(fields: readonly HeaderField[]): Map<string, HeaderField[]> {
  const out = new Map<string, HeaderField[]>();
  for (const field of fields) {
    const key = headerKeyOf(field.name);
    if (CORE_OWNED.has(key)) continue;
    out.set(key, [...(out.get(key) ?? []), field]);
  }
  return out;
}

const sameValues = (a: readonly HeaderField[] | undefined, b: readonly HeaderField[]): boolean =>
  a !== undefined && a.length === b.length && a.every((field, i) => field.value === b[i]?.value);

export function messageEdits(original: SipRequest | SipResponse, merged: SipRequest | SipResponse, maxForwards?: number): MessageEdits {
  const before = byName(original.headerFields);
  const after = byName(merged.headerFields);
  const bodyChanged = !original.body.equals(merged.body) || !sameValues(before.get('content-type') ?? [], after.get('content-type') ?? []);
  const edits: MessageEdits = {};
  const headers: HeaderField[] = [];
  for (const [key, fields] of after) {
    if (key === 'content-type' && bodyChanged) continue; // carried by `body`
    if (!sameValues(before.get(key), fields)) headers.push(...fields.map((f) => ({ name: f.name, value: f.value })));
  }
  const remove = [...before.keys()].filter((key) => !after.has(key) && !(key === 'content-type' && bodyChanged));
  if (headers.length > 0) edits.headers = headers;
  if (remove.length > 0) edits.remove = remove;
  if (bodyChanged) {
    const contentType = merged.getHeader('Content-Type');
    edits.body = merged.body.length === 0 ? null : { contentType: contentType ?? 'application/octet-stream', content: merged.body };
  }
  if (maxForwards !== undefined) edits.maxForwards = maxForwards;
  return edits;
}
