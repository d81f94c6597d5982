/**
 * The request and response objects handlers receive. Actions (`reply`, `proxy`, `redirect`,
 * `pass`) are recorded in the session's current event scope and carried out by the host as a
 * platform/services Decision once the event ends; `proxy()` and `b2bua()` resolve in the later
 * event that brings the attempt's outcome.
 */
import type { EventScope } from './event-scope.js';
import { HeaderList, headerPairs, parseParty } from './headers.js';
import type { WireAction, WireEdits, WireOutcome, WireRequest, WireResponse, WireTarget } from './protocol.js';
import type { B2buaOptions, B2buaResult, HeaderInit, OutcomeKind, Party, ProxyOptions, SipHeaders, SipRequest, SipResponse, Target } from './types.js';

/** Header fields of leg B the server writes itself (RFC 3261 §8.1.1, §12.1.2); besides the
 *  system headers, Contact and Content-Type are the UA core's on a B2BUA leg. */
const LEG_B_OWNED = new Set(['contact', 'content-type']);
const SIP_URI = /^(sips?|tel):\S+$/i;

/** What a request needs from the SDK runtime. */
export interface RequestHost {
  scope(sessionId: string): EventScope;
  /** Parks the handler until the proxy attempt's outcome arrives in a later event. */
  awaitOutcome(callRef: string, resolve: (response: SipResponse) => void): void;
  /** Parks the handler until the B2BUA attempt's outcome arrives in a later event. */
  awaitB2bua(callRef: string, resolve: (result: B2buaResult) => void): void;
  /** The app has branch/provisional handlers (so the proxy is supervised). */
  readonly supervised: boolean;
}

/**
 * The promise `req.proxy()` returns. It notes whether anyone waits for it (`await`, `then`,
 * `Promise.all` … all call `then`), so that a success nobody waits for need not be delivered
 * (WireAction `quietSuccess`). Derived promises are plain ones.
 */
export class OutcomePromise<T> extends Promise<T> {
  observed = false;

  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.observed = true;
    return super.then(onFulfilled, onRejected);
  }

  /** A plain promise that settles with this one, without counting as waiting for it. */
  quietly(): Promise<T> {
    return new Promise<T>((resolve, reject) => Promise.prototype.then.call(this, resolve, reject));
  }
}

export class RequestImpl implements SipRequest {
  readonly method: string;
  readonly headers: SipHeaders;
  readonly direction: 'originating' | 'terminating';
  readonly aor: string;
  readonly authenticatedAs: string | undefined;
  readonly source: { readonly protocol: string; readonly address: string; readonly port: number };
  readonly isInitial = true;
  readonly #list: HeaderList;
  readonly #originalUri: string;
  #uri: string;
  #body: string;
  #newBody: { contentType: string; content: string } | undefined;
  // Parsed on first use (the header list too): a proxying app that never reads them pays nothing
  // (crossing cost, issue 5).
  #from: Party | undefined;
  #to: Party | undefined;
  #callId: string | undefined;
  /** The promise of the latest `proxy()` (quiet-success detection, define-app.ts). */
  lastProxy: OutcomePromise<SipResponse> | undefined;

  constructor(
    wire: WireRequest,
    private readonly callRef: string,
    private readonly sessionId: string,
    private readonly host: RequestHost,
  ) {
    this.method = wire.method;
    this.#list = new HeaderList(wire.headers, true);
    this.headers = this.#list;
    this.direction = wire.direction;
    this.aor = wire.aor;
    this.authenticatedAs = wire.authenticatedAs;
    this.source = Object.freeze({ ...wire.source });
    this.#originalUri = wire.uri;
    this.#uri = wire.uri;
    this.#body = wire.body;
  }

  get uri(): string {
    return this.#uri;
  }

