/**
 * The transaction user of the server: runs each new request through its stages in order
 * (validate → … → fallback) and handles CANCEL, ACK for 2xx and stray responses.
 * Later issues add auth, registrar, services and proxy stages between validate and fallback.
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, type HeaderField, type SipRequest, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { ServerTransaction, TransactionUser } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/types.js';
import type { IncomingRequest, RequestStage } from './request-stage.js';

export class Endpoint implements TransactionUser {
  readonly #stages: readonly RequestStage[];
  readonly #logger: Logger;

  constructor(stages: readonly RequestStage[], logger: Logger) {
    this.#stages = stages;
    this.#logger = logger.child({ component: 'endpoint' });
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    void this.#runStages(toIncoming(request, transaction));
  }

  async #runStages(incoming: IncomingRequest): Promise<void> {
    for (const stage of this.#stages) {
      try {
        if ((await stage.handle(incoming)) === 'handled') return;
      } catch (error) {
        // A failing stage must not leave the caller hanging (§8.2: every request gets a final response).
        this.#logger.error({ err: error, stage: stage.name, callId: incoming.request.callId }, 'request stage failed');
        incoming.reply(500, 'Server Internal Error');
        return;
      }
    }
    this.#logger.error({ method: incoming.request.method }, 'no stage handled the request');
    incoming.reply(500, 'Server Internal Error');
  }

  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    // §9.2: 481 when no transaction matches; else 200 to the CANCEL and 487 to the INVITE if it
    // has no final response yet.
    if (!invite) {
      cancelTransaction.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist', { toTag: generateTag() }));
      return;
    }
    cancelTransaction.respond(createResponse(cancel, 200, 'OK'));
    if (invite.state === 'Proceeding') {
      invite.respond(createResponse(invite.request, 487, 'Request Terminated', { toTag: generateTag() }));
    }
  }

  onAck2xx(ack: SipRequest, flow: Flow): void {
    // No dialogs exist at this layer yet: an ACK for a 2xx we never sent is dropped (§17.2.3).
    this.#logger.debug({ callId: ack.callId, flow: flow.id }, 'ACK outside any dialog dropped');
  }

  onStrayResponse(response: SipResponse, flow: Flow): void {
    this.#logger.debug({ status: response.status, callId: response.callId, flow: flow.id }, 'stray response dropped');
  }
}

function toIncoming(request: SipRequest, transaction: ServerTransaction): IncomingRequest {
  const toTag = request.to.params.get('tag') ? undefined : generateTag();
  return {
    request,
    transaction,
    reply(status, reason, headers: HeaderField[] = [], body) {
      const response = createResponse(request, status, reason, {
        ...(status >= 200 && toTag ? { toTag } : {}),
        headers,
        ...(body ? { body: body.content, contentType: body.contentType } : {}),
      });
      transaction.respond(response);
    },
  };
}
