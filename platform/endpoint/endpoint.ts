/**
 * The transaction user of the server: runs each new request through its stages in order
 * (route → validate → … → fallback, see platform/server/sip-pipeline.ts) and passes what comes
 * outside a new server transaction — CANCEL, ACK for 2xx, stray responses — to its
 * out-of-transaction handler: the proxy core in a proxy (§16.10, §16.11, RFC 6026 §8.1), or the
 * plain UAS behaviour below when there is none.
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, type HeaderField, type SipRequest, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { ServerTransaction, TransactionUser } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/types.js';
import type { IncomingRequest, RequestStage } from './request-stage.js';
import type { UserAgentHooks } from './user-agent-core.js';

/** Who handles the messages that reach the TU outside a new server transaction. The proxy core
 *  implements it (structurally); the endpoint does not depend on it. */
export interface OutOfTransactionHandler {
  handleCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void;
  handleAck(ack: SipRequest, flow: Flow): void;
  handleStrayResponse(response: SipResponse, flow: Flow): void;
}

export interface EndpointOptions {
  /** CANCEL, ACK-2xx and stray responses go here; without it the endpoint acts as a UAS. */
  outOfTransaction?: OutOfTransactionHandler;
  /** The UA core: requests in its dialogs, ACKs of its 2xx, CANCELs of INVITEs it answers and
   *  2xx retransmissions for its INVITEs go there before anything else (one Map lookup each). */
  userAgent?: UserAgentHooks;
}

export class Endpoint implements TransactionUser {
  readonly #stages: readonly RequestStage[];
  readonly #logger: Logger;
  readonly #handler: OutOfTransactionHandler | undefined;
  readonly #userAgent: UserAgentHooks | undefined;

  constructor(stages: readonly RequestStage[], logger: Logger, options: EndpointOptions = {}) {
    this.#stages = stages;
    this.#logger = logger.child({ component: 'endpoint' });
    this.#handler = options.outOfTransaction;
    this.#userAgent = options.userAgent;
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    if (this.#userAgent?.handleRequest(request, transaction)) return;
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
    if (this.#userAgent?.handleCancel(cancel, cancelTransaction, invite)) return;
    if (this.#handler) {
      this.#handler.handleCancel(cancel, cancelTransaction, invite);
      return;
    }
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
    if (this.#userAgent?.handleAck(ack, flow)) return;
    if (this.#handler) {
      this.#handler.handleAck(ack, flow);
      return;
    }
    // No dialogs exist at this layer yet: an ACK for a 2xx we never sent is dropped (§17.2.3).
    this.#logger.debug({ callId: ack.callId, flow: flow.id }, 'ACK outside any dialog dropped');
  }

  onStrayResponse(response: SipResponse, flow: Flow): void {
    if (this.#userAgent?.handleStrayResponse(response, flow)) return;
    if (this.#handler) {
      this.#handler.handleStrayResponse(response, flow);
      return;
    }
    this.#logger.debug({ status: response.status, callId: response.callId, flow: flow.id }, 'stray response dropped');
  }
}

function toIncoming(request: SipRequest, transaction: ServerTransaction): IncomingRequest {
  const toTag = request.to.params.get('tag') ? undefined : generateTag();
  return {
    request,
    transaction,
    ...(toTag ? { toTag } : {}),
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
