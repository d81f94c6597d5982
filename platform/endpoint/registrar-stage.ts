/**
 * REGISTER for our domains goes to the registrar (RFC 3261 §10.3). REGISTER for another domain
 * is refused with 403, or passed on to the proxy stage when `forwardForeign` is set (§10.3 step
 * 1: "if the server also acts as a proxy server, the server SHOULD forward the request to the
 * addressed domain").
 */
import type { Logger } from '../log/logger.js';
import type { Registrar } from '../registrar/registrar.js';
import type { SipRequest } from '../sip/index.js';
import { authenticatedIdentity } from './auth-stage.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

type HookBody = { readonly contentType: string; readonly content: string };

/** What a REGISTER payload handler (CPL upload, draft-lennox-sip-reg-payload) decided: register
 *  as usual, register and put `body` into the 200, or answer instead of registering. */
export type RegisterHookResult =
  | { readonly kind: 'none' | 'stored' | 'removed' }
  | { readonly kind: 'download'; readonly body: HookBody | null }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string; readonly body?: HookBody };

/** Asked before the registrar for every REGISTER of our domains; `aor` is the To AOR and
 *  `authenticatedAs` the AOR digest authentication proved. The endpoint knows no engine: the
 *  composition root passes the CPL handler here. */
export type RegisterHook = (request: SipRequest, aor: string, authenticatedAs: string | undefined) => Promise<RegisterHookResult>;

export interface RegistrarStageOptions {
  registrar: Registrar;
  logger: Logger;
  forwardForeign?: boolean;
  registerHook?: RegisterHook;
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
    const aor = registrar.location.aorOf(request.to.uri);
    const hook = aor !== undefined ? await this.#options.registerHook?.(request, aor, authenticatedIdentity(request)?.aor) : undefined;
    if (hook?.kind === 'reject') {
      incoming.reply(hook.status, hook.reason, [], hook.body);
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
    if (transaction.finalResponse === undefined && !transaction.terminated) {
      const body = hook?.kind === 'download' && hook.body && result.status === 200 ? hook.body : undefined;
      incoming.reply(result.status, result.reason, result.headers, body);
    }
    return 'handled';
  }
}
