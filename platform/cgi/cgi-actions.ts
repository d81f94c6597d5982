/**
 * The actions a SIP-CGI script can print (RFC 3050 §5.6.1), as the output parser returns them.
 * Each action is one "message" of the output: an action line, then header fields, then maybe a
 * body (§5.6). `line` is the 1-based output line of the action line, for error reports.
 */
import type { HeaderField, Uri } from '../sip/index.js';

/**
 * The body a script message carries (§5.6 rules 2–5, §5.6.1.2):
 * - `keep`: no body given — the original message's body is used;
 * - `delete`: `Content-Length: 0` — "an empty body: the body is deleted";
 * - `replace`: Content-Type plus the body octets.
 */
export type BodySpec =
  | { kind: 'keep' }
  | { kind: 'delete' }
  | { kind: 'replace'; contentType: string; body: Buffer };

/** Header changes a message carries, CGI header fields already taken out (§5.6.2). */
export interface MessageChanges {
  /** SIP header fields with a value, in output order (Content-Type and Content-Length excluded:
   *  they are in `body`). Each name replaces every original field of that name (§5.6.1.2). */
  headers: HeaderField[];
  /** Lower-case long names to delete: `CGI-Remove` (§5.6.2.2) plus fields printed with an empty
   *  value (issue 6: "removal of a header by an empty value"). */
  remove: string[];
  body: BodySpec;
}

/** `SIP/2.0 486 Busy Here` — generate a response (§5.6.1.1). */
export interface StatusAction extends MessageChanges {
  type: 'status';
  line: number;
  status: number;
  reason: string;
}

/** `CGI-PROXY-REQUEST sip:dante@inferno.com SIP/2.0` — proxy the request there (§5.6.1.2). */
export interface ProxyRequestAction extends MessageChanges {
  type: 'proxy-request';
  line: number;
  target: Uri;
  /** `CGI-Request-Token` (§5.6.2.1): handed back as REQUEST_TOKEN with every response. */
  requestToken?: string;
}

/** `CGI-FORWARD-RESPONSE <token>|this SIP/2.0` — send a received response upstream (§5.6.1.3). */
export interface ForwardResponseAction extends MessageChanges {
  type: 'forward-response';
  line: number;
  /** A RESPONSE_TOKEN value, or `this` for the response that triggered the invocation. */
  responseName: string;
}

/** `METHOD uri SIP/2.0` — a new request (§3.1, §5.6.2.1; the RFC names no action line, see
 *  the spec notes §6: a SIP request line is the only reading consistent with §5.6). */
export interface NewRequestAction extends MessageChanges {
  type: 'new-request';
  line: number;
  method: string;
  uri: Uri;
  requestToken?: string;
}

/** `CGI-SET-COOKIE <token> SIP/2.0` (§5.6.1.4). */
export interface SetCookieAction {
  type: 'set-cookie';
  line: number;
  cookie: string;
}

/** `CGI-AGAIN yes|no SIP/2.0` (§5.6.1.5). */
export interface AgainAction {
  type: 'again';
  line: number;
  again: boolean;
}

export type CgiAction =
  | StatusAction
  | ProxyRequestAction
  | ForwardResponseAction
  | NewRequestAction
  | SetCookieAction
  | AgainAction;

/** Why the output was refused; the engine answers 500 and logs this (spec notes §11 #15). */
export interface OutputParseError {
  /** 1-based output line where the problem is (the line after the last one for a premature end). */
  line: number;
  reason: string;
}

export type OutputParseResult = { ok: true; actions: CgiAction[] } | { ok: false; error: OutputParseError };
