/**
 * SIP-CGI on live calls: the CgiEngine behind the ServiceEngine interface (platform/services).
 * The engine decides in whole SIP messages (CgiDecision steps); this adapter turns them into
 * Decisions and feeds the core's answers back:
 *
 *   request run  → respond (a final Status line, or 500/503/504 on failure)
 *                  proxy (one target per CGI-PROXY-REQUEST: forking; header changes as
 *                         per-target edits; 1xx Status lines as `provisional`; Expires as the
 *                         ring timeout, RFC 3050 §5.7)
 *                  continue (the default action, §5.6.1.6: the next engine / the location service)
 *   response run → from `onResponse` (every response, once the core calls it) or, failing that,
 *                  `onOutcome` (the best final response when no 2xx came): CGI-FORWARD-RESPONSE,
 *                  a new Status, more CGI-PROXY-REQUESTs, or the default action.
 *
 * One transaction of the engine per request; it is ended when the caller has its final answer
 * (or after `maxTransactionMs`, whatever happens), dropping cookie and tokens (§3.2).
 */
import type { Logger } from '../log/logger.js';
import type {
  BranchOutcome,
  Decision,
  ProxyDecision,
  ResponseVerdict,
  ServiceCall,
  ServiceEngine,
  ServiceHost,
  ServiceResponse,
  ServiceTarget,
  UserAgentService,
} from '../services/index.js';
import { createRequest, createResponse, formatUri, SipResponse, type HeaderField, type SipRequest, type Uri } from '../sip/index.js';
import type { CgiDecision, ForwardResponseStep, ProxyStep } from './cgi-decision.js';
import type { CgiEngine } from './cgi-engine.js';
import type { ResponseFacts } from './cgi-facts.js';
import { headerKeyOf } from './header-key.js';
import { messageEdits } from './message-diff.js';
import { registerWithScript, type CgiRegisterContext, type CgiRegisterResult } from './cgi-register.js';
import { endToEnd, respondWith } from './respond-decision.js';
import { newToken } from './tokens.js';
import { sendNewRequest } from './send-new-request.js';

export interface CgiServiceOptions {
  engine: CgiEngine;
  logger: Logger;
  /** SERVER_PORT when the core does not say where a request arrived (ServiceCall.local). */
  serverPort: number;
  /** Forget a transaction after this long even if the core never reported its end (default 10 min). */
  maxTransactionMs?: number;
  directions?: ServiceCall['direction'][];
  /** Filled with the core's ServiceHost on the first call (for REGISTRATIONS, registrationsOf). */
  hostRef?: HostRef;
}

/** Where the ServiceHost is kept once the core hands it over (it comes with each call). */
export interface HostRef {
  current?: ServiceHost;
}

/** RFC 3261 §9.1: a CANCEL has the Request-URI, Call-ID, To, From, top Via and CSeq number of
 *  the request it cancels (Route too). */
/** How long a 2xx of a script waits for its ACK (64*T1 with the default T1, RFC 3261 §13.3.1.4). */
const ACK_WAIT_MS = 32_000;

const CANCEL_COPIES = new Set(['via', 'from', 'to', 'call-id', 'route', 'max-forwards']);


interface CallState {
  txId: string;
  request: SipRequest;
  /** Branch ids of the engine by target URI (as given in ServiceTarget.uri). */
  branches: Map<string, string>;
  /** The core reports every response through onResponse: onOutcome no longer runs the script. */
  perResponse: boolean;
  remoteAddress: string;
  localPort: number;
  timer: NodeJS.Timeout;
  /** Where request lines of the script's output are sent (RFC 3050 §3.1). */
  userAgent: UserAgentService | undefined;
  /** New requests sent and not yet answered. */
  newRequests: number;
  /** The caller has its answer (or the call was abandoned): end once newRequests is 0. */
  over: boolean;
}

export interface CgiServiceEngine extends ServiceEngine {
  readonly engine: CgiEngine;
  /** REGISTER (RFC 3050 §5.9) for the registrar stage's hook: the AOR's script answers instead
   *  of the registrar (`respond`: nothing stored) or takes the default action (`none`). */
  register(request: SipRequest, aor: string, authenticatedAs: string | undefined, context: CgiRegisterContext): Promise<CgiRegisterResult>;
}

