/**
 * A transaction user for a plain UA (no proxy): offers everything to the UA core first and
 * gives the rest to `onNewRequest`, answering what nobody takes as a UAS would (§9.2 481 for
 * an unmatched CANCEL, §12.2.2 481 for an unknown dialog, drops for stray responses and ACKs).
 * It is also the reference for the endpoint hooks (see ARCHITECTURE wiring notes).
 */
import type { Logger } from '../log/logger.js';
import { createResponse, generateTag, type SipRequest, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import type { ServerTransaction, TransactionUser } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/types.js';
import { hasToTag } from '../dialog/index.js';
import type { UserAgentCore } from './user-agent-core.js';

export type NewRequestHandler = (request: SipRequest, transaction: ServerTransaction) => void;

export class UserAgentTransactionUser implements TransactionUser {
  readonly #core: UserAgentCore;
  readonly #onNewRequest: NewRequestHandler;
  readonly #logger: Logger;

  constructor(core: UserAgentCore, onNewRequest: NewRequestHandler, logger: Logger) {
    this.#core = core;
    this.#onNewRequest = onNewRequest;
    this.#logger = logger;
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    if (this.#core.handleRequest(request, transaction)) return;
    if (hasToTag(request)) {
      // §12.2.2: "If the UAS wishes to reject the request because it does not wish to recreate
      // the dialog, it MUST respond ... with a 481".
      transaction.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    this.#onNewRequest(request, transaction);
  }

  onAck2xx(ack: SipRequest, flow: Flow): void {
    if (!this.#core.handleAck(ack, flow)) this.#logger.debug({ callId: ack.callId }, 'ACK for no dialog of ours dropped');
  }

  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    if (this.#core.handleCancel(cancel, cancelTransaction, invite)) return;
    if (!invite) {
      cancelTransaction.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist', { toTag: generateTag() }));
      return;
    }
    cancelTransaction.respond(createResponse(cancel, 200));
    if (invite.finalResponse === undefined && !invite.terminated) invite.respond(createResponse(invite.request, 487, undefined, { toTag: generateTag() }));
  }

  onStrayResponse(response: SipResponse, flow: Flow): void {
    if (!this.#core.handleStrayResponse(response, flow)) this.#logger.debug({ status: response.status }, 'stray response dropped');
  }
}
