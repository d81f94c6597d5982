/**
 * The engines' view of the UA core (platform/services/user-agent.ts) over `UserAgentCore`:
 * SipResponse → ServiceResponse, UaDialog → DialogHandle, a `B2buaDecision` carried out
 * on the INVITE server transaction the services stage holds, and third-party calls
 * (RFC 3725 Flow I, third-party-call.ts).
 */
import type { Decision } from '../services/decision.js';
import type {
  B2buaDecision,
  ClientEvents,
  ClientHandle,
  DialogHandle,
  InDialogRequestEvent,
  OutgoingRequestSpec,
  ThirdPartyCallEvents,
  ThirdPartyCallHandle,
  ThirdPartyCallSpec,
  UserAgentService,
} from '../services/user-agent.js';
import type { HeaderField, SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { startThirdPartyCall } from './third-party-call.js';
import { startB2bua, type B2buaSession } from './user-agent-b2bua.js';
import type { UserAgentCore } from './user-agent-core.js';
import type { InDialogRequest, UaDialog } from './user-agent-dialog.js';
import { branchOutcomeOf, toServiceResponse } from './service-responses.js';

/**
 * `originatingRoute`: a Route for requests engines originate without one of their own — with
 * ISC, the S-CSCF with `orig` (TS 24.229 §5.7.3: an AS acting as originating UA sends its
 * requests to the S-CSCF, which runs the originating iFCs).
 */
export function createUserAgentService(core: UserAgentCore, options: { originatingRoute?: string } = {}): UserAgentService {
  const { originatingRoute } = options;
  return {
    sendRequest(given: OutgoingRequestSpec, events: ClientEvents = {}): ClientHandle {
      const spec = given.route === undefined && originatingRoute !== undefined ? { ...given, route: [originatingRoute] } : given;
      const uac = core.sendRequest(spec, {
        ...(events.onProvisional ? { onProvisional: (response: SipResponse) => events.onProvisional?.(toServiceResponse(response)) } : {}),
        onFinal: (response, dialog) => events.onFinal?.(toServiceResponse(response, uac.finalIsLocal), dialog ? dialogHandle(dialog) : undefined),
      });
      return {
        final: uac.final.then((response) => toServiceResponse(response, uac.finalIsLocal)),
        dialog: () => uac.final.then(() => (uac.dialog ? dialogHandle(uac.dialog) : undefined)),
        cancel: () => uac.cancel(),
      };
    },
    thirdPartyCall: (spec, events) => thirdPartyCall(core, spec.route === undefined && originatingRoute !== undefined ? { ...spec, route: [originatingRoute] } : spec, events),
  };
}

/** RFC 3725 Flow I between `spec.a` and `spec.b`, seen through DialogHandles. */
function thirdPartyCall(core: UserAgentCore, spec: ThirdPartyCallSpec, events: ThirdPartyCallEvents = {}): ThirdPartyCallHandle {
  const call = startThirdPartyCall(core, {
    a: spec.a,
    b: spec.b,
    from: spec.from,
    ...(spec.bFrom !== undefined ? { bFrom: spec.bFrom } : {}),
    ...(spec.aTo !== undefined ? { aTo: spec.aTo } : {}),
    ...(spec.bTo !== undefined ? { bTo: spec.bTo } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    ...(spec.route ? { route: spec.route } : {}),
    ...(spec.relayInDialog !== undefined ? { relayInDialog: spec.relayInDialog } : {}),
    ...(spec.aCallId !== undefined ? { aCallId: spec.aCallId } : {}),
    ...(spec.bCallId !== undefined ? { bCallId: spec.bCallId } : {}),
    ...(events.onProvisional ? { onProvisional: (leg: 'a' | 'b', response: SipResponse) => events.onProvisional?.(leg, toServiceResponse(response)) } : {}),
  });
  const established = call.established.then((legs) => (legs ? { a: dialogHandle(legs.a), b: dialogHandle(legs.b) } : undefined));
  const report = (what: string, run: () => void): void => {
    try {
      run();
    } catch (error) {
      core.logger.error({ err: error }, `third-party call ${what} listener threw`);
    }
  };
  void established.then((legs) => {
    if (legs && events.onEstablished) report('onEstablished', () => events.onEstablished?.(legs));
  });
  void call.ended.then((end) => {
    if (events.onEnd) report('onEnd', () => events.onEnd?.(end));
  });
  return { established, ended: call.ended, terminate: () => call.terminate() };
}

const handles = new WeakMap<UaDialog, DialogHandle>();

/** The one DialogHandle of a dialog (same object every time, so engines can compare them). */
export function dialogHandle(dialog: UaDialog): DialogHandle {
  let handle = handles.get(dialog);
  if (handle) return handle;
  const { callId, localTag, remoteTag } = dialog.dialog.id;
  handle = {
    id: dialog.id,
    callId,
    localTag,
    remoteTag,
    get state() {
      return dialog.state;
    },
    request: (method, options = {}) => dialog.request(method, options).then((response) => toServiceResponse(response)),
    bye: () => dialog.bye().then(() => undefined),
    onRequest: (listener) => dialog.onRequest((incoming) => listener(toEvent(incoming))),
    onEnd: (listener) => dialog.onEnd(listener),
  };
  handles.set(dialog, handle);
  return handle;
}

/**
 * Carries out a `b2bua` decision on the caller's INVITE. A leg-B failure goes to
 * `decision.onOutcome`: `continue` relays B's status, anything else is handed to `carryOut`
 * (the services stage's own: reject, redirect, proxy elsewhere …).
 */
export function carryOutB2bua(
  core: UserAgentCore,
  transaction: InviteServerTransaction,
  decision: B2buaDecision,
  carryOut: (decision: Exclude<Decision, { kind: 'continue' }>) => Promise<void>,
  leg: { route?: string[]; headers?: HeaderField[] } = {},
): B2buaSession {
  const onOutcome = decision.onOutcome;
  const headers = [...(leg.headers ?? []), ...(decision.headers ?? [])];
  const session: B2buaSession = startB2bua(core, transaction, {
    target: decision.target,
    ...(leg.route ? { route: leg.route } : {}),
    ...(decision.from !== undefined ? { from: decision.from } : {}),
    ...(decision.to !== undefined ? { to: decision.to } : {}),
    ...(headers.length > 0 ? { headers } : {}),
    ...(decision.relayInDialog !== undefined ? { relayInDialog: decision.relayInDialog } : {}),
    ...(decision.timeoutMs !== undefined ? { timeoutMs: decision.timeoutMs } : {}),
    ...(onOutcome
      ? {
          onFailure: (response: SipResponse) => {
            const local = session.legB.finalIsLocal || session.timedOut;
            void Promise.resolve()
              .then(() => onOutcome(branchOutcomeOf(response, { locallyGenerated: local, timedOut: local && response.status === 408 })))
              .then((next) => (next.kind === 'continue' ? session.answerCaller(response.status, response.reason) : carryOut(next)))
              .catch((error: unknown) => {
                core.logger.error({ err: error }, 'b2bua onOutcome failed');
                session.answerCaller(500, 'Server Internal Error');
              });
            return true;
          },
        }
      : {}),
  });
  void session.established.then((legs) => {
    if (legs) decision.onLegs?.({ a: dialogHandle(legs.a), b: dialogHandle(legs.b) }, { terminate: () => session.terminate() });
  });
  void session.ended.then((end) => decision.onEnd?.(end));
  return session;
}

function toEvent(incoming: InDialogRequest): InDialogRequestEvent {
  const { request } = incoming;
  const contentType = request.getHeader('Content-Type');
  return {
    method: request.method,
    headers: request.headerFields.map((field) => ({ name: field.name, value: field.value })),
    ...(request.body.length > 0 ? { body: { contentType: contentType ?? 'application/octet-stream', content: request.body } } : {}),
    respond: (status, reason, options) => incoming.respond(status, reason, options),
  };
}
