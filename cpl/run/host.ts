/**
 * The interface between the CPL engine and whoever runs calls (the SIP core later, the
 * simulator now). Facts about the call go in; the engine answers with either an action the host
 * must perform and report back (proxy, lookup), or a final decision. Non-signalling effects
 * (mail, log, extension nodes) go out through fire-and-forget sinks that must never block.
 *
 * Nothing here depends on the SIP message layer: addresses and headers are plain strings.
 */
import type { ProxyOrdering } from '../compile/compiled-script.js';

/** An address as the host knows it: a From/To header value, or already split. */
export type CplAddressInput = string | { readonly uri: string; readonly display?: string | null };

/** Header values by name (case-insensitive; repeated headers as arrays or comma lists). */
export type CplHeaders = Readonly<Record<string, string | readonly string[]>>;

export interface CplCallFacts {
  /** Which top-level action runs (RFC 3880 §2.1): the owner is the callee (incoming) or the caller (outgoing). */
  readonly direction: 'incoming' | 'outgoing';
  /** Request method; CPL runs for call set-up (INVITE) only, see CplRunOptions.methods. */
  readonly method?: string;
  /** Request-URI: the `destination` field (§4.1.1) and the initial outgoing location set (§2.3). */
  readonly requestUri: string;
  /** From: the `origin` field. */
  readonly from: CplAddressInput;
  /** To: the `original-destination` field. */
  readonly to: CplAddressInput;
  /**
   * Other headers: Subject (or compact `s`), Organization, User-Agent (string-switch §4.2),
   * Accept-Language (§4.3), Priority (§4.5).
   */
  readonly headers?: CplHeaders;
  /** When the INVITE arrived (ms since epoch); used by time-switch only with timeReference "arrival". */
  readonly arrivalTime?: number;
}

/** A location of the location set (§2.3): a URL with a priority from 0.0 to 1.0. */
export interface CplLocation {
  readonly uri: string;
  readonly priority: number;
}

export interface CplProxyAction {
  readonly kind: 'proxy';
  readonly nodeId: number;
  readonly line: number;
  /** Targets, highest priority first (stable for equal priorities). */
  readonly locations: readonly CplLocation[];
  readonly ordering: ProxyOrdering;
  /**
   * Seconds to wait for the call to be answered (per branch when sequential, cpl.md open point
   * 13), or null: ring as long as server policy allows.
   */
  readonly timeoutSeconds: number | null;
  /** Follow 3xx responses automatically (§6.1 recurse). */
  readonly recurse: boolean;
}

export interface CplLookupAction {
  readonly kind: 'lookup';
  readonly nodeId: number;
  readonly line: number;
  /** "registration" (the registrar's bindings) or an allowed URI. */
  readonly source: string;
  /** Give up after this many seconds and report failure (§5.2). */
  readonly timeoutSeconds: number;
}

export type CplHostAction = CplProxyAction | CplLookupAction;

export interface CplContact {
  readonly uri: string;
  /** q-value, 0.0 to 1.0. */
  readonly q?: number;
}

/** The outcome of a proxy action: the best final response (RFC 3261 §16.7), or none. */
export type CplProxyOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly reason?: string; readonly contacts?: readonly CplContact[] }
  /** No final response before the timeout (the host CANCELled the branches). */
  | { readonly kind: 'noanswer' }
  /** The host could not try any of the locations. */
  | { readonly kind: 'unreachable'; readonly reason?: string };

export type CplLookupOutcome =
  | { readonly kind: 'found'; readonly locations: readonly CplContact[] }
  | { readonly kind: 'notfound' }
  | { readonly kind: 'failure'; readonly reason?: string };

export type CplOutcome = CplProxyOutcome | CplLookupOutcome;

export interface CplResponse {
  readonly status: number;
  readonly reason: string;
  readonly contacts?: readonly CplContact[];
}

/**
 * The end of a run. `proceed`, `redirect` and `reject` come from the script; the others are the
 * default behaviours of RFC 3880 §10, which the host carries out with its normal policy.
 */
export type CplDecision =
  /** A proxy got a 2xx: the call is being set up (§6.1.1 "CPL execution terminates"). */
  | { readonly kind: 'proceed'; readonly response: CplResponse }
  /** `redirect` (§6.2): 301 when permanent, else 302, with the location set as contacts. */
  | { readonly kind: 'redirect'; readonly status: 301 | 302; readonly reason: string; readonly contacts: readonly CplContact[] }
  /** `reject` (§6.3), or the §10 "notfound" rejection (byDefault). */
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string; readonly byDefault: boolean }
  /** §10: nothing was changed: handle the call as if there were no script. */
  | { readonly kind: 'server-default' }
  /** §10 (outgoing, unchanged non-empty set): proxy to the location set. */
  | { readonly kind: 'proxy-locations'; readonly locations: readonly CplLocation[] }
  /** §10 after location modifications: proxy or redirect (server policy) to the location set. */
  | { readonly kind: 'proxy-or-redirect'; readonly locations: readonly CplLocation[] }
  /** §10 after a proxy: return the best response of all those received. */
  | { readonly kind: 'best-response'; readonly response: CplResponse }
  /** A run limit was hit; the host should handle the call as if there were no script. */
  | { readonly kind: 'aborted'; readonly reason: string };

export type CplStep = { readonly kind: 'action'; readonly action: CplHostAction } | { readonly kind: 'decision'; readonly decision: CplDecision };

export interface CplMailRequest {
  readonly nodeId: number;
  readonly to: readonly string[];
  /** §7.1.1: the URL's subject, else "[CPL] " + the call's Subject, else a generated one. */
  readonly subject: string;
  readonly body: string;
  /** The caller, for Reply-To (§7.1.1: "an e-mail-ized origin"). */
  readonly replyTo: string | null;
  readonly url: string;
}

export interface CplLogRequest {
  readonly nodeId: number;
  /** null: the owner's standard log (§7.2). Never a file name. */
  readonly name: string | null;
  readonly comment: string | null;
  readonly origin: string;
  readonly destination: string;
  readonly time: number;
}

export interface CplExtensionRequest {
  readonly nodeId: number;
  readonly namespace: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Non-blocking sinks; exceptions are caught (§7.2: log "SHOULD NOT ever ... fail"). */
export interface CplEffectSink {
  mail?(request: CplMailRequest): void;
  log?(request: CplLogRequest): void;
  extension?(request: CplExtensionRequest): void;
}
