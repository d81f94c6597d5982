/**
 * Applying an engine's MessageEdits to a message the core is about to send (a request per
 * target, a forwarded response) — the merge rules of RFC 3050 §5.6.1.2, written once for the
 * core so that the services stage / proxy only has to call this:
 *   1. a given name replaces every field of that name, at the first one's position;
 *   2. a name the message lacks goes after the Via fields, before all others;
 *   3. removed names are dropped; Via is never touched (responses must come back through us);
 *   4. body: absent → kept; null → deleted with Content-Type/-Encoding/-Disposition/-Language;
 *      a new body replaces the old one and sets Content-Type.
 * Max-Forwards is the proxy's to decrement; `maxForwards` only caps the result (§16.6 step 3).
 */
import { canonicalName, cloneUri, SipRequest, SipResponse, type HeaderField } from '../sip/index.js';
import type { MessageEdits } from './decision.js';

const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-disposition', 'content-language']);
const NEVER_EDITED = new Set(['via', 'content-length']);

const keyOf = (name: string): string => canonicalName(name).toLowerCase();

/** A new message: `message` with `edits` applied (the original is left as it is). */
export function applyMessageEdits<T extends SipRequest | SipResponse>(message: T, edits: MessageEdits): T {
  const given = new Map<string, HeaderField[]>();
  for (const field of edits.headers ?? []) {
    const key = keyOf(field.name);
    if (NEVER_EDITED.has(key)) continue;
    given.set(key, [...(given.get(key) ?? []), { name: field.name, value: field.value }]);
  }
  const remove = new Set((edits.remove ?? []).map(keyOf).filter((key) => !NEVER_EDITED.has(key)));
  const body = edits.body;
  if (body) given.set('content-type', [{ name: 'Content-Type', value: body.contentType }]);

  const fields: HeaderField[] = [];
  const placed = new Set<string>();
  let afterVia = 0;
  for (const field of message.headerFields) {
    const key = keyOf(field.name);
    const replacement = given.get(key);
    if (replacement) {
      if (!placed.has(key)) fields.push(...replacement);
      placed.add(key);
      continue;
    }
    if (remove.has(key) || (body === null && BODY_HEADERS.has(key))) continue;
    fields.push({ name: field.name, value: field.value });
    if (key === 'via') afterVia = fields.length;
  }
  const added: HeaderField[] = [];
  for (const [key, list] of given) if (!placed.has(key)) added.push(...list);
  fields.splice(afterVia, 0, ...added);

  const newBody = body === undefined ? message.body : body === null ? Buffer.alloc(0) : Buffer.from(body.content);
  const out =
    message instanceof SipRequest
      ? new SipRequest(message.method, cloneUri(message.uri), fields, newBody)
      : new SipResponse((message as SipResponse).status, (message as SipResponse).reason, fields, newBody);
  out.version = message.version;
  if (edits.maxForwards !== undefined && out instanceof SipRequest) {
    const current = out.maxForwards;
    if (current === undefined || edits.maxForwards < current) out.setHeader('Max-Forwards', String(edits.maxForwards));
  }
  return out as T;
}
