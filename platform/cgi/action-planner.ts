/**
 * Turning parsed actions into steps (RFC 3050 §5.6.1), all or nothing: an action that cannot be
 * carried out (an unknown response token, `this` when no response triggered the run, a new
 * request while those are disabled, a bad Max-Forwards) refuses the whole output, so the script
 * is never half executed (spec notes §11 #15).
 */
import { cloneUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { CgiAction, ForwardResponseAction, MessageChanges, ProxyRequestAction } from './cgi-actions.js';
import type { CgiStep, CgiTrigger, ProxyStep } from './cgi-decision.js';
import { cgiFailure, type CgiFailure } from './cgi-failure.js';
import type { CgiBranch, StoredResponse } from './cgi-transaction.js';
import { buildGeneratedResponse } from './generated-response.js';
import { headerKeyOf } from './header-key.js';
import { mergeChanges } from './message-merge.js';
import { buildNewRequest } from './new-request.js';
import { newToken } from './tokens.js';

export interface PlanContext {
  trigger: CgiTrigger;
  /** The request that started the transaction: what is proxied and answered (§5.6.1.1–2). */
  request: SipRequest;
  /** The response that triggered this run (`this`, §5.6.1.3) and its token. */
  current?: { token: string; stored: StoredResponse };
  /** Responses named by earlier RESPONSE_TOKENs. */
  lookup: (token: string) => StoredResponse | undefined;
  toTag: string;
  serverName: string;
  allowNewRequests: boolean;
}

export interface Plan {
  steps: CgiStep[];
  /** New branches to remember, by branchId. */
  branches: Array<[string, CgiBranch]>;
  cookie?: string;
  again: boolean;
  /** Whether the output asked for a response, a proxied request or a forwarded response. */
  acted: boolean;
  /** Things refused without refusing the output (a script Via …), for the log. */
  notes: string[];
}

const PROXY_PROTECT = new Set(['via', 'max-forwards']);
const FORWARD_PROTECT = new Set(['via']);

class PlanFault extends Error {
  constructor(readonly failure: CgiFailure) {
    super(failure.detail);
  }
}

function invalid(line: number, detail: string): never {
  throw new PlanFault(cgiFailure('invalid-action', detail, line));
}

export function planActions(actions: readonly CgiAction[], context: PlanContext): Plan | { failure: CgiFailure } {
  const plan: Plan = { steps: [], branches: [], again: false, acted: false, notes: [] };
  // CANCEL is advisory (§5.10) and an ACK ends the exchange (§5.11.1): neither can be answered,
  // proxied or forwarded; cookie, CGI-AGAIN and new requests still count.
  const messageless = context.trigger === 'cancel' || context.trigger === 'ack';
  try {
    for (const action of actions) {
      if (messageless && (action.type === 'status' || action.type === 'proxy-request' || action.type === 'forward-response')) {
        plan.notes.push(`line ${action.line}: ${action.type} ignored for a ${context.trigger.toUpperCase()}`);
        continue;
      }
      switch (action.type) {
        case 'set-cookie':
          plan.cookie = action.cookie;
          break;
        case 'again':
          plan.again = action.again;
          break;
        case 'status': {
          const { message, ignored } = buildGeneratedResponse(context.request, action, context.toTag);
          note(plan, action.line, ignored);
          plan.steps.push({ kind: 'respond', response: message });
          plan.acted = true;
          break;
        }
        case 'proxy-request':
          plan.steps.push(proxyStep(action, context, plan));
          plan.acted = true;
          break;
        case 'forward-response':
          plan.steps.push(forwardStep(action, context, plan));
          plan.acted = true;
          break;
        case 'new-request': {
          if (!context.allowNewRequests) invalid(action.line, `new requests (${action.method}) are disabled on this server`);
          const { message, ignored } = buildNewRequest(action, context.serverName);
          note(plan, action.line, ignored);
          const branchId = newToken();
          plan.branches.push([branchId, { origin: 'new-request', ...token(action.requestToken) }]);
          plan.steps.push({ kind: 'new-request', branchId, request: message, ...token(action.requestToken) });
          break;
        }
      }
    }
  } catch (e) {
    if (e instanceof PlanFault) return { failure: e.failure };
    throw e;
  }
  return plan;
}

function token(requestToken: string | undefined): { requestToken?: string } {
  return requestToken === undefined ? {} : { requestToken };
}

function note(plan: Plan, line: number, ignored: string[]): void {
  if (ignored.length > 0) plan.notes.push(`line ${line}: ignored ${ignored.join(', ')} (set by the server)`);
}

/** §5.6.1.2; from a response-triggered run the initial request is what is sent. */
function proxyStep(action: ProxyRequestAction, context: PlanContext, plan: Plan): ProxyStep {
  let maxForwards: number | undefined;
  let expires: number | undefined;
  let scriptRecordRoute = false;
  for (const field of action.headers) {
    const key = headerKeyOf(field.name);
    if (key === 'max-forwards') {
      if (!/^\d{1,3}$/.test(field.value) || Number(field.value) > 255) invalid(action.line, `bad Max-Forwards "${field.value}"`);
      maxForwards = Number(field.value);
    } else if (key === 'expires') {
      // §5.7: the server SHOULD track the Expires of a proxied request locally.
      if (/^\d{1,10}$/.test(field.value)) expires = Number(field.value);
    } else if (key === 'record-route') {
      scriptRecordRoute = true;
    }
  }
  const changes: MessageChanges = { ...action, headers: action.headers.filter((f) => headerKeyOf(f.name) !== 'max-forwards') };
  const { message, ignored } = mergeChanges(context.request, changes, { protect: PROXY_PROTECT });
  note(plan, action.line, ignored.filter((name) => headerKeyOf(name) !== 'max-forwards'));
  message.uri = cloneUri(action.target);
  const branchId = newToken();
  plan.branches.push([branchId, { origin: 'proxy', ...token(action.requestToken) }]);
  return {
    kind: 'proxy',
    branchId,
    target: action.target,
    request: message,
    ...token(action.requestToken),
    ...(maxForwards === undefined ? {} : { maxForwards }),
    scriptRecordRoute,
    ...(expires === undefined ? {} : { expires }),
  };
}

/** §5.6.1.3: a token from RESPONSE_TOKEN, or `this` — only when a response triggered the run. */
function forwardStep(action: ForwardResponseAction, context: PlanContext, plan: Plan): CgiStep {
  let name = action.responseName;
  let stored: StoredResponse | undefined;
  if (name === 'this') {
    if (context.current === undefined) invalid(action.line, 'CGI-FORWARD-RESPONSE this: no response triggered this invocation');
    name = context.current.token;
    stored = context.current.stored;
  } else {
    stored = context.current?.token === name ? context.current.stored : context.lookup(name);
    if (stored === undefined) invalid(action.line, `CGI-FORWARD-RESPONSE: unknown response token ${name}`);
  }
  const { message, ignored } = mergeChanges<SipResponse>(stored.response, action, { protect: FORWARD_PROTECT });
  note(plan, action.line, ignored);
  return { kind: 'forward-response', response: message, responseToken: name, ...(stored.branchId === undefined ? {} : { branchId: stored.branchId }) };
}
