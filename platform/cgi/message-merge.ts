/**
 * Merging a script's header fields and body into a message (RFC 3050 §5.6.1.2, also used by
 * §5.6.1.3 and for generated responses):
 * 1. a header the script gives "replaces all instances of that header in the original message,
 *    in their entirety" — in place, at the first original's position (spec notes §11 #8);
 * 2. new headers are "inserted after any Via headers but before all other headers";
 * 3. CGI-Remove names (and fields printed with an empty value) are deleted;
 * 4. no body → the original body; `Content-Length: 0` → the body is deleted (with Content-Type,
 *    -Encoding, -Disposition, -Language, spec notes §11 #9); Content-Type + body → replaced.
 * Protected names (Via for anything the server forwards) are never touched: a script cannot
 * take the server's responses off their path (spec notes pitfall 10).
 */
import { cloneUri, SipRequest, SipResponse, type HeaderField } from '../sip/index.js';
import type { MessageChanges } from './cgi-actions.js';
import { headerKeyOf } from './header-key.js';

const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-disposition', 'content-language']);

export interface MergeOptions {
  /** Names (lower-case long form) the script may neither give nor remove. */
  protect?: ReadonlySet<string>;
  /** Names the script may replace but not remove. */
  required?: ReadonlySet<string>;
}

export interface MergeResult<T> {
  message: T;
  /** Header names the script gave or removed that were refused (for the log). */
  ignored: string[];
}

export function mergeChanges<T extends SipRequest | SipResponse>(original: T, changes: MessageChanges, options: MergeOptions = {}): MergeResult<T> {
  const protect = options.protect ?? new Set<string>();
  const ignored: string[] = [];
  const given = new Map<string, HeaderField[]>();
  for (const field of changes.headers) {
    const key = headerKeyOf(field.name);
    if (protect.has(key)) {
      ignored.push(field.name);
      continue;
    }
    const list = given.get(key);
    if (list) list.push(field);
    else given.set(key, [field]);
  }
  const remove = new Set<string>();
  for (const key of changes.remove) {
    if (protect.has(key) || options.required?.has(key)) ignored.push(key);
    else remove.add(key);
  }
  const body = changes.body;
  if (body.kind === 'replace') given.set('content-type', [{ name: 'Content-Type', value: body.contentType }]);

  const fields: HeaderField[] = [];
  const placed = new Set<string>();
  let insertAt = 0;
  for (const field of original.headerFields) {
    const key = headerKeyOf(field.name);
    if (remove.has(key)) continue;
    const replacement = given.get(key);
    if (replacement) {
      if (!placed.has(key)) fields.push(...replacement);
      placed.add(key);
      continue;
    }
    if (body.kind === 'delete' && BODY_HEADERS.has(key)) continue;
    fields.push({ name: field.name, value: field.value });
    if (key === 'via') insertAt = fields.length;
  }
  const added: HeaderField[] = [];
  for (const [key, list] of given) if (!placed.has(key)) added.push(...list);
  fields.splice(insertAt, 0, ...added);

  const newBody = body.kind === 'keep' ? original.body : body.kind === 'delete' ? Buffer.alloc(0) : body.body;
  let message: SipRequest | SipResponse;
  if (original.kind === 'request') message = new SipRequest(original.method, cloneUri(original.uri), fields, newBody);
  else message = new SipResponse(original.status, original.reason, fields, newBody);
  message.version = original.version;
  return { message: message as T, ignored };
}
