/** What this endpoint serves, shared by the §8.2 checks and the OPTIONS answer. */
export interface EndpointCapabilities {
  /** Methods this server handles, in the order shown in `Allow`. */
  readonly allowedMethods: readonly string[];
  /** Option tags it supports (`Supported`, and the §8.2.2.3 Require check). */
  readonly supportedExtensions: readonly string[];
  /** Body types it accepts (`Accept`). */
  readonly acceptedContentTypes: readonly string[];
  /** URI schemes it serves in the Request-URI (§8.2.2.1, else 416). */
  readonly uriSchemes: readonly string[];
}

/** What a registrar + proxy serves as a UAS — requests addressed to itself (no user part):
 *  OPTIONS and REGISTER. Anything else sent to it gets 405 with this Allow list. Requests for
 *  users are proxied and never meet these checks (a proxy does not apply §8.2 to what it
 *  forwards). `path`: RFC 3327 Path is stored and used. */
export const serverCapabilities: EndpointCapabilities = {
  allowedMethods: ['OPTIONS', 'REGISTER', 'ACK', 'CANCEL'],
  supportedExtensions: ['path'],
  // application/cpl+xml: CPL scripts uploaded in a REGISTER body (draft-lennox-sip-reg-payload).
  acceptedContentTypes: ['application/sdp', 'application/cpl+xml'],
  uriSchemes: ['sip', 'sips'],
};
