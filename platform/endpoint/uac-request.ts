/**
 * An out-of-dialog request as a UAC builds it (RFC 3261 §8.1.1): Request-URI, To (no tag,
 * §8.1.1.2), From with a fresh tag (§8.1.1.3), a new Call-ID (§8.1.1.4), CSeq (§8.1.1.5),
 * Max-Forwards 70 (§8.1.1.6) and, for INVITE, a Contact (§8.1.1.8). A preloaded route set
 * (§8.1.1.1, loose routes only) becomes Route header fields. The Via is pushed when the
 * request is sent (§8.1.1.7).
 */
import {
  createParams,
  createRequest,
  formatNameAddr,
  generateCallId,
  generateTag,
  parseNameAddr,
  parseUri,
  type HeaderField,
  type NameAddr,
  type SipRequest,
} from '../sip/index.js';

export interface UacRequestSpec {
  method: string;
  /** Request-URI; targets are resolved without DNS (IP literal or localhost, see dialog/next-hop). */
  uri: string;
  /** From (name-addr or URI); a tag in it is replaced by a fresh one. */
  from: string;
  /** To; default the Request-URI. A tag is refused: out of dialog (§8.1.1.2). */
  to?: string;
  callId?: string;
  /** Default 1. */
  cseq?: number;
  /** Default 70 (§8.1.1.6); a B2BUA passes the caller's value minus one so that a call routed
   *  back into itself ends with 483 instead of looping. */
  maxForwards?: number;
  /** Preloaded (loose) route set, in order. */
  route?: string[];
  /** Further header fields. Via, From, To, Call-ID, CSeq, Max-Forwards given here are ignored. */
  headers?: HeaderField[];
  body?: { contentType: string; content: string | Buffer };
}

/** Header fields the core writes itself. */
const OWN = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'max-forwards', 'content-type', 'c', 'content-length', 'l']);
/** Methods whose request carries our Contact (they create dialogs or need a target). */
const WITH_CONTACT = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

export function buildUacRequest(spec: UacRequestSpec, contact: string): SipRequest {
  const method = spec.method.toUpperCase();
  if (method === 'ACK' || method === 'CANCEL') throw new Error(`${method} is not sent as an out-of-dialog request (§13.2.2.4, §9.1)`);
  const uri = parseUri(spec.uri);
  const to = parseNameAddr(spec.to ?? `<${spec.uri}>`);
  if (to.params.has('tag')) throw new Error('an out-of-dialog request has no To tag (§8.1.1.2)');
  const from = withTag(parseNameAddr(spec.from), generateTag());
  const cseq = spec.cseq ?? 1;
  if (!Number.isInteger(cseq) || cseq < 0 || cseq >= 2 ** 31) throw new RangeError('CSeq must be below 2^31 (§8.1.1.5)');
  const headers: HeaderField[] = [
    ...(spec.route ?? []).map((value) => ({ name: 'Route', value: formatNameAddr(parseNameAddr(value)) })),
    { name: 'Max-Forwards', value: String(maxForwardsOf(spec.maxForwards)) },
    { name: 'From', value: formatNameAddr(from) },
    { name: 'To', value: formatNameAddr(to) },
    { name: 'Call-ID', value: spec.callId ?? generateCallId() },
    { name: 'CSeq', value: `${cseq} ${method}` },
  ];
  if (WITH_CONTACT.has(method) && !(spec.headers ?? []).some((header) => /^(contact|m)$/i.test(header.name))) {
    headers.push({ name: 'Contact', value: contact });
  }
  for (const header of spec.headers ?? []) if (!OWN.has(header.name.toLowerCase())) headers.push(header);
  if (spec.body) headers.push({ name: 'Content-Type', value: spec.body.contentType });
  return createRequest({ method, uri, headers, ...(spec.body ? { body: spec.body.content } : {}) });
}

function maxForwardsOf(value: number | undefined): number {
  if (value === undefined) return 70;
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError('Max-Forwards must be 0-255 (§20.22)');
  return value;
}

function withTag(address: NameAddr, tag: string): NameAddr {
  const params = createParams([...address.params.entries()].filter(([name]) => name.toLowerCase() !== 'tag'));
  params.set('tag', tag);
  return { ...address, params };
}
