/**
 * REGISTER for our domains goes to the registrar (RFC 3261 §10.3). REGISTER for another domain
 * is refused with 403, or passed on to the proxy stage when `forwardForeign` is set (§10.3 step
 * 1: "if the server also acts as a proxy server, the server SHOULD forward the request to the
 * addressed domain").
 */
import type { Logger } from '../log/logger.js';
import type { Registrar } from '../registrar/registrar.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

export interface RegistrarStageOptions {
  registrar: Registrar;
  logger: Logger;
  forwardForeign?: boolean;
}

export class RegistrarStage implements RequestStage {
  readonly name = 'registrar';
  readonly #options: RegistrarStageOptions;
  readonly #logger: Logger;

  constructor(options: RegistrarStageOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ stage: 'registrar' });
  }

  async handle(incoming: IncomingRequest): Promise<StageOutcome> {
    const { request, transaction } = incoming;
    if (request.method !== 'REGISTER') return 'continue';
    const registrar = this.#options.registrar;
    if (!registrar.isResponsibleFor(request)) {
      if (this.#options.forwardForeign) return 'continue';
      this.#logger.info({ uri: request.uri.scheme, callId: request.callId }, 'REGISTER for a domain not served here refused');
      incoming.reply(403, 'Domain Not Served Here');
      return 'handled';
    }
    const flow = transaction.flow;
    const result = await registrar.register(request, {
      protocol: flow.protocol,
      address: flow.remote.address,
      port: flow.remote.port,
      localAddress: flow.local.address,
      localPort: flow.local.port,
    });
    if (transaction.finalResponse === undefined && !transaction.terminated) incoming.reply(result.status, result.reason, result.headers);
    return 'handled';
  }
}
