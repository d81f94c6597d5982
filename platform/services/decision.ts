/**
 * What a service engine answers for a request (a Decision) and what it is told when the proxy
 * comes back (a BranchOutcome). Plain data: engines (CPL, the app container, SIP-CGI) build and
 * read these without touching the SIP core.
 */
import type { HeaderField, SipRequest } from '../sip/index.js';
import type { B2buaDecision } from './user-agent.js';

/** One place to try: a URI and, optionally, its preference (RFC 3261 §20.10 q, 0..1). */
export interface ServiceTarget {
  uri: string;
  q?: number;
  /** Changes to the request sent to this target only (SIP-CGI `CGI-PROXY-REQUEST` header
   *  lines, RFC 3050 §5.6.1.2). Applied to a copy of the request before the proxy's own
   *  changes (Via, Max-Forwards −1, Record-Route). Absent: the request as received. */
  edits?: MessageEdits;
}

/**
 * Header and body changes to a message the core sends for an engine (RFC 3050 §5.6.1.2 merge
 * rules; apply with `applyMessageEdits`, platform/services/message-edits.ts). Via is never
 * edited: the proxy's own Via keeps responses on their path.
 */
export interface MessageEdits {
  /** Each name replaces every field of that name, in place of its first occurrence; a name the
   *  message lacks is inserted after the Via fields. */
  headers?: HeaderField[];
  /** Names of header fields to remove (absent ones are ignored). */
  remove?: string[];
  /** A new body, or null to delete it (Content-Type goes too). Absent: keep the body. */
  body?: { contentType: string; content: string | Buffer } | null;
  /** Send at most this Max-Forwards (after the proxy's decrement). */
  maxForwards?: number;
}

/** A response a branch produced (or the proxy generated itself, e.g. 408 on a timeout). */
export interface ServiceResponse {
  status: number;
  reason: string;
  headers: HeaderField[];
  body?: { contentType: string; content: Buffer };
  /** The target (ServiceTarget.uri as given) whose branch produced it. */
  target?: string;
  /** Made by the proxy, not received (§16.7 408 on a timeout; RFC 3050 §5.8). */
  locallyGenerated?: boolean;
}

/**
 * What the engine wants done with one response of a branch (ProxyDecision.onResponse):
 * - `default`: what the proxy does anyway (RFC 3261 §16.7);
 * - `forward`: send it upstream now, with `edits`, under §16.7 step 5 rules (a final one ends
 *   the context: pending branches are cancelled; no final after a non-2xx final);
 * - `absorb`: neither forward it nor keep it as a candidate for the best response;
 * - `decide`: (final responses) answer the caller or proxy further as `decision` says, as if
 *   the context had ended with this response and onOutcome returned `decision`.
 */
export type ResponseVerdict =
  | { kind: 'default' }
  | { kind: 'forward'; edits?: MessageEdits }
  | { kind: 'absorb' }
  | { kind: 'decide'; decision: Decision };

export interface ProxyDecisionOptions {
  /** All targets at once, or one after another in decreasing q. Default: equal-q groups in
   *  sequence (RFC 3261 §16.6). */
  forking?: 'parallel' | 'sequential';
  /** How long to ring (per target when sequential, in total when parallel) before the outcome
   *  is "noanswer" (CPL `proxy timeout`, RFC 3880 §6.1). Milliseconds. */
  timeoutMs?: number;
  /** Stay on the signalling path (Record-Route). Default: the proxy's configuration. */
  recordRoute?: boolean;
  /** Follow 3xx responses (CPL `recurse`). Default: the proxy's configuration. */
  recurse?: boolean;
}

