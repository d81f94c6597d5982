/** First stage: the RFC 3261 §8.2 checks a UAS applies, in the RFC's order — method (405 with
 *  Allow, 501), URI scheme (416), Require (420 with Unsupported), headers that do not parse (400),
 *  body (415). The checks themselves are pure functions of the message layer (sip/request-checks). */
import { checkRequest } from '../sip/index.js';
import type { EndpointCapabilities } from './capabilities.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class ValidateStage implements RequestStage {
  readonly name = 'validate';
  constructor(private readonly capabilities: EndpointCapabilities) {}

  handle(incoming: IncomingRequest): StageOutcome {
    const verdict = checkRequest(incoming.request, {
      role: 'uas',
      methods: this.capabilities.allowedMethods,
      uriSchemes: this.capabilities.uriSchemes,
      extensions: this.capabilities.supportedExtensions,
      contentTypes: this.capabilities.acceptedContentTypes,
    });
    if (verdict.action === 'accept') return 'continue';
    if (verdict.action === 'reject') incoming.reply(verdict.status, verdict.reason, verdict.headers);
    return 'handled';
  }
}
