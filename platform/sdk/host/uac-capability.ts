/**
 * The `uac` capability (`ctx.uac.request(...)`): an app asks the server to send an out-of-dialog
 * request as a UAC (RFC 3261 §8.1) through the core's UA (`ServiceHost.userAgent`). A target that
 * is a user of ours is reached at their best registered contact (the Request-URI becomes the
 * contact, To stays the user's address), as the proxy would route it. Dialog-creating and
 * dialog-bound methods are refused: they need the B2BUA/dialog surface, not a one-shot request.
 */
import type { CapabilityProvider, JsonValue } from '../../container/index.js';
import type { ServiceHost, ServiceResponse } from '../../services/index.js';
import { parseUri } from '../../sip/index.js';
import { headerList, text, TOKEN } from './capability-args.js';

/** The host is known only once the SIP pipeline exists; the capability is bound before that. */
export interface ServiceHostRef {
  current?: ServiceHost;
}

const REFUSED = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'REGISTER', 'PRACK', 'UPDATE']);
const MAX_BODY_CHARS = 16_384;

export class UacCapability implements CapabilityProvider {
  readonly name = 'uac';
  constructor(private readonly host: ServiceHostRef) {}

  async call(call: { app: string; method: string; args: JsonValue }): Promise<JsonValue> {
    if (call.method !== 'request') throw new Error(`uac has no method "${call.method}"`);
    const host = this.host.current;
    const userAgent = host?.userAgent;
    if (host === undefined || userAgent === undefined) throw new Error('this server cannot send requests for apps (no UA core)');
    const args = call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args) ? call.args : {};
    const method = text(args.method, 'method');
    if (!TOKEN.test(method)) throw new Error(`"${method}" is not a SIP method`);
    if (REFUSED.has(method.toUpperCase())) throw new Error(`ctx.uac.request cannot send ${method} (out-of-dialog, non-INVITE requests only)`);
    const target = text(args.uri, 'uri');
    let uri;
    try {
      uri = parseUri(target);
    } catch (error) {
      throw new Error(`uri "${target}" is not a SIP URI: ${(error as Error).message}`);
    }
    if (uri.kind !== 'sip') throw new Error(`uri "${target}" is not a sip: or sips: URI`);
    const headers = headerList(args.headers);
    // A body may span lines (a text message); only header values must be one line.
    if (args.body !== undefined && args.body !== null && typeof args.body !== 'string') throw new Error('body must be a string');
    const body = args.body === undefined || args.body === null || args.body === '' ? undefined : args.body;
    if (body !== undefined && body.length > MAX_BODY_CHARS) throw new Error(`a body is limited to ${MAX_BODY_CHARS} characters`);

    let requestUri = target;
    if (host.isLocalDomain(uri.host)) {
      const found = await host.lookup(target);
      if (found.kind !== 'found' || found.contacts.length === 0) return plain({ status: found.kind === 'unknown-user' ? 404 : 480, reason: found.kind === 'unknown-user' ? 'Not Found' : 'Temporarily Unavailable', headers: [] });
      requestUri = [...found.contacts].sort((a, b) => b.q - a.q)[0]!.uri;
    }
    const handle = userAgent.sendRequest(
      {
        method,
        uri: requestUri,
        from: args.from === undefined ? `<sip:${call.app}@${uri.host}>` : text(args.from, 'from'),
        to: args.to === undefined ? `<${target}>` : text(args.to, 'to'),
        headers,
        ...(body !== undefined ? { body: { contentType: args.contentType === undefined ? 'text/plain' : text(args.contentType, 'contentType'), content: body } } : {}),
      },
      {},
    );
    return plain(await handle.final);
  }
}

function plain(response: Pick<ServiceResponse, 'status' | 'reason' | 'headers' | 'body'>): JsonValue {
  return {
    status: response.status,
    reason: response.reason,
    headers: response.headers.map((field) => ({ name: field.name, value: field.value })),
    ...(response.body ? { body: Buffer.isBuffer(response.body.content) ? response.body.content.toString('utf8') : String(response.body.content) } : {}),
  };
}