/** Proxy to these targets. `onOutcome` is asked again when they produce no 2xx. */
export interface ProxyDecision {
  kind: 'proxy';
  targets: ServiceTarget[];
  options?: ProxyDecisionOptions;
  /**
   * Called once with the outcome of this proxy attempt (CPL: the proxy node's outputs). On
   * `success` the answer is ignored (the call is up). Otherwise the returned decision is carried
   * out: `proxy` tries again, `redirect`/`reject`/`respond` answer the caller, and `continue`
   * sends the caller the best response the proxy got. Without `onOutcome`, that best response
   * is sent.
   */
  onOutcome?(outcome: BranchOutcome): Decision | Promise<Decision>;
  /** Provisional (101–199) responses to send the caller before forwarding (RFC 3050 §3.2: a
   *  script answers 181 and proxies in one run). */
  provisional?: Array<{ status: number; reason?: string; headers?: HeaderField[] }>;
  /**
   * Asked for every response a branch produces (100 excepted) before the proxy acts on it, so
   * that an engine can change, hold back or act on any of them — provisional and 2xx included
   * (SIP-CGI: a script run for each response, `CGI-FORWARD-RESPONSE` with changed headers,
   * RFC 3050 §5.6.1.3, §5.6.1.5). Until it answers, that response waits; later responses of the
   * context are asked in arrival order. Without it, only onOutcome is asked.
   */
  onResponse?(response: ServiceResponse): ResponseVerdict | Promise<ResponseVerdict>;
  /** The caller CANCELled while the branches were pending (the core answers the CANCEL and
   *  cancels the branches itself; this is advisory: SIP-CGI runs the script, RFC 3050 §5.10).
   *  onOutcome is not asked afterwards. */
  onCancel?(): void;
}

/** Answer with a 3xx listing the contacts (CPL `redirect`; 302 unless `permanent`). */
export interface RedirectDecision {
  kind: 'redirect';
  contacts: ServiceTarget[];
  permanent?: boolean;
}

/** Refuse with a status (CPL `reject`: busy 486, notfound 404, reject 603, error 500). */
export interface RejectDecision {
  kind: 'reject';
  status: number;
  reason?: string;
}

/** Answer with a complete response of the engine's making (status 200–699). */
export interface RespondDecision {
  kind: 'respond';
  status: number;
  reason?: string;
  headers?: HeaderField[];
  body?: { contentType: string; content: string | Buffer };
  /**
   * A 2xx to an INVITE makes a dialog the server holds (it resends the 2xx until the ACK and
   * answers the BYE, RFC 3261 §13.3.1.4); this is told of the ACK, which may carry the answer
   * to an offer in the 2xx (SIP-CGI re-runs the script for it, RFC 3050 §5.11.1).
   */
  onAck?(ack: SipRequest): void;
}

/** Not for this engine: the next engine, then default routing (the location service), decide. */
export interface ContinueDecision {
  kind: 'continue';
}

/** `b2bua` (platform/services/user-agent.ts): the server answers the INVITE and calls the target
 *  itself on a new leg; only for INVITE and only when the host has a UA core. */
export type Decision = ProxyDecision | RedirectDecision | RejectDecision | RespondDecision | ContinueDecision | B2buaDecision;

/**
 * How a proxy attempt ended, in the terms of CPL's proxy outputs (RFC 3880 §6.1):
 * busy = 486 or 600; noanswer = 408, 480 or a timeout; redirection = 3xx (with its contacts);
 * failure = any other final response; success = a 2xx went to the caller. `status` and
 * `reason` are those of the best response (RFC 3261 §16.7) the caller would get.
 */
export type BranchOutcome = (
  | { kind: 'success'; status: number }
  | { kind: 'busy'; status: number; reason: string }
  /** `timedOut`: no branch answered at all (the proxy gave up and CANCELled), as opposed to a
   *  real 408/480 from downstream. */
  | { kind: 'noanswer'; status: number; reason: string; timedOut: boolean }
  | { kind: 'redirection'; status: number; reason: string; contacts: ServiceTarget[] }
  | { kind: 'failure'; status: number; reason: string }
) & {
  /** The best response itself, when the core passes it (SIP-CGI gives its header fields to the
   *  script, RFC 3050 §5.5.1.5). */
  response?: ServiceResponse;
};

/** The outcome kind for a final status (`timedOut`: nothing real came back). */
export function classifyOutcome(status: number, timedOut = false): BranchOutcome['kind'] {
  if (status >= 200 && status < 300) return 'success';
  if (timedOut || status === 408 || status === 480) return 'noanswer';
  if (status === 486 || status === 600) return 'busy';
  if (status >= 300 && status < 400) return 'redirection';
  return 'failure';
}
