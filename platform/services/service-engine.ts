/**
 * The one interface between the SIP core and a service engine (CPL, the app container,
 * SIP-CGI). The endpoint's services stage (and the ISC stage) offers each initial request to the
 * registered engines as one chain (platform/endpoint/service-chain.ts): a single-target proxy
 * hands the request on to the next engine; any other decision is carried out.
 *
 *   const engine: ServiceEngine = {
 *     name: 'cpl',
 *     async decide(call) {
 *       const script = scripts.get(call.target.aor);
 *       if (!script) return { kind: 'continue' };
 *       return run(script, call);          // → { kind: 'proxy', targets, onOutcome } …
 *     },
 *   };
 *
 * Engines never see transactions or sockets; they get the request to read and a host to ask.
 */
import type { SipRequest } from '../sip/index.js';
import type { Decision } from './decision.js';
import type { UserAgentService } from './user-agent.js';

/** Whose service runs: the caller's (originating, before routing) or the callee's (terminating,
 *  the Request-URI is one of our users). */
export type ServiceDirection = 'originating' | 'terminating';

export interface ServiceCall {
  /** The request as received. Read only: engines must not change it. */
  readonly request: SipRequest;
  readonly direction: ServiceDirection;
  /** The AOR (`user@domain`) whose service this is: the callee for terminating, the caller for
   *  originating. */
  readonly aor: string;
  /** The AOR the caller proved with digest authentication, if it did. */
  readonly authenticatedAs?: string;
  /** Where the request came from. */
  readonly source: { protocol: string; address: string; port: number };
  /** Where it arrived (our listening address and port; SIP-CGI SERVER_PORT, RFC 3050
   *  §5.5.1.19). Optional: engines fall back to their configured port. */
  readonly local?: { address: string; port: number };
  readonly host: ServiceHost;
}

/** A contact registered for an AOR (the location service's view). */
export interface RegisteredContact {
  uri: string;
  q: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type LookupResult =
  | { kind: 'found'; contacts: RegisteredContact[] }
  | { kind: 'no-bindings' }
  | { kind: 'unknown-user' }
  | { kind: 'not-ours' };

export interface RegistrationEvent {
  type: 'added' | 'refreshed' | 'removed' | 'expired';
  aor: string;
  contact: RegisteredContact;
}

/** What the core offers engines (the endpoint implements it). */
export interface ServiceHost {
  /** The location service: contacts registered for a URI of our domains (CPL `location`/`lookup`). */
  lookup(uri: string): Promise<LookupResult>;
  /** Whether a domain is served here. */
  isLocalDomain(domain: string): boolean;
  /** Registration events; returns the unsubscribe function. */
  onRegistration(listener: (event: RegistrationEvent) => void): () => void;
  /** Originate requests and hold dialogs (absent when the server runs without a UA core). */
  readonly userAgent?: UserAgentService;
}

export interface ServiceEngine {
  /** Shown in logs. */
  readonly name: string;
  /** Whether the engine wants to see `direction` requests at all (default both). */
  readonly directions?: readonly ServiceDirection[];
  /** Decide for one initial request. Throwing counts as a failure: the caller gets 500. */
  decide(call: ServiceCall): Decision | Promise<Decision>;
}
