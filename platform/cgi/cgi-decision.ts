/**
 * What the engine tells the core to do after a script ran (or did not run) for a message.
 * Steps keep the order of the script's output; the core carries them out in that order.
 */
import type { SipRequest, SipResponse, Uri } from '../sip/index.js';
import type { CgiFailure } from './cgi-failure.js';

/** The message the decision is about: the initial request, a response on one of the
 *  transaction's branches (or a locally generated one, §5.8), a CANCEL (§5.10), an ACK (§5.11.1). */
export type CgiTrigger = 'request' | 'response' | 'cancel' | 'ack';

/** Send this response upstream on the server transaction (§5.6.1.1). */
export interface RespondStep {
  kind: 'respond';
  response: SipResponse;
}

/**
 * Proxy the transaction's request to `target` (§5.6.1.2), as `request` — the original with the
 * script's header and body changes merged and the Request-URI set to the target. The proxy still
 * makes its normal changes (Via, Max-Forwards −1, Record-Route, Route processing).
 */
export interface ProxyStep {
  kind: 'proxy';
  /** Pass back with every response of this branch (`ResponseFacts.branchId`). */
  branchId: string;
  target: Uri;
  request: SipRequest;
  /** The script's CGI-Request-Token, given back to it as REQUEST_TOKEN (§5.6.2.1). */
  requestToken?: string;
  /** A Max-Forwards the script asked for: send min(this, original − 1) (spec notes §11 #6). */
  maxForwards?: number;
  /** The script gave Record-Route itself: the proxy SHOULD NOT add its own (§5.6.1.2). */
  scriptRecordRoute: boolean;
  /** Seconds from the script's Expires: track locally, and on expiry CANCEL the branch and feed a
   *  locally generated 408 back through handleResponse (§5.7, §5.8). */
  expires?: number;
}

/** Send a received response upstream (§5.6.1.3), with the script's changes merged. Forwarding a
 *  final response follows the proxy rules (RFC 3261 §16.7: CANCEL pending branches on 2xx/6xx). */
export interface ForwardResponseStep {
  kind: 'forward-response';
  response: SipResponse;
  responseToken: string;
  /** The branch the response arrived on, when known. */
  branchId?: string;
}

/** Send a new request as a UAC (§3.1); its responses come back through handleResponse. */
export interface NewRequestStep {
  kind: 'new-request';
  branchId: string;
  request: SipRequest;
  requestToken?: string;
}

export type CgiStep = RespondStep | ProxyStep | ForwardResponseStep | NewRequestStep;

export interface CgiDecision {
  trigger: CgiTrigger;
  /** Whether a script ran for this message. */
  invoked: boolean;
  /** The script that ran (or owns the transaction). */
  script?: string;
  steps: CgiStep[];
  /**
   * RFC 3050 §5.6.1.6: the script asked for none of a response, a proxied request or a forwarded
   * response (or was not run for this message) — do what the server does without a script: for a
   * request, proxy to the Request-URI or look it up (registrar / location service); for a
   * response, the §16.7 response-context rules; for CANCEL, 200 and cancel the branches.
   * False with no steps means the message is absorbed (a response to a script's own request).
   */
  defaultAction: boolean;
  /**
   * The script failed or its output was refused. `steps` then holds the error response when no
   * final response went upstream yet; the core should abort the transaction (CANCEL pending
   * branches, §5.6). Later messages of the transaction get the default action.
   */
  failure?: CgiFailure;
}
