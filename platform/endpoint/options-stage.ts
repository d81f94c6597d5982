/** RFC 3261 §11.2: answer OPTIONS with what we would do for an INVITE — here, 200 and our
 *  capabilities (Allow, Accept, Supported). */
import type { EndpointCapabilities } from './capabilities.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export class OptionsStage implements RequestStage {
  readonly name = 'options';
  constructor(private readonly capabilities: EndpointCapabilities) {}

  handle(incoming: IncomingRequest): StageOutcome {
    if (incoming.request.method !== 'OPTIONS') return 'continue';
    incoming.reply(200, 'OK', capabilityHeaders(this.capabilities));
    return 'handled';
  }
}

export function capabilityHeaders(capabilities: EndpointCapabilities): Array<{ name: string; value: string }> {
  const headers = [
    { name: 'Allow', value: capabilities.allowedMethods.join(', ') },
    { name: 'Accept', value: capabilities.acceptedContentTypes.join(', ') },
  ];
  if (capabilities.supportedExtensions.length > 0) {
    headers.push({ name: 'Supported', value: capabilities.supportedExtensions.join(', ') });
  }
  return headers;
}
