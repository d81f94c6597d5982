/**
 * What a simulated target does, written the way people say it:
 * `200`, `486`, `486 Busy Here`, `busy` (486), `noanswer` / `timeout`, `unreachable`,
 * `302:sip:c@d` or `302:sip:c@d;q=0.5,sip:e@f` (3xx with contacts).
 * Lookup results: `notfound`, `failure`, or a comma-separated list of contacts (found).
 */
import type { CplContact, CplLookupOutcome, CplProxyOutcome } from '../run/host.js';
import { reasonPhrase } from '../text/sip-reason.js';

export type TargetOutcome = CplProxyOutcome;

export function parseTargetOutcome(spec: string): TargetOutcome | null {
  const t = spec.trim();
  const lower = t.toLowerCase();
  if (lower === 'noanswer' || lower === 'no-answer' || lower === 'timeout') return { kind: 'noanswer' };
  if (lower === 'unreachable') return { kind: 'unreachable' };
  if (lower === 'busy') return { kind: 'response', status: 486, reason: reasonPhrase(486) };
  const m = /^([1-6]\d\d)(?:\s+([^:]*?))?(?::(.*))?$/.exec(t);
  if (m === null || m[1] === undefined) return null;
  const status = Number(m[1]);
  if (status < 200) return null;
  const reason = m[2] !== undefined && m[2].length > 0 ? m[2] : reasonPhrase(status);
  const contacts = m[3] !== undefined ? parseContacts(m[3]) : undefined;
  return { kind: 'response', status, reason, ...(contacts !== undefined ? { contacts } : {}) };
}

export function parseLookupOutcome(spec: string): CplLookupOutcome | null {
  const t = spec.trim();
  if (t.toLowerCase() === 'notfound') return { kind: 'notfound' };
  if (t.toLowerCase() === 'failure' || t.toLowerCase() === 'timeout') return { kind: 'failure', reason: t.toLowerCase() };
  const locations = parseContacts(t);
  return locations.length > 0 ? { kind: 'found', locations } : null;
}

/** `sip:a@b;q=0.5, sip:c@d`: a trailing `;q=` is the contact's q-value, not a URI parameter. */
export function parseContacts(text: string): CplContact[] {
  const out: CplContact[] = [];
  for (const part of text.split(',')) {
    const p = part.trim().replace(/^<(.*)>$/, '$1');
    if (p.length === 0) continue;
    const q = /;q=([0-9.]+)$/i.exec(p);
    if (q?.[1] !== undefined) out.push({ uri: p.slice(0, q.index), q: Number(q[1]) });
    else out.push({ uri: p });
  }
  return out;
}

export function formatOutcome(o: TargetOutcome): string {
  if (o.kind === 'noanswer') return 'no answer';
  if (o.kind === 'unreachable') return 'unreachable';
  const contacts = o.contacts !== undefined && o.contacts.length > 0 ? ` → ${o.contacts.map((c) => c.uri).join(', ')}` : '';
  return `${o.status} ${o.reason ?? reasonPhrase(o.status)}${contacts}`;
}
