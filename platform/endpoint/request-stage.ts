/**
 * A request stage (PJSIP-style module): the endpoint runs stages in order for each new request
 * until one handles it. Stages may be async (lookups, services); the endpoint resumes after them.
 */
import type { HeaderField, SipRequest } from '../sip/index.js';
import type { ServerTransaction } from '../transaction/transaction-user.js';

export interface IncomingRequest {
  readonly request: SipRequest;
  readonly transaction: ServerTransaction;
  /** The To tag final responses get (§8.2.6.2); absent when the request had one. */
  readonly toTag?: string;
  /** Send a response built from the request (§8.2.6); a final response adds a To tag. */
  reply(status: number, reason?: string, headers?: HeaderField[], body?: { contentType: string; content: string | Buffer }): void;
}

export type StageOutcome = 'handled' | 'continue';

export interface RequestStage {
  /** Shown in logs when the stage fails. */
  readonly name: string;
  handle(incoming: IncomingRequest): StageOutcome | Promise<StageOutcome>;
}
