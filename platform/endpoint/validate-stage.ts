/** First stage: the RFC 3261 §8.2 checks a UAS applies before it looks at the method
 *  (416 scheme, 420 Require with Unsupported, 415 body, 400 for headers that do not parse).
 *  The checks themselves are pure functions of the message layer (sip/request-checks). */
import { checkRequest } from '../sip/index.js';
import type { EndpointCapabilities } from './capabilities.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class ValidateStage implements RequestStage {
  readonly name = 'validate';
  constructor(private readonly capabilities: EndpointCapabilities) {}

  handle(incoming: IncomingRequest): StageOutcome {
    const verdict = checkRequest(incoming.request, {
      role: 'uas',
      uriSchemes: this.capabilities.uriSchemes,
      extensions: this.capabilities.supportedExtensions,
      contentTypes: this.capabilities.acceptedContentTypes,
    });
    if (verdict.action === 'accept') return 'continue';
    if (verdict.action === 'reject') incoming.reply(verdict.status, verdict.reason, verdict.headers);
    return 'handled';
  }
}
