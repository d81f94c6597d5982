/**
 * The `uac` capability: an app asks the server to act as a UAC (RFC 3261 §8.1) through the core's
 * UA (`ServiceHost.userAgent`). `request` sends an out-of-dialog non-INVITE request and answers
 * with its final response; `invite` places a call (uac-invite.ts). A target that is a user of
 * ours is reached at their best registered contact (the Request-URI becomes the contact, To stays
 * the user's address), as the proxy would route it. `request` refuses dialog-creating and
 * dialog-bound methods: INVITE has its own method, the rest belong to the dialog.
 */
import type { CapabilityProvider, JsonValue } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import type { HostClock } from './app-sessions.js';
import { bodyText, headerList, sipUri, text, TOKEN } from './capability-args.js';
import type { CallRegistry } from './call-registry.js';
import { plainResponse, resolveTarget, type ServiceHostRef } from './resolve-target.js';
import { UacInviter } from './uac-invite.js';

export type { ServiceHostRef } from './resolve-target.js';

const REFUSED = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'REGISTER', 'PRACK', 'UPDATE']);

export interface UacCapabilityOptions {
  /** The app's calls: a 2xx to `invite` is kept here for `ctx.calls`. Absent: `invite` is refused. */
  readonly calls?: CallRegistry;
  /** Ring timeouts of `invite` (default real time; the test kit's virtual clock). */
  readonly clock?: HostClock;
  /** Where failures the app cannot see are logged (an INVITE the core refused to send). */
  readonly logger?: Logger;
}

export class UacCapability implements CapabilityProvider {
  readonly name = 'uac';
  readonly #inviter: UacInviter | undefined;

  constructor(
    private readonly host: ServiceHostRef,
    options: UacCapabilityOptions = {},
  ) {
    this.#inviter = options.calls === undefined ? undefined : new UacInviter(host, options.calls, options.clock, options.logger);
  }

  async call(call: { app: string; method: string; args: JsonValue; sessionKey?: string }): Promise<JsonValue> {
    if (call.method === 'invite') {
      if (this.#inviter === undefined || call.sessionKey === undefined) throw new Error('this server cannot place calls for apps (no call registry)');
      return this.#inviter.invite(call.app, call.sessionKey, call.args);
    }
    if (call.method !== 'request') throw new Error(`uac has no method "${call.method}"`);
    const host = this.host.current;
    const userAgent = host?.userAgent;
    if (host === undefined || userAgent === undefined) throw new Error('this server cannot send requests for apps (no UA core)');
    const args = call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args) ? call.args : {};
    const method = text(args.method, 'method');
    if (!TOKEN.test(method)) throw new Error(`"${method}" is not a SIP method`);
    if (method.toUpperCase() === 'INVITE') throw new Error('ctx.uac.request cannot send INVITE: place calls with ctx.uac.invite');
    if (REFUSED.has(method.toUpperCase())) throw new Error(`ctx.uac.request cannot send ${method} (out-of-dialog, non-INVITE requests only)`);
    const target = sipUri(args.uri, 'uri');
    const headers = headerList(args.headers);
    const body = bodyText(args.body);

    const resolved = await resolveTarget(host, target.uri, target.host);
    if (resolved.kind === 'failed') return { status: resolved.status, reason: resolved.reason, headers: [] };
    const handle = userAgent.sendRequest(
      {
        method,
        uri: resolved.uri,
        from: args.from === undefined ? `<sip:${call.app}@${target.host}>` : text(args.from, 'from'),
        to: args.to === undefined ? `<${target.uri}>` : text(args.to, 'to'),
        headers,
        ...(body !== undefined ? { body: { contentType: args.contentType === undefined ? 'text/plain' : text(args.contentType, 'contentType'), content: body } } : {}),
      },
      {},
    );
    return plainResponse(await handle.final);
  }
}
