/**
 * The third-party REGISTER an S-CSCF sends to each Application Server whose iFC matches a
 * successful REGISTER (TS 24.229 §5.4.1.7, "Notification of Application Servers about
 * registration status"; isc.md §9). Pure: the endpoint sends what this builds.
 *
 *  - Request-URI = the AS's ServerName; From = the S-CSCF's URI; To = the public user identity;
 *    Contact = the S-CSCF's URI; Expires = the expiry granted to the UE (0: de-registration).
 *  - Body, per the iFC (29.228 Annex B tApplicationServer): ServiceInfo as
 *    `application/3gpp-ims+xml` `<ims-3gpp version="1"><service-info>…` (24.229 §7.6 — not
 *    Kamailio's raw text, isc.md §12 #13); Extension/IncludeRegisterRequest → the UE's REGISTER
 *    as `message/sip`; IncludeRegisterResponse → our 200 OK as `message/sip`; more than one →
 *    `multipart/mixed` (RFC 2046 §5.1). 24.229 §5.4.1.7 item g limits the HSS-provided body to
 *    initial and user-initiated re-registration: a de-registration carries none.
 */
import { generateCallId, type HeaderField, type SipRequest, type SipResponse } from '../../sip/index.js';
import { RegistrationType, type ApplicationServer, type RegistrationType as RegistrationTypeValue } from '../ifc-model.js';

export interface RegisterBody {
  contentType: string;
  content: Buffer;
}

export interface ThirdPartyRegisterInput {
  server: ApplicationServer;
  /** The S-CSCF's own URI (From and Contact). */
  scscfUri: string;
  /** The registered public user identity (`sip:alice@example.com`). */
  servedUser: string;
  /** Granted expiry in seconds; 0 for de-registration. */
  expires: number;
  registrationType: RegistrationTypeValue;
  /** The UE's REGISTER (absent for a network-side de-registration: expiry). */
  register?: SipRequest;
  /** Our final response to it. */
  response?: SipResponse;
  /** RFC 3261 §10.2: one Call-ID per registration with increasing CSeq; default a fresh one. */
  callId?: string;
  cseq?: number;
}

/** What UserAgentCore.sendRequest needs (the shape of UacRequestSpec, kept local: pure layer). */
export interface ThirdPartyRegisterSpec {
  method: 'REGISTER';
  uri: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  headers: HeaderField[];
  body?: { contentType: string; content: Buffer };
}

/** Header fields of the UE's REGISTER not repeated to the AS: its credentials were for us. */
const NOT_INCLUDED = new Set(['authorization', 'proxy-authorization']);

export function thirdPartyRegisterSpec(input: ThirdPartyRegisterInput): ThirdPartyRegisterSpec {
  const headers: HeaderField[] = [
    { name: 'Contact', value: `<${input.scscfUri}>` },
    { name: 'Expires', value: String(Math.max(0, Math.floor(input.expires))) },
  ];
  // The UE's charging correlation goes along (24.229 §5.4.1.7 item e).
  for (const name of ['P-Charging-Vector', 'P-Charging-Function-Addresses', 'P-Visited-Network-ID', 'P-Access-Network-Info']) {
    for (const value of input.register?.getHeaders(name) ?? []) headers.push({ name, value });
  }
  const body = input.registrationType === RegistrationType.DE_REGISTRATION ? undefined : thirdPartyRegisterBody(input.server, input.register, input.response);
  return {
    method: 'REGISTER',
    uri: input.server.serverName,
    from: `<${input.scscfUri}>`,
    to: `<${input.servedUser}>`,
    callId: input.callId ?? generateCallId(),
    cseq: input.cseq ?? 1,
    headers,
    ...(body ? { body } : {}),
  };
}

/** The body the iFC asks for, or undefined when it asks for none. */
export function thirdPartyRegisterBody(server: ApplicationServer, register?: SipRequest, response?: SipResponse): RegisterBody | undefined {
  const parts: RegisterBody[] = [];
  if (server.serviceInfo !== undefined) parts.push({ contentType: 'application/3gpp-ims+xml', content: Buffer.from(imsServiceInfoXml(server.serviceInfo), 'utf8') });
  if (server.includeRegisterRequest && register) parts.push({ contentType: 'message/sip', content: withoutCredentials(register).toBuffer() });
  if (server.includeRegisterResponse && response) parts.push({ contentType: 'message/sip', content: response.toBuffer() });
  if (parts.length <= 1) return parts[0];
  return multipartMixed(parts);
}

/** 24.229 §7.6: the IM CN subsystem XML body carrying the iFC's ServiceInfo (text, escaped). */
export function imsServiceInfoXml(serviceInfo: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ims-3gpp version="1"><service-info>${escapeXml(serviceInfo)}</service-info></ims-3gpp>\n`;
}

/** RFC 2046 §5.1.1: a boundary that occurs in none of the parts. */
export function multipartMixed(parts: readonly RegisterBody[], boundary = `sb-${generateCallId().replace(/[^A-Za-z0-9]/gu, '')}`): RegisterBody {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n\r\n`, 'utf8'), part.content, Buffer.from('\r\n', 'utf8'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { contentType: `multipart/mixed;boundary=${boundary}`, content: Buffer.concat(chunks) };
}

function withoutCredentials(register: SipRequest): SipRequest {
  if (!register.headerFields.some((field) => NOT_INCLUDED.has(field.name.toLowerCase()))) return register;
  const copy = register.clone();
  for (const name of NOT_INCLUDED) copy.removeHeader(name);
  return copy;
}

function escapeXml(text: string): string {
  return text.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
}
