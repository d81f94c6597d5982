/**
 * Public entry of the SIP message layer (contract: .notes/sip-api.md). Pure: no I/O, no timers,
 * no logging. Everything other layers use is exported from here.
 */
export type * from './types.js';
export { SipMessage, SipParseException } from './message.js';
export { SipRequest } from './sip-request.js';
export { SipResponse } from './sip-response.js';
export { parseMessage, STANDARD_METHODS, type ParseResult } from './parse-message.js';
export { StreamFramer, findContentLength, type FrameEvent, type StreamFramerOptions } from './framing.js';
export { parseUri, formatUri, decodeUser, cloneUri } from './uri.js';
export { parseNameAddr, formatNameAddr, tagOf, paramText } from './name-addr.js';
export { parseVia, formatVia, cloneVia, branchOf, MAGIC_COOKIE } from './via.js';
export { createParams, cloneParams } from './params.js';
export { createResponse, createRequest, type ResponseOptions, type RequestInit } from './build.js';
export { reasonPhrase } from './status-codes.js';
export { generateBranch, generateTag, generateCallId } from './ids.js';
export { decodePercent, encodePercent, quote, unquote } from './escape.js';
export { canonicalName, SINGLETON_HEADERS } from './header-names.js';
export { isIPv4, isIPv6 } from './host.js';
export { PARSE_ERROR_STATUS, type ParseErrorCode } from './parse-errors.js';
export {
  checkRequest,
  checkResponse,
  verdictForParseErrors,
  checkSyntax,
  checkMethod,
  checkUriScheme,
  checkRegisterTo,
  checkRequire,
  checkContent,
  checkAccept,
  checkMaxForwards,
  type ElementRole,
  type RequestCheckOptions,
  type RequestVerdict,
  type ResponseCheckOptions,
  type ResponseVerdict,
} from './request-checks.js';
