/**
 * Conversions between the core's service interface (platform/services) and the plain-data wire
 * the SDK speaks inside the isolate (platform/sdk/protocol.ts).
 */
import type { BranchOutcome, ServiceCall, ServiceResponse } from '../../services/index.js';
import { formatUri } from '../../sip/index.js';
import type { WireHeaderSection, WireOutcome, WireRequest, WireResponse } from '../protocol.js';

/** Bodies over this size are not copied into the isolate (the app sees an empty body). */
const MAX_BODY_CHARS = 64 * 1024;

/** The fields as one CRLF-joined string (protocol.ts WireHeaderSection): one string crosses into
 *  the isolate much cheaper than a list of pairs. Values are unfolded single lines (the parser's
 *  and the app edits' checks keep line breaks out). */
export function headerSection(fields: ReadonlyArray<{ readonly name: string; readonly value: string }>): WireHeaderSection {
  let text = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    text += i === 0 ? `${field.name}: ${field.value}` : `\r\n${field.name}: ${field.value}`;
  }
  return text;
}

/** `uri`: the Request-URI an earlier app of the chain proxied the request to (app-chain.ts). */
export function toWireRequest(call: ServiceCall, uri?: string): WireRequest {
  const { request } = call;
  const body = request.body.length > MAX_BODY_CHARS ? '' : request.body.toString('utf8');
  return {
    method: request.method,
    uri: uri ?? formatUri(request.uri),
    headers: headerSection(request.headerFields),
    body,
    direction: call.direction,
    aor: call.aor,
    ...(call.authenticatedAs === undefined ? {} : { authenticatedAs: call.authenticatedAs }),
    source: { protocol: call.source.protocol, address: call.source.address, port: call.source.port },
  };
}

export function toWireResponse(response: ServiceResponse): WireResponse {
  const body = response.body === undefined || response.body.content.length > MAX_BODY_CHARS ? '' : response.body.content.toString('utf8');
  return {
    status: response.status,
    reason: response.reason,
    headers: headerSection(response.headers),
    body,
    ...(response.target === undefined ? {} : { target: response.target }),
    ...(response.locallyGenerated === undefined ? {} : { locallyGenerated: response.locallyGenerated }),
  };
}

export function toWireOutcome(outcome: BranchOutcome): { outcome: WireOutcome; response: WireResponse } {
  const reason = outcome.kind === 'success' ? 'OK' : outcome.reason;
  const wire: WireOutcome = {
    kind: outcome.kind,
    status: outcome.status,
    reason,
    timedOut: outcome.kind === 'noanswer' ? outcome.timedOut : false,
    contacts: outcome.kind === 'redirection' ? outcome.contacts.map((contact) => contact.uri) : [],
  };
  const response = outcome.response ? toWireResponse(outcome.response) : { status: outcome.status, reason, headers: '', body: '' };
  return { outcome: wire, response };
}
