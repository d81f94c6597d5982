/**
 * `mailto` URLs for the CPL `mail` node (RFC 3880 §7.1, RFC 6068). Only the recipients, the
 * subject and the body are kept: other hfields (to, cc, bcc, from, reply-to...) are dropped so a
 * script cannot inject headers or extra recipients into the notification (cpl.md §7.1).
 */
import { decodePercent } from './percent.js';

export interface MailtoUrl {
  readonly to: readonly string[];
  readonly subject: string | null;
  readonly body: string | null;
  /** Names of hfields that were present but are ignored. */
  readonly ignored: readonly string[];
}

const ADDRESS = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+$/;

export function parseMailto(url: string): MailtoUrl | null {
  const m = /^mailto:/i.exec(url.trim());
  if (m === null) return null;
  const rest = url.trim().slice(m[0].length);
  const q = rest.indexOf('?');
  const toPart = q >= 0 ? rest.slice(0, q) : rest;
  const to = toPart
    .split(',')
    .map((a) => decodePercent(a).trim())
    .filter((a) => a.length > 0);
  if (to.length === 0 || !to.every((a) => ADDRESS.test(a))) return null;
  let subject: string | null = null;
  let body: string | null = null;
  const ignored: string[] = [];
  if (q >= 0) {
    for (const field of rest.slice(q + 1).split('&')) {
      if (field.length === 0) continue;
      const eq = field.indexOf('=');
      const name = decodePercent(eq >= 0 ? field.slice(0, eq) : field).toLowerCase();
      const value = decodePercent(eq >= 0 ? field.slice(eq + 1) : '');
      if (name === 'subject') subject = value;
      else if (name === 'body') body = value;
      else ignored.push(name);
    }
  }
  return { to, subject, body, ignored };
}
