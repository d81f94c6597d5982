/** Last stage: a request the validate stage let through (its method is allowed) that no stage
 *  served is a wiring bug, not the caller's fault: 500 with a Warning that says so. */
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class FallbackStage implements RequestStage {
  readonly name = 'fallback';

  handle(incoming: IncomingRequest): StageOutcome {
    incoming.reply(500, 'Server Internal Error', [{ name: 'Warning', value: '399 switchboard "no stage served this request"' }]);
    return 'handled';
  }
}