export function createCgiService(options: CgiServiceOptions): CgiServiceEngine {
  const { engine } = options;
  const logger = options.logger.child({ engine: 'cgi' });
  const maxTransactionMs = options.maxTransactionMs ?? 600_000;
  /** A request is offered once per direction (originating, then terminating); the script keyed by
   *  its Request-URI runs once. */
  const seen = new WeakSet<SipRequest>();

  /** The call is over for the core; the script's state goes once its new requests are answered
   *  too (their responses may run it again). */
  const end = (state: CallState): void => {
    state.over = true;
    if (state.newRequests > 0) return;
    clearTimeout(state.timer);
    engine.endTransaction(state.txId);
  };

  /**
   * Request lines of a run (§3.1) are sent by the UA core. The final response to each comes back
   * to the script like a response on a branch, if it asked for the next message (§5.6.1.5);
   * from that run only further request lines are carried out — the caller's transaction is no
   * longer the script's to answer through them.
   */
  const sendNewRequests = (state: CallState, decision: CgiDecision): void => {
    for (const step of decision.steps) {
      if (step.kind !== 'new-request') continue;
      const sent = sendNewRequest(state.userAgent, step.request, logger, decision.script, async (response) => {
        try {
          const next = await engine.handleResponse(state.txId, toSipResponse(response), { branchId: step.branchId });
          for (const later of next.steps) {
            if (later.kind !== 'new-request') logger.info({ script: next.script, step: later.kind }, 'cgi: only new requests are carried out for the response to a new request');
          }
          sendNewRequests(state, next);
        } catch (error) {
          logger.error({ err: error }, 'cgi: response invocation for a new request failed');
        } finally {
          state.newRequests--;
          if (state.over) end(state);
        }
      });
      if (sent) state.newRequests++;
    }
  };

  /** The engine's steps for a message as a Decision for the core. */
  const toDecision = (state: CallState, decision: CgiDecision): Decision => {
    sendNewRequests(state, decision);
    const final = decision.steps.find(
      (step): step is Extract<typeof step, { kind: 'respond' | 'forward-response' }> =>
        (step.kind === 'respond' || step.kind === 'forward-response') && step.response.status >= 200,
    );
    if (final) {
      if (state.request.method === 'INVITE' && final.response.status < 300) return answerInvite(state, final.response);
      end(state);
      return respondWith(final.response);
    }
    const proxies = decision.steps.filter((step): step is ProxyStep => step.kind === 'proxy');
    if (proxies.length > 0) return proxyDecision(state, proxies, decision);
    if (!decision.defaultAction) logger.info({ script: decision.script }, 'cgi: the script gave no final answer; default action');
    end(state);
    return { kind: 'continue' };
  };

  /**
   * The script answered the INVITE with a 2xx (the core holds the dialog and resends the 2xx
   * until the ACK). If it asked for the next message, the ACK re-runs it (§5.11.1; the ACK may
   * carry the answer to an offer in the 2xx) and the transaction ends then, or when no ACK came
   * within 64*T1 (RFC 3261 §13.3.1.4).
   */
  const answerInvite = (state: CallState, response: SipResponse): Decision => {
    if (!engine.wantsAck(state.txId)) {
      end(state);
      return respondWith(response);
    }
    clearTimeout(state.timer);
    state.timer = setTimeout(() => end(state), ACK_WAIT_MS);
    return {
      ...respondWith(response),
      onAck: (ack) => {
        void engine
          .handleAck(state.txId, ack, { remoteAddress: state.remoteAddress, localPort: state.localPort })
          .then((decision) => {
            for (const step of decision.steps) {
              if (step.kind !== 'new-request') logger.info({ script: decision.script, step: step.kind }, 'cgi: only new requests are carried out after the ACK (RFC 3050 §5.11.1)');
            }
            sendNewRequests(state, decision);
          })
          .catch((error: unknown) => logger.error({ err: error }, 'cgi: ACK invocation failed'))
          .finally(() => end(state));
      },
    };
  };

  const proxyDecision = (state: CallState, proxies: ProxyStep[], decision: CgiDecision): ProxyDecision => {
    const targets: ServiceTarget[] = proxies.map((step) => {
      const uri = formatUri(step.target);
      state.branches.set(uri, step.branchId);
      return { uri, edits: messageEdits(state.request, withUri(step.request, state.request.uri), step.maxForwards) };
    });
    // §5.7: the script's Expires is tracked locally too: the branches are cancelled when it
    // passes and the script sees a local 408 (as a timed-out noanswer outcome).
    const expires = proxies.map((step) => step.expires).filter((value): value is number => value !== undefined && value > 0);
    const provisional = decision.steps.flatMap((step) =>
      step.kind === 'respond' && step.response.status > 100 && step.response.status < 200
        ? [{ status: step.response.status, reason: step.response.reason, headers: endToEnd(step.response) }]
        : [],
    );
    return {
      kind: 'proxy',
      targets,
      options: {
        forking: 'parallel',
        ...(expires.length > 0 ? { timeoutMs: Math.min(...expires) * 1000 } : {}),
        ...(proxies.some((step) => step.scriptRecordRoute) ? { recordRoute: false } : {}),
      },
      ...(provisional.length > 0 ? { provisional } : {}),
      onOutcome: (outcome) => onOutcome(state, outcome),
      onResponse: (response) => onResponse(state, response),
      onCancel: () => onCancel(state),
    };
  };

  const facts = (state: CallState, response: ServiceResponse | undefined, locallyGenerated: boolean): ResponseFacts => {
    const branchId = response?.target !== undefined ? state.branches.get(response.target) : undefined;
    // One branch: every response is that branch's, whether or not the core named the target.
    const only = state.branches.size === 1 ? [...state.branches.values()][0] : undefined;
    const id = branchId ?? only;
    return { ...(id === undefined ? {} : { branchId: id }), ...(locallyGenerated ? { locallyGenerated } : {}) };
  };

  const onOutcome = async (state: CallState, outcome: BranchOutcome): Promise<Decision> => {
    const locallyGenerated = outcome.response?.locallyGenerated ?? (outcome.kind === 'noanswer' && outcome.timedOut);
    // With onResponse the script saw every received response already; a response the proxy
    // made itself (a timeout's 408) it has not seen (§5.8).
    if (outcome.kind === 'success' || (state.perResponse && !locallyGenerated)) {
      end(state);
      return { kind: 'continue' };
    }
    // §5.8: a proxy timeout reaches the script as a locally generated 408.
    const status = outcome.kind === 'noanswer' && outcome.timedOut && outcome.response === undefined ? 408 : outcome.status;
    const reason = status === 408 && outcome.response === undefined ? 'Request Timeout' : outcome.reason;
    const response = outcome.response ? toSipResponse(outcome.response) : createResponse(state.request, status, reason, { toTag: newToken() });
    try {
      const decision = await engine.handleResponse(state.txId, response, facts(state, outcome.response, locallyGenerated));
      return toDecision(state, decision);
    } catch (error) {
      logger.error({ err: error }, 'cgi: response invocation failed');
      end(state);
      return { kind: 'respond', status: 500, reason: 'Server Internal Error' };
    }
  };

  /** §5.10: the script is told of the CANCEL if it asked for the next message; advisory only. */
  const onCancel = (state: CallState): void => {
    const cancel = createRequest({
      method: 'CANCEL',
      uri: state.request.uri,
      headers: state.request.headerFields.filter((field, index, all) => {
        const key = headerKeyOf(field.name);
        // Only the top Via.
        return CANCEL_COPIES.has(key) && (key !== 'via' || all.findIndex((f) => headerKeyOf(f.name) === 'via') === index);
      }),
    });
    cancel.setHeader('CSeq', `${state.request.cseq.seq} CANCEL`);
    void engine
      .handleCancel(state.txId, cancel, { remoteAddress: state.remoteAddress, localPort: state.localPort })
      .catch((error: unknown) => logger.error({ err: error }, 'cgi: CANCEL invocation failed'))
      .finally(() => end(state));
  };

  const onResponse = async (state: CallState, received: ServiceResponse): Promise<ResponseVerdict> => {
    state.perResponse = true;
    if (received.status === 100) return { kind: 'default' };
    const response = toSipResponse(received);
    const decision = await engine.handleResponse(state.txId, response, facts(state, received, received.locallyGenerated ?? false));
    if (!decision.invoked) return decision.defaultAction ? { kind: 'default' } : { kind: 'absorb' };
    // `this` (or its token): same status and To (tag included) as what arrived.
    const forwardThis = decision.steps.find(
      (step): step is ForwardResponseStep =>
        step.kind === 'forward-response' && step.response.status === response.status && step.response.getHeader('To') === response.getHeader('To'),
    );
    const others = decision.steps.filter((step) => step !== forwardThis);
    if (forwardThis && others.every((step) => step.kind !== 'respond' && step.kind !== 'proxy')) {
      if (response.status >= 200) end(state);
      return { kind: 'forward', edits: messageEdits(response, forwardThis.response) };
    }
    if (decision.defaultAction && decision.steps.length === 0) return { kind: 'default' };
    if (received.status < 200 && !decision.steps.some((step) => step.kind === 'proxy' || (step.kind !== 'new-request' && step.response.status >= 200))) {
      // Provisional: the script answered with other provisional responses only; this one stays.
      return { kind: 'default' };
    }
    return { kind: 'decide', decision: toDecision(state, decision) };
  };

  return {
    name: 'cgi',
    engine,
    register: (request, _aor, authenticatedAs, context) =>
      registerWithScript({ engine, logger, request, authenticatedAs, context, fallbackPort: options.serverPort }),
    ...(options.directions ? { directions: options.directions } : {}),
    async decide(call: ServiceCall): Promise<Decision> {
      if (seen.has(call.request)) return { kind: 'continue' };
      seen.add(call.request);
      if (options.hostRef) options.hostRef.current = call.host;
      const txId = newToken();
      const state: CallState = {
        txId,
        request: call.request,
        branches: new Map(),
        perResponse: false,
        remoteAddress: call.source.address,
        localPort: call.local?.port ?? options.serverPort,
        timer: setTimeout(() => engine.endTransaction(txId), maxTransactionMs).unref(),
        userAgent: call.host.userAgent,
        newRequests: 0,
        over: false,
      };
      const user = call.authenticatedAs?.split('@')[0];
      const decision = await engine.handleRequest(call.request, {
        txId,
        remoteAddress: state.remoteAddress,
        localPort: state.localPort,
        // §5.5.1.1 / §5.5.1.10: the credentials the server checked (digest, auth-stage).
        ...(user ? { auth: { scheme: 'Digest', user } } : {}),
      });
      if (decision.script !== undefined) logger.debug({ script: decision.script, callId: call.request.callId, invoked: decision.invoked }, 'cgi: request run');
      return toDecision(state, decision);
    },
  };
}

/** REGISTRATIONS (§5.5.1.6) for a Request-URI: the Contact list of a local AOR, '' with no
 *  bindings, undefined for anything not ours (spec notes §11 #21). */
export async function registrationsOf(ref: HostRef, uri: Uri, now = Date.now()): Promise<string | undefined> {
  if (ref.current === undefined) return undefined;
  const result = await ref.current.lookup(formatUri(uri));
  if (result.kind === 'no-bindings') return '';
  if (result.kind !== 'found') return undefined;
  return result.contacts
    .map((contact) => `<${contact.uri}>;q=${contact.q};expires=${Math.max(0, Math.round((contact.expiresAt - now) / 1000))}`)
    .join(', ');
}

function withUri(request: SipRequest, uri: Uri): SipRequest {
  const copy = request.clone();
  copy.uri = uri;
  return copy;
}


function toSipResponse(received: ServiceResponse): SipResponse {
  const fields: HeaderField[] = received.headers.filter((field) => headerKeyOf(field.name) !== 'content-type');
  if (received.body) fields.push({ name: 'Content-Type', value: received.body.contentType });
  return new SipResponse(received.status, received.reason, fields, received.body?.content ?? Buffer.alloc(0));
}
