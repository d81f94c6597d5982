/**
 * What trigger points read from one request, computed at most once per evaluation: the
 * Request-URI string RequestURI SPTs match, header values, the SDP lines, whether a REGISTER
 * de-registers.
 */
import { formatUri, type SipRequest, type Uri } from '../sip/index.js';
import { sdpLinesOf, type SdpLine } from './sdp-lines.js';

/**
 * Which part of the Request-URI a RequestURI SPT's regular expression is matched against.
 * - `hostport` (default): TS 29.228 Annex F Table F.1 as Clearwater reads it — the hostport of a
 *   SIP/SIPS URI, the telephone-subscriber (number) of a tel URI, everything after the scheme
 *   for other URIs.
 * - `uri`: the whole Request-URI as written (`sip:bob@example.com;user=phone`), as Kamailio does.
 */
export type RequestUriTarget = 'hostport' | 'uri';

export class RequestView {
  readonly request: SipRequest;
  readonly #target: RequestUriTarget;
  #requestUriText: string | undefined;
  #sdp: SdpLine[] | undefined;
  #deregistration: boolean | undefined;
  /** Header values by the name an SPT uses: several iFCs often test the same header. */
  #headers: Map<string, string[]> | undefined;

  constructor(request: SipRequest, target: RequestUriTarget) {
    this.request = request;
    this.#target = target;
  }

  get requestUriText(): string {
    this.#requestUriText ??= requestUriText(this.request.uri, this.#target);
    return this.#requestUriText;
  }

  /** All values of a header (names case-insensitive, compact forms understood; comma lists split). */
  headerValues(name: string): string[] {
    this.#headers ??= new Map();
    let values = this.#headers.get(name);
    if (values === undefined) {
      values = this.request.getHeaders(name);
      this.#headers.set(name, values);
    }
    return values;
  }

  get sdpLines(): SdpLine[] {
    this.#sdp ??= sdpLinesOf(this.request);
    return this.#sdp;
  }

  /** A REGISTER whose every binding asks for expiry 0 (RFC 3261 §10.2.2), or `Contact: *`. */
  get isDeregistration(): boolean {
    this.#deregistration ??= isDeregistration(this.request);
    return this.#deregistration;
  }
}

export function requestUriText(uri: Uri, target: RequestUriTarget): string {
  if (target === 'uri') return formatUri(uri);
  switch (uri.kind) {
    case 'sip': {
      const host = uri.hostIsIPv6 ? `[${uri.host}]` : uri.host;
      return uri.port === undefined ? host : `${host}:${uri.port}`;
    }
    case 'tel':
      return uri.number;
    case 'absolute':
      return uri.opaque;
  }
}

function isDeregistration(request: SipRequest): boolean {
  if (request.method !== 'REGISTER') return false;
  const expiresHeader = request.getHeader('expires');
  const headerExpires = expiresHeader === undefined ? undefined : Number(expiresHeader.trim());
  let contacts;
  try {
    contacts = request.contacts;
  } catch {
    return headerExpires === 0;
  }
  if (contacts === '*') return true;
  if (contacts.length === 0) return false; // a query for the bindings (§10.2.3)
  return contacts.every((contact) => {
    const param = contact.params.get('expires');
    const expires = typeof param === 'string' ? Number(param) : headerExpires;
    return expires === 0;
  });
}
