/**
 * Two established dialogs joined into one call by a B2BUA or a third-party call controller
 * (RFC 3261 §6 "B2BUA", RFC 3725 §4): a BYE or failure on one leg ends the other with BYE
 * (§15), and re-INVITE, UPDATE and INFO are relayed leg to leg — only the body crosses, each
 * leg keeps its own headers (Contact, CSeq, Route …) — so a later offer/answer exchange (hold,
 * codec change: RFC 3725 "Continued Processing") reaches the other party.
 */
import type { DialogEndReason, InDialogRequest, UaDialog } from './user-agent-dialog.js';
import { bodyOf } from './user-agent-dialog.js';

export interface BridgeOptions {
  /** Relay re-INVITE, UPDATE and INFO between the legs (else listeners of the legs decide). */
  relayInDialog: boolean;
  /** A leg ended by itself (not by our BYE): the other has just been sent BYE. */
  onEnd(by: 'a' | 'b', reason: DialogEndReason): void;
}

export function bridgeLegs(a: UaDialog, b: UaDialog, options: BridgeOptions): void {
  const endOther = (by: 'a' | 'b', other: UaDialog) => (reason: DialogEndReason) => {
    if (reason === 'local-bye') return; // we ended it: terminate() or the other leg's BYE
    options.onEnd(by, reason);
    void other.bye();
  };
  a.onEnd(endOther('a', b));
  b.onEnd(endOther('b', a));
  if (options.relayInDialog) {
    a.onRequest((incoming) => relayRequest(incoming, b));
    b.onRequest((incoming) => relayRequest(incoming, a));
  }
}

/** An in-dialog request from one leg, sent on the other; its final response answers the first. */
export function relayRequest(incoming: InDialogRequest, other: UaDialog): void {
  const { request } = incoming;
  if (!['INVITE', 'UPDATE', 'INFO'].includes(request.method)) {
    incoming.respond(501);
    return;
  }
  const body = bodyOf(request);
  other.request(request.method, body ? { body } : {}).then(
    (response) => {
      const answer = bodyOf(response);
      incoming.respond(response.status, response.reason, answer ? { body: answer } : {});
    },
    () => incoming.respond(481),
  );
}
