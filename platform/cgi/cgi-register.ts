/**
 * REGISTER through SIP-CGI (RFC 3050 §5.9), run by the registrar stage's hook before the
 * registrar. The script is the registering AOR's — looked up by the To URI, since a REGISTER's
 * Request-URI names only the domain (which script runs is local policy, §3.4):
 *
 * - a final Status line is sent instead of registering: "if the script returns 200, the server
 *   SHOULD assume the script handled the registration and SHOULD NOT add it to its own
 *   database"; nor for 3xx–6xx;
 * - nothing, or only CGI-SET-COOKIE / CGI-AGAIN: the default action — the server registers;
 * - CGI-PROXY-REQUEST: proxying a REGISTER elsewhere is not supported here: 501, logged;
 * - a failure (timeout, crash, malformed output): its 504/500/503, nothing stored.
 *
 * A REGISTER that is not proxied gets no further runs (no responses come back to the script), so
 * the transaction ends with the answer. The result is the registrar stage's `RegisterHookResult`
 * shape, declared here (engines never import the endpoint).
 */
import type { Logger } from '../log/logger.js';
import type { SipRequest } from '../sip/index.js';
import type { CgiEngine } from './cgi-engine.js';
import { respondWith } from './respond-decision.js';
import { newToken } from './tokens.js';

export interface CgiRegisterContext {
  readonly source: { readonly address: string };
  readonly local: { readonly port: number };
}

export type CgiRegisterResult =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly reason: string;
      readonly headers: { name: string; value: string }[];
      readonly body?: { contentType: string; content: string };
    };

export interface RegisterRun {
  engine: CgiEngine;
  logger: Logger;
  request: SipRequest;
  authenticatedAs: string | undefined;
  context: CgiRegisterContext | undefined;
  /** SERVER_PORT when the core gives no context. */
  fallbackPort: number;
}

export async function registerWithScript(run: RegisterRun): Promise<CgiRegisterResult> {
  const { engine, request } = run;
  const txId = newToken();
  const user = run.authenticatedAs?.split('@')[0];
  try {
    const decision = await engine.handleRequest(
      request,
      {
        txId,
        remoteAddress: run.context?.source.address ?? '127.0.0.1',
        localPort: run.context?.local.port ?? run.fallbackPort,
        // §5.5.1.1: for a REGISTER of our domain the registrar checked Authorization.
        ...(user ? { auth: { scheme: 'Digest', user } } : {}),
      },
      request.to.uri,
    );
    if (!decision.invoked) return { kind: 'none' };
    const final = decision.steps.find((step) => step.kind === 'respond' && step.response.status >= 200);
    if (final && final.kind === 'respond') {
      const { status, reason, headers, body } = respondWith(final.response);
      return {
        kind: 'respond',
        status,
        reason: reason ?? '',
        headers: headers ?? [],
        ...(body ? { body: { contentType: body.contentType, content: body.content.toString('utf8') } } : {}),
      };
    }
    if (decision.steps.some((step) => step.kind === 'proxy' || step.kind === 'new-request')) {
      run.logger.warn({ script: decision.script, callId: request.callId }, 'cgi: a script proxied a REGISTER; not supported, answering 501');
      return { kind: 'respond', status: 501, reason: 'Not Implemented', headers: [] };
    }
    // Provisional responses only, or nothing: the default action — register (§5.9).
    return { kind: 'none' };
  } finally {
    engine.endTransaction(txId);
  }
}