  /** Read from the headers on first use, like `from`/`to` (RFC 3261 §7.3.3 compact form `i`). */
  get callId(): string {
    return (this.#callId ??= this.#list.get('call-id') ?? this.#list.get('i') ?? '');
  }

  get from(): Party {
    return (this.#from ??= Object.freeze(parseParty(this.#list.get('from') ?? this.#list.get('f'))));
  }

  get to(): Party {
    return (this.#to ??= Object.freeze(parseParty(this.#list.get('to') ?? this.#list.get('t'))));
  }

  set uri(value: string) {
    if (!/^(sips?|tel):\S+$/i.test(value)) throw new TypeError(`"${value}" is not a SIP or tel URI`);
    this.#uri = value;
  }

  get body(): string {
    return this.#body;
  }

  get committed(): boolean {
    return this.host.scope(this.sessionId).action !== undefined;
  }

  setBody(content: string, contentType: string): void {
    this.#body = String(content);
    this.#newBody = { contentType: String(contentType), content: this.#body };
  }

  reply(status: number, reason?: string, headers?: HeaderInit, body?: string | { contentType: string; content: string }): void {
    if (!Number.isInteger(status) || status < 200 || status > 699) throw new RangeError(`reply status must be a final status 200–699, got ${status}`);
    const action: WireAction = { kind: 'reply', status, headers: headerPairs(headers) };
    if (reason !== undefined) action.reason = String(reason).replace(/[\r\n]/g, ' ');
    if (body !== undefined) action.body = typeof body === 'string' ? { contentType: 'text/plain', content: body } : { contentType: body.contentType, content: body.content };
    this.host.scope(this.sessionId).setAction(action);
  }

  proxy(targets?: Target | readonly Target[], options: ProxyOptions = {}): Promise<SipResponse> {
    const scope = this.host.scope(this.sessionId);
    const list = targets === undefined ? [{ uri: this.#uri }] : toTargets(targets);
    if (list.length === 0) throw new RangeError('proxy() needs at least one target');
    const action: WireAction = { kind: 'proxy', targets: list, supervised: this.host.supervised };
    if (options.mode !== undefined) action.forking = options.mode;
    if (options.recordRoute !== undefined) action.recordRoute = options.recordRoute;
    if (options.recurse !== undefined) action.recurse = options.recurse;
    if (options.timeout !== undefined) {
      if (!(options.timeout > 0)) throw new RangeError('proxy timeout must be a positive number of seconds');
      action.timeoutMs = Math.round(options.timeout * 1000);
    }
    const edits = this.#edits();
    if (edits !== undefined) action.edits = edits;
    scope.setAction(action);
    const outcome = new OutcomePromise<SipResponse>((resolve) => {
      this.host.awaitOutcome(this.callRef, resolve);
      scope.suspend();
    });
    this.lastProxy = outcome;
    return outcome;
  }

  b2bua(target: string, options: B2buaOptions = {}): Promise<B2buaResult> {
    const scope = this.host.scope(this.sessionId);
    if (this.method.toUpperCase() !== 'INVITE') throw new Error(`b2bua() bridges INVITE requests only, not ${this.method}`);
    if (typeof target !== 'string' || !SIP_URI.test(target)) throw new TypeError(`"${String(target)}" is not a SIP or tel URI`);
    const headers = headerPairs(options.headers);
    const owned = headers.find(([name]) => LEG_B_OWNED.has(name.toLowerCase()));
    if (owned !== undefined) throw new Error(`${owned[0]} is written by the server on leg B`);
    const action: WireAction = { kind: 'b2bua', target, headers };
    for (const part of ['from', 'to'] as const) {
      const value = options[part];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value === '' || /[\r\n]/.test(value)) throw new TypeError(`b2bua ${part} must be one line of text (a URI or name-addr)`);
      action[part] = value;
    }
    if (options.timeout !== undefined) {
      if (!(options.timeout > 0 && options.timeout <= 600)) throw new RangeError('b2bua timeout must be between 0 and 600 seconds');
      action.timeoutMs = Math.round(options.timeout * 1000);
    }
    scope.setAction(action);
    return new Promise<B2buaResult>((resolve) => {
      this.host.awaitB2bua(this.callRef, resolve);
      scope.suspend();
    });
  }

  redirect(contacts: Target | readonly Target[], options: { permanent?: boolean } = {}): void {
    const list = toTargets(contacts);
    if (list.length === 0) throw new RangeError('redirect() needs at least one contact');
    this.host.scope(this.sessionId).setAction({ kind: 'redirect', contacts: list, permanent: options.permanent === true });
  }

  pass(): void {
    this.host.scope(this.sessionId).setAction({ kind: 'pass' });
  }

  #edits(): WireEdits | undefined {
    const headers = this.#list.changedFields();
    const remove = [...this.#list.removed];
    const uriChanged = this.#uri !== this.#originalUri;
    if (headers.length === 0 && remove.length === 0 && this.#newBody === undefined && !uriChanged) return undefined;
    return { headers, remove, ...(this.#newBody === undefined ? {} : { body: this.#newBody }), ...(uriChanged ? { uri: this.#uri } : {}) };
  }
}

export class ResponseImpl implements SipResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: HeaderList;
  readonly body: string;
  readonly outcome: OutcomeKind | undefined;
  readonly timedOut: boolean;
  readonly contacts: readonly string[];
  readonly target: string | undefined;

  constructor(
    wire: WireResponse,
    outcome: WireOutcome | undefined,
    readonly request: SipRequest,
  ) {
    this.status = wire.status;
    this.reason = wire.reason;
    this.headers = new HeaderList(wire.headers, false);
    this.body = wire.body;
    this.outcome = outcome?.kind ?? (wire.status >= 200 ? classify(wire.status) : undefined);
    this.timedOut = outcome?.timedOut ?? false;
    this.contacts = Object.freeze([...(outcome?.contacts ?? [])]);
    this.target = wire.target;
  }
}

function toTargets(targets: Target | readonly Target[]): WireTarget[] {
  const list: readonly Target[] = typeof targets === 'string' || !Array.isArray(targets) ? [targets as Target] : (targets as readonly Target[]);
  return list.map((target) => {
    const uri = typeof target === 'string' ? target : target.uri;
    if (typeof uri !== 'string' || !/^(sips?|tel):\S+$/i.test(uri)) throw new TypeError(`"${String(uri)}" is not a SIP or tel URI`);
    const q = typeof target === 'string' ? undefined : target.q;
    if (q !== undefined && !(q >= 0 && q <= 1)) throw new RangeError(`q must be between 0 and 1, got ${q}`);
    return q === undefined ? { uri } : { uri, q };
  });
}

/** RFC 3880 §6.1 classes, as platform/services classifyOutcome. */
function classify(status: number): OutcomeKind {
  if (status < 300) return 'success';
  if (status === 408 || status === 480) return 'noanswer';
  if (status === 486 || status === 600) return 'busy';
  if (status < 400) return 'redirection';
  return 'failure';
}
