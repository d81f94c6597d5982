/**
 * Runs a stage only for the requests a predicate selects; others pass on. The server uses it to
 * keep UAS-only stages (the §8.2 validate stage, the OPTIONS responder) away from requests the
 * proxy forwards: a proxy must not answer 420 for Require (§16.3 checks Proxy-Require only),
 * nor 415 for a body type only the callee needs to understand.
 */
import type { SipRequest } from '../sip/index.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class ConditionalStage implements RequestStage {
  readonly name: string;

  constructor(
    private readonly inner: RequestStage,
    private readonly applies: (request: SipRequest) => boolean,
  ) {
    this.name = inner.name;
  }

  handle(incoming: IncomingRequest): StageOutcome | Promise<StageOutcome> {
    return this.applies(incoming.request) ? this.inner.handle(incoming) : 'continue';
  }
}
