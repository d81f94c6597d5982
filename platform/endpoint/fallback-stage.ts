/** Last stage: nothing served the request. §8.2.1: a method we know but do not serve gets 405
 *  with Allow, an unknown one 501. */
import { checkMethod } from '../sip/index.js';
import type { EndpointCapabilities } from './capabilities.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class FallbackStage implements RequestStage {
  readonly name = 'fallback';
  constructor(private readonly capabilities: EndpointCapabilities) {}

  handle(incoming: IncomingRequest): StageOutcome {
    const verdict = checkMethod(incoming.request, this.capabilities.allowedMethods);
    if (verdict.action === 'reject') incoming.reply(verdict.status, verdict.reason, verdict.headers);
    else incoming.reply(500, 'Server Internal Error', [{ name: 'Warning', value: '399 switchboard "no stage served this request"' }]);
    return 'handled';
  }
}
