/**
 * Where a request an app originates goes: a user of ours is reached at their best registered
 * contact (RFC 3261 §16.5 target set, highest q first), as the proxy would route a request to
 * them; any other URI is used as it is. Shared by `ctx.uac.request`, `ctx.uac.invite` and
 * `ctx.calls.connect`, with the plain-data form of the responses they get.
 */
import type { ServiceHost, ServiceResponse } from '../../services/index.js';

/** The host is known only once the SIP pipeline exists; the capabilities are bound before that. */
export interface ServiceHostRef {
  current?: ServiceHost;
}

export type ResolvedTarget = { kind: 'uri'; uri: string } | { kind: 'failed'; status: number; reason: string };

/** `uri` (whose host part is `domain`) as a Request-URI; 404 / 480 for a user of ours who is
 *  unknown / has no registered contact. */
export async function resolveTarget(host: ServiceHost, uri: string, domain: string): Promise<ResolvedTarget> {
  if (!host.isLocalDomain(domain)) return { kind: 'uri', uri };
  const found = await host.lookup(uri);
  if (found.kind === 'found' && found.contacts.length > 0) return { kind: 'uri', uri: [...found.contacts].sort((x, y) => y.q - x.q)[0]!.uri };
  return found.kind === 'unknown-user' ? { kind: 'failed', status: 404, reason: 'Not Found' } : { kind: 'failed', status: 480, reason: 'Temporarily Unavailable' };
}

/** A final response as the app sees it (`UacResponse`): plain data, the body as UTF-8 text. */
export function plainResponse(response: Pick<ServiceResponse, 'status' | 'reason' | 'headers' | 'body'>): {
  status: number;
  reason: string;
  headers: Array<{ name: string; value: string }>;
  body?: string;
} {
  return {
    status: response.status,
    reason: response.reason,
    headers: response.headers.map((field) => ({ name: field.name, value: field.value })),
    ...(response.body ? { body: Buffer.isBuffer(response.body.content) ? response.body.content.toString('utf8') : String(response.body.content) } : {}),
  };
}
