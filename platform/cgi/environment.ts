/**
 * The environment a SIP-CGI script runs with (RFC 3050 §5.5.1) and its standard input (§5.5.2).
 *
 * Null and undefined are distinct (§5.5.1, MUST): an undefined metavariable is absent from the
 * environment, a null one is present with zero length. Nothing is inherited from the server's
 * own environment (§7.4: scripts must not see the server's secrets); only PATH is set, to a
 * fixed safe value, so that `#!/usr/bin/env node` and common tools resolve.
 */
import { formatUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { AuthFacts, PeerFacts } from './cgi-facts.js';
import { headerVariables } from './header-variables.js';

/** §5.5.1.4: "This document defines SIP-CGI/1.1". */
export const GATEWAY_INTERFACE = 'SIP-CGI/1.1';
export const DEFAULT_SCRIPT_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface ServerIdentity {
  /** SERVER_NAME (§5.5.1.18): host name or address of this server. */
  name: string;
  /** SERVER_SOFTWARE (§5.5.1.21): `1*product`, e.g. `Switchboard/0.1.0`. */
  software: string;
  /** PATH given to scripts (not a SIP-CGI variable; the only non-canonical one we set). */
  path?: string;
}

export interface EnvironmentInput {
  /** The message that triggered the invocation. */
  message: SipRequest | SipResponse;
  server: ServerIdentity;
  peer: PeerFacts;
  /** Credentials the server authenticated (AUTH_TYPE, REMOTE_USER); absent when none were. */
  auth?: AuthFacts;
  /** REGISTRATIONS (§5.5.1.6) as a Contact value list; '' for a local AOR with no bindings. */
  registrations?: string;
  /** SCRIPT_COOKIE (§5.5.1.17): the last CGI-SET-COOKIE of this transaction. */
  cookie?: string;
  /** REQUEST_TOKEN (§5.5.1.12): the CGI-Request-Token of the request this response answers. */
  requestToken?: string;
  /** RESPONSE_TOKEN (§5.5.1.16): MUST be given when the trigger is a response. */
  responseToken?: string;
}

export interface ScriptInput {
  env: Record<string, string>;
  /** The message body only, never the whole message (§5.5.2; spec notes pitfall 1). */
  stdin: Buffer;
}

export function buildEnvironment(input: EnvironmentInput): ScriptInput {
  const { message, server, peer } = input;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) env[name] = value;
  };

  // §5.5.1.1 / §5.5.1.10: only when the server authenticated the credentials.
  if (input.auth) {
    set('AUTH_TYPE', input.auth.scheme);
    set('REMOTE_USER', input.auth.user);
  }
  // §5.5.1.2: defined iff a body is present (with or without a Content-Length header).
  const body = message.body;
  if (body.length > 0) {
    set('CONTENT_LENGTH', String(body.length));
    // §5.5.1.3: MUST be provided when a body is present; null when the message did not say.
    set('CONTENT_TYPE', message.getHeader('content-type') ?? '');
  }
  set('GATEWAY_INTERFACE', GATEWAY_INTERFACE);
  set('REGISTRATIONS', input.registrations);
  set('REMOTE_ADDR', peer.remoteAddress);
  set('REMOTE_HOST', peer.remoteHost);
  set('REMOTE_IDENT', peer.remoteIdent);
  if (message.kind === 'request') {
    // §5.5.1.11, §5.5.1.13: defined iff the trigger is a request.
    set('REQUEST_METHOD', message.method);
    set('REQUEST_URI', formatUri(message.uri));
  } else {
    // §5.5.1.14–16: defined iff the trigger is a response; Reason-Phrase may be empty (null).
    set('RESPONSE_STATUS', String(message.status));
    set('RESPONSE_REASON', message.reason);
    if (input.responseToken === undefined) throw new Error('RESPONSE_TOKEN MUST be set for a response (RFC 3050 §5.5.1.16)');
    set('RESPONSE_TOKEN', input.responseToken);
    set('REQUEST_TOKEN', input.requestToken);
  }
  set('SCRIPT_COOKIE', input.cookie);
  set('SERVER_NAME', server.name);
  set('SERVER_PORT', String(peer.localPort));
  // §5.5.1.20: the protocol the message arrived with.
  set('SERVER_PROTOCOL', message.version);
  set('SERVER_SOFTWARE', server.software);
  for (const [name, value] of headerVariables(message.headerFields)) env[name] = value;
  env.PATH = server.path ?? DEFAULT_SCRIPT_PATH;
  return { env: { ...env }, stdin: body };
}
