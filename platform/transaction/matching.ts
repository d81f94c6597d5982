/**
 * Which transaction a message belongs to: RFC 3261 §17.1.3 (responses to client transactions),
 * §17.2.3 (requests to server transactions, with the RFC 2543 fallback) and §9.2 (CANCEL).
 * Pure functions over messages; the layer keeps the tables.
 */
import { formatUri, MAGIC_COOKIE, type SipRequest, type SipResponse, type Via } from '../sip/index.js';

/**
 * §17.2.3: only a branch that begins with the magic cookie is unique per transaction. The bare
 * cookie `z9hG4bK` (RFC 4475 §3.2.1, badbranch.dat) carries nothing unique, so it is matched the
 * RFC 2543 way like a branch without the cookie.
 */
export function isRfc3261Branch(branch: string | null | undefined): branch is string {
  return typeof branch === 'string' && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}

export function branchOf(via: Via | undefined): string | undefined {
  const branch = via?.params.get('branch');
  return typeof branch === 'string' ? branch : undefined;
}

/** §17.1.3: a response matches a client transaction by the top Via branch and the CSeq method
 *  (the method tells a CANCEL's transaction from its INVITE's, which share the branch). */
export function clientTransactionKey(branch: string, method: string): string {
  return flat(`${branch} ${method}`);
}

/**
 * A key as one flat string. Concatenation makes a rope that points at its parts, and a branch
 * read from a message is a slice of the whole decoded datagram: a table key kept for 32 s would
 * keep that text alive. Reading a character makes V8 flatten the rope into a copy.
 */
function flat(key: string): string {
  key.charCodeAt(0);
  return key;
}

export function clientKeyOfResponse(response: SipResponse): string | undefined {
  const branch = branchOf(response.topVia);
  return branch === undefined ? undefined : clientTransactionKey(branch, response.cseq.method);
}

/** The sent-by of a Via (host and port), host compared case-insensitively (§19.1.4 hosts). */
export function sentByOf(via: Via): string {
  const host = via.hostIsIPv6 ? `[${via.host.toLowerCase()}]` : via.host.toLowerCase();
  return via.port === undefined ? host : `${host}:${via.port}`;
}

/**
 * §17.2.3: branch + sent-by + method, where ACK matches the INVITE's transaction. `asMethod`
 * replaces the method, as §9.2 does to find the INVITE a CANCEL targets. Undefined when the
 * request must be matched the RFC 2543 way.
 */
export function serverTransactionKey(request: SipRequest, asMethod: string = request.method): string | undefined {
  const via = request.topVia;
  const branch = branchOf(via);
  if (!via || !isRfc3261Branch(branch)) return undefined;
  const method = asMethod === 'ACK' ? 'INVITE' : asMethod;
  return flat(`${branch} ${sentByOf(via)} ${method}`);
}

/** The bucket RFC 2543 server transactions are filed under; candidates in a bucket are then
 *  compared with `matchesRfc2543`. The CSeq number is shared by INVITE, its ACK and CANCEL. */
export function rfc2543Bucket(request: SipRequest): string {
  return `${request.callId} ${request.cseq.seq} ${tagOf(request, 'from') ?? ''}`;
}

/**
 * §17.2.3, last paragraph. A request matches the transaction of `original` when Request-URI,
 * To tag, From tag, Call-ID, CSeq and top Via all match. An ACK matches an INVITE transaction
 * when Request-URI, From tag, Call-ID, CSeq number and top Via match and its To tag equals the
 * To tag of the response the transaction sent (`sentToTag`).
 */
export function matchesRfc2543(original: SipRequest, request: SipRequest, sentToTag: string | undefined): boolean {
  if (!sameRfc2543Core(original, request)) return false;
  if (request.method === 'ACK') {
    return original.method === 'INVITE' && sentToTag !== undefined && tagOf(request, 'to') === sentToTag;
  }
  return request.cseq.method === original.cseq.method && tagOf(request, 'to') === tagOf(original, 'to');
}

/** §9.2: the CANCEL matched as if its method were INVITE (the 2543 rule above with the To tag
 *  of the INVITE request, which a CANCEL copies, §9.1). */
export function cancelMatchesRfc2543(invite: SipRequest, cancel: SipRequest): boolean {
  return invite.method === 'INVITE' && sameRfc2543Core(invite, cancel) && tagOf(cancel, 'to') === tagOf(invite, 'to');
}

export function tagOf(message: SipRequest | SipResponse, header: 'from' | 'to'): string | undefined {
  const tag = message[header].params.get('tag');
  return tag === undefined ? undefined : (tag ?? '');
}

function sameRfc2543Core(original: SipRequest, request: SipRequest): boolean {
  return (
    request.callId === original.callId &&
    request.cseq.seq === original.cseq.seq &&
    tagOf(request, 'from') === tagOf(original, 'from') &&
    formatUri(request.uri) === formatUri(original.uri) &&
    sameVia(request.topVia, original.topVia)
  );
}

/**
 * Top Via equality for the 2543 rule. `received` and `rport` are left out: this transport
 * stamps them on arrival (§18.2.1, RFC 3581), so they describe the path, not the request.
 */
export function sameVia(a: Via | undefined, b: Via | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.transport.toUpperCase() !== b.transport.toUpperCase() || sentByOf(a) !== sentByOf(b)) return false;
  const paramsA = comparableParams(a);
  const paramsB = comparableParams(b);
  if (paramsA.size !== paramsB.size) return false;
  for (const [name, value] of paramsA) if (paramsB.get(name) !== value) return false;
  return true;
}

function comparableParams(via: Via): Map<string, string | null> {
  const params = new Map<string, string | null>();
  for (const [name, value] of via.params.entries()) {
    const key = name.toLowerCase();
    if (key !== 'received' && key !== 'rport') params.set(key, value);
  }
  return params;
}
