/**
 * REGISTER for our domains goes to the registrar (RFC 3261 §10.3). REGISTER for another domain
 * is refused with 403, or passed on to the proxy stage when `forwardForeign` is set (§10.3 step
 * 1: "if the server also acts as a proxy server, the server SHOULD forward the request to the
 * addressed domain").
 */
import type { Logger } from '../log/logger.js';
import type { Registrar } from '../registrar/registrar.js';
import type { HeaderField, SipRequest, SipResponse } from '../sip/index.js';
import { authenticatedIdentity } from './auth-stage.js';
import type { IncomingRequest, RequestStage, StageOutcome } from './request-stage.js';

type HookBody = { readonly contentType: string; readonly content: string };

/** What a REGISTER handler (CPL upload, draft-lennox-sip-reg-payload; a SIP-CGI script, RFC 3050
 *  §5.9) decided: register as usual, register and put `body` into the 200, or answer instead of
 *  registering (`reject`, or `respond` with header fields: a script's own 200 means it handled
 *  the registration, so nothing is stored). */
export type RegisterHookResult =
  | { readonly kind: 'none' | 'stored' | 'removed' }
  | { readonly kind: 'download'; readonly body: HookBody | null }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string; readonly body?: HookBody }
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly reason: string;
      readonly headers?: readonly { readonly name: string; readonly value: string }[];
      readonly body?: HookBody;
    };

/** Where the REGISTER came from and arrived (SIP-CGI REMOTE_ADDR / SERVER_PORT). */
export interface RegisterContext {
  readonly source: { readonly protocol: string; readonly address: string; readonly port: number };
  readonly local: { readonly address: string; readonly port: number };
}

/** Asked before the registrar for every REGISTER of our domains; `aor` is the To AOR and
 *  `authenticatedAs` the AOR digest authentication proved. The endpoint knows no engine: the
 *  composition root passes the CPL (and SIP-CGI) handler here. */
export type RegisterHook = (
  request: SipRequest,
  aor: string,
  authenticatedAs: string | undefined,
  context: RegisterContext,
) => Promise<RegisterHookResult>;

/** A REGISTER that changed bindings and was answered 2xx (a query — no Contact — is not one). */
export interface RegisteredNotice {
  request: SipRequest;
  /** The 2xx as sent. */
  response?: SipResponse;
  /** `user@domain`, the To AOR. */
  aor: string;
  /** Granted expiry in seconds: the longest binding left (0 when none is left). */
  expires: number;
  /** Bindings existed before this REGISTER. */
  wasRegistered: boolean;
}

export interface RegistrarStageOptions {
  registrar: Registrar;
  logger: Logger;
  forwardForeign?: boolean;
  registerHook?: RegisterHook;
  /** Called after our 2xx to a REGISTER that registered, refreshed or removed bindings (the
   *  S-CSCF's third-party registration, 24.229 §5.4.1.7). Not awaited; must not throw. */
  afterRegister?: (notice: RegisteredNotice) => void;
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
    const flow = transaction.flow;
    const context: RegisterContext = {
      source: { protocol: flow.protocol, address: flow.remote.address, port: flow.remote.port },
      local: { address: flow.local.address, port: flow.local.port },
    };
    const hook = aor !== undefined ? await this.#options.registerHook?.(request, aor, authenticatedIdentity(request)?.aor, context) : undefined;
    if (hook?.kind === 'reject' || hook?.kind === 'respond') {
      // Answered instead of registering (RFC 3050 §5.9: a script's 200 or failure stores nothing).
      if (transaction.finalResponse === undefined && !transaction.terminated) {
        incoming.reply(hook.status, hook.reason, hook.kind === 'respond' ? (hook.headers ?? []).map((field) => ({ ...field })) : [], hook.body);
      }
      return 'handled';
    }
    const after = aor !== undefined && request.hasHeader('Contact') ? this.#options.afterRegister : undefined;
    const wasRegistered = after ? await registrar.location.lookup(`sip:${aor}`).then((found) => found.kind === 'found', () => false) : false;
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
    if (after && aor !== undefined && result.status >= 200 && result.status < 300) {
      const response = transaction.finalResponse;
      const notice: RegisteredNotice = { request, aor, expires: grantedExpiry(result.headers), wasRegistered, ...(response ? { response } : {}) };
      try {
        after(notice);
      } catch (error) {
        this.#logger.error({ err: error, aor }, 'afterRegister callback threw');
      }
    }
    return 'handled';
  }
}

/** The longest `expires` among the bindings the 200 lists (RFC 3261 §10.3 step 8). */
function grantedExpiry(headers: readonly HeaderField[]): number {
  let longest = 0;
  for (const header of headers) {
    if (header.name.toLowerCase() !== 'contact') continue;
    // Parameters after the name-addr only: the URI inside <> may carry its own.
    const match = /;\s*expires\s*=\s*(\d+)/iu.exec(header.value.slice(header.value.lastIndexOf('>') + 1));
    if (match) longest = Math.max(longest, Number(match[1]));
  }
  return longest;
}
