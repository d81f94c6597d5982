/**
 * What a service engine answers for a request (a Decision) and what it is told when the proxy
 * comes back (a BranchOutcome). Plain data: engines (CPL, the app container, SIP-CGI) build and
 * read these without touching the SIP core.
 */
import type { HeaderField } from '../sip/index.js';

/** One place to try: a URI and, optionally, its preference (RFC 3261 §20.10 q, 0..1). */
export interface ServiceTarget {
  uri: string;
  q?: number;
}

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
}

/** Not for this engine: the next engine, then default routing (the location service), decide. */
export interface ContinueDecision {
  kind: 'continue';
}

export type Decision = ProxyDecision | RedirectDecision | RejectDecision | RespondDecision | ContinueDecision;

/**
 * How a proxy attempt ended, in the terms of CPL's proxy outputs (RFC 3880 §6.1):
 * busy = 486 or 600; noanswer = 408, 480 or a timeout; redirection = 3xx (with its contacts);
 * failure = any other final response; success = a 2xx went to the caller. `status` and
 * `reason` are those of the best response (RFC 3261 §16.7) the caller would get.
 */
export type BranchOutcome =
  | { kind: 'success'; status: number }
  | { kind: 'busy'; status: number; reason: string }
  /** `timedOut`: no branch answered at all (the proxy gave up and CANCELled), as opposed to a
   *  real 408/480 from downstream. */
  | { kind: 'noanswer'; status: number; reason: string; timedOut: boolean }
  | { kind: 'redirection'; status: number; reason: string; contacts: ServiceTarget[] }
  | { kind: 'failure'; status: number; reason: string };

/** The outcome kind for a final status (`timedOut`: nothing real came back). */
export function classifyOutcome(status: number, timedOut = false): BranchOutcome['kind'] {
  if (status >= 200 && status < 300) return 'success';
  if (timedOut || status === 408 || status === 480) return 'noanswer';
  if (status === 486 || status === 600) return 'busy';
  if (status >= 300 && status < 400) return 'redirection';
  return 'failure';
}
