/**
 * A small in-process user agent built on the SIP core (transport + transactions) for
 * integration tests of the registrar and proxy: it registers (answering digest challenges),
 * places calls through an outbound proxy (INVITE, ACK along the route set, BYE, CANCEL), and
 * answers calls with a scripted sequence of responses. It records what it sees.
 */
import { answerDigestChallenge } from '../../platform/auth/digest-response.js';
import { formatDigestCredentials, parseDigestChallenge } from '../../platform/auth/digest-header.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  createParams,
  createRequest,
  createResponse,
  formatUri,
  generateBranch,
  generateCallId,
  generateTag,
  type HeaderField,
  type SipRequest,
  type SipResponse,
  type Via,
} from '../../platform/sip/index.js';
import { createCancel } from '../../platform/transaction/create-cancel.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../../platform/transaction/non-invite-server-transaction.js';
import { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import type { ClientTransactionUser, ServerTransaction, TransactionUser } from '../../platform/transaction/transaction-user.js';
import { TransportLayer } from '../../platform/transport/transport-layer.js';
import type { Destination, Flow, TransportProtocol } from '../../platform/transport/types.js';
import { freePort } from './ports.js';

/** One step of a UAS script: send `status` after `delayMs` (from the previous step). */
export interface AnswerStep {
  status: number;
  delayMs?: number;
}

export interface TestUaOptions {
  name: string;
  /** The proxy every request goes to (an outbound proxy). */
  proxy: { host: string; port: number };
  protocol?: TransportProtocol;
  domain: string;
  password?: string;
  /** How incoming INVITEs are answered (default 180, then 200). */
  answer?: AnswerStep[];
}

interface Received {
  method: string;
  request: SipRequest;
}

export class TestUa implements TransactionUser {
  readonly name: string;
  readonly protocol: TransportProtocol;
  readonly received: Received[] = [];
  answer: AnswerStep[];
  port = 0;
  readonly #options: TestUaOptions;
  #transport: TransportLayer | undefined;
  #transactions: TransactionLayer | undefined;
  #registerCallId = generateCallId('ua.test');
  #registerCseq = 0;
  readonly #pending = new Map<string, InviteServerTransaction>();

  constructor(options: TestUaOptions) {
    this.#options = options;
    this.name = options.name;
    this.protocol = options.protocol ?? 'udp';
    this.answer = options.answer ?? [{ status: 180 }, { status: 200 }];
  }

  get aor(): string {
    return `sip:${this.name}@${this.#options.domain}`;
  }

  get contact(): string {
    const transport = this.protocol === 'udp' ? '' : `;transport=${this.protocol}`;
    return `sip:${this.name}@127.0.0.1:${this.port}${transport}`;
  }

  get transactions(): TransactionLayer {
    if (!this.#transactions) throw new Error('UA not started');
    return this.#transactions;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    this.#transport = new TransportLayer({
      listen: [
        { protocol: 'udp', host: '127.0.0.1', port: this.port },
        { protocol: 'tcp', host: '127.0.0.1', port: this.port },
      ],
      logger: silentLogger,
    });
    this.#transactions = new TransactionLayer({ sender: this.#transport, logger: silentLogger, user: this });
    this.#transport.onMessage(this.#transactions.handleInbound);
    await this.#transport.start();
    return this;
  }

  async stop(): Promise<void> {
    await this.#transport?.stop();
    this.#transactions?.close();
  }

  methods(): string[] {
    return this.received.map((entry) => entry.method);
  }

  // ---- requests this UA sends ---------------------------------------------------------------

  /** REGISTER this UA's contact (answering a 401 once). */
  async register(options: { expires?: number; q?: number; password?: string; contact?: string; extra?: HeaderField[]; body?: { contentType: string; content: string } } = {}): Promise<SipResponse> {
    const contactParams = options.q !== undefined ? `;q=${options.q}` : '';
    const build = (): SipRequest =>
      this.#request('REGISTER', `sip:${this.#options.domain}`, {
        callId: this.#registerCallId,
        cseq: ++this.#registerCseq,
        to: `<${this.aor}>`,
        extra: [
          { name: 'Contact', value: `<${options.contact ?? this.contact}>${contactParams}` },
          { name: 'Expires', value: String(options.expires ?? 600) },
          ...(options.extra ?? []),
        ],
        ...(options.body ? { body: options.body } : {}),
      });
    return this.#sendWithAuth(build, options.password ?? this.#options.password);
  }

  /** Send a request and, on 401/407, once more with credentials. */
  async #sendWithAuth(build: () => SipRequest, password: string | undefined): Promise<SipResponse> {
    const first = build();
    const response = await this.sendNonInvite(first);
    if ((response.status !== 401 && response.status !== 407) || password === undefined) return response;
    const retry = build();
    this.#authorize(retry, response, password);
    return this.sendNonInvite(retry);
  }

  #authorize(request: SipRequest, challenge: SipResponse, password: string): void {
    const proxy = challenge.status === 407;
    const header = challenge.getHeaders(proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate')[0];
    if (header === undefined) throw new Error('challenge without a header');
    const parsed = parseDigestChallenge(header);
    if (parsed.kind !== 'digest') throw new Error(`bad challenge ${header}`);
    const credentials = answerDigestChallenge({ challenge: parsed.value, username: this.name, password, method: request.method, uri: formatUri(request.uri) });
    request.addHeader(proxy ? 'Proxy-Authorization' : 'Authorization', formatDigestCredentials(credentials));
  }

  /** A non-INVITE request in a client transaction; resolves with the final response. */
  sendNonInvite(request: SipRequest): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      this.transactions.sendRequest(request, this.#proxyDestination(), {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: () => reject(new Error(`${request.method} timed out`)),
        onTransportError: (error) => reject(error),
      });
    });
  }

  /** Call `target` through the proxy. Authenticates a 407 when a password is set. */
  call(target: string, options: { password?: string; extra?: HeaderField[] } = {}): Call {
    return new Call(this, target, options.password ?? this.#options.password, options.extra ?? []);
  }

  /** Internal for Call: build a request from this UA. */
  buildRequest(method: string, uri: string, init: { callId: string; cseq: number; to: string; fromTag?: string; extra?: HeaderField[] }): SipRequest {
    return this.#request(method, uri, init);
  }

  authorize(request: SipRequest, challenge: SipResponse, password: string): void {
    this.#authorize(request, challenge, password);
  }

  proxyDestination(): Destination {
    return this.#proxyDestination();
  }

  #request(method: string, uri: string, init: { callId: string; cseq: number; to: string; fromTag?: string; extra?: HeaderField[]; body?: { contentType: string; content: string } }): SipRequest {
    const via: Via = {
      protocol: 'SIP/2.0',
      transport: this.protocol.toUpperCase(),
      host: '127.0.0.1',
      hostIsIPv6: false,
      port: this.port,
      params: createParams([
        ['branch', generateBranch()],
        ['rport', null],
      ]),
    };
    const request = createRequest({
      method,
      uri,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        { name: 'From', value: `<${this.aor}>;tag=${init.fromTag ?? generateTag()}` },
        { name: 'To', value: init.to },
        { name: 'Call-ID', value: init.callId },
        { name: 'CSeq', value: `${init.cseq} ${method}` },
        ...(method === 'INVITE' ? [{ name: 'Contact', value: `<${this.contact}>` }] : []),
        ...(init.extra ?? []),
        ...(init.body ? [{ name: 'Content-Type', value: init.body.contentType }] : []),
      ],
      ...(init.body ? { body: init.body.content } : {}),
    });
    request.pushVia(via);
    return request;
  }

  #proxyDestination(): Destination {
    return { protocol: this.protocol, address: this.#options.proxy.host, port: this.#options.proxy.port };
  }

  // ---- requests this UA receives -------------------------------------------------------------

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.received.push({ method: request.method, request });
    if (request.method === 'INVITE') return this.#answerInvite(request, transaction as InviteServerTransaction);
    transaction.respond(createResponse(request, 200, 'OK', { toTag: request.to.params.get('tag') ? undefined : generateTag() }));
  }

  #answerInvite(request: SipRequest, transaction: InviteServerTransaction): void {
    const toTag = generateTag();
    this.#pending.set(request.callId, transaction);
    let delay = 0;
    for (const step of this.answer) {
      delay += step.delayMs ?? 0;
      setTimeout(() => {
        if (transaction.finalResponse !== undefined || transaction.terminated) return;
        const headers: HeaderField[] = [{ name: 'Contact', value: `<${this.contact}>` }];
        // A UAS copies Record-Route into responses that establish a dialog (§12.1.1).
        for (const value of request.getHeaders('Record-Route')) headers.push({ name: 'Record-Route', value });
        transaction.respond(createResponse(request, step.status, undefined, { toTag, headers }));
      }, delay);
    }
  }

  onAck2xx(ack: SipRequest, _flow: Flow): void {
    this.received.push({ method: 'ACK', request: ack });
  }

  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.received.push({ method: 'CANCEL', request: cancel });
    if (!invite) {
      cancelTransaction.respond(createResponse(cancel, 481, undefined, { toTag: generateTag() }));
      return;
    }
    cancelTransaction.respond(createResponse(cancel, 200));
    if (invite.finalResponse === undefined) invite.respond(createResponse(invite.request, 487, undefined, { toTag: generateTag() }));
  }

  onStrayResponse(): void {
    // dropped (RFC 6026 §7.2)
  }
}

/** One outgoing call: INVITE through the proxy; ACK, BYE and CANCEL along the dialog's route. */
export class Call {
  readonly responses: SipResponse[] = [];
  readonly final: Promise<SipResponse>;
  readonly callId = generateCallId('ua.test');
  readonly fromTag = generateTag();
  #cseq = 1;
  #invite: SipRequest;
  #resolveFinal!: (response: SipResponse) => void;
  #ok: SipResponse | undefined;

  constructor(
    private readonly ua: TestUa,
    private readonly target: string,
    private readonly password: string | undefined,
    private readonly extra: HeaderField[],
  ) {
    this.final = new Promise((resolve) => (this.#resolveFinal = resolve));
    this.#invite = this.#buildInvite();
    this.#send(this.#invite, true);
  }

  /** The INVITE as last sent. */
  get invite(): SipRequest {
    return this.#invite;
  }

  statuses(): number[] {
    return this.responses.map((response) => response.status);
  }

  #buildInvite(): SipRequest {
    return this.ua.buildRequest('INVITE', this.target, { callId: this.callId, cseq: this.#cseq, to: `<${this.target}>`, fromTag: this.fromTag, extra: this.extra });
  }

  #send(invite: SipRequest, mayAuthenticate: boolean): void {
    const user: ClientTransactionUser = {
      onResponse: (response) => {
        this.responses.push(response);
        if (response.status < 200) return;
        if ((response.status === 407 || response.status === 401) && mayAuthenticate && this.password !== undefined) {
          this.#cseq++;
          this.#invite = this.#buildInvite();
          this.ua.authorize(this.#invite, response, this.password);
          this.#send(this.#invite, false);
          return;
        }
        if (response.status < 300) {
          if (!this.#ok) this.#ok = response;
          this.#ack(response);
        }
        this.#resolveFinal(response);
      },
      onTimeout: () => this.#resolveFinal(syntheticTimeout(invite)),
      onTransportError: () => this.#resolveFinal(syntheticTimeout(invite)),
    };
    this.ua.transactions.sendRequest(invite, this.ua.proxyDestination(), user);
  }

  /** §13.2.2.4: the ACK for a 2xx goes along the route set (reversed Record-Route) to the
   *  remote target (the 2xx's Contact), with a new branch, outside any transaction. */
  #ack(ok: SipResponse): void {
    const ack = this.#inDialog('ACK', ok, this.#invite.cseq.seq);
    void this.ua.transactions.sendStatelessRequest(ack, this.ua.proxyDestination());
  }

  #inDialog(method: string, ok: SipResponse, cseq: number): SipRequest {
    const contact = ok.contacts;
    const remoteTarget = contact !== '*' && contact[0] ? formatUri(contact[0].uri) : this.target;
    const routes = [...ok.getHeaders('Record-Route')].reverse();
    return this.ua.buildRequest(method, remoteTarget, {
      callId: this.callId,
      cseq,
      to: ok.getHeader('To') as string,
      fromTag: this.fromTag,
      extra: routes.map((value) => ({ name: 'Route', value })),
    });
  }

  /** Hang up the established call; resolves with the BYE's final response. */
  bye(): Promise<SipResponse> {
    if (!this.#ok) throw new Error('no 2xx: nothing to hang up');
    this.#cseq++;
    return this.ua.sendNonInvite(this.#inDialog('BYE', this.#ok, this.#cseq));
  }

  /** CANCEL the pending INVITE (§9.1); resolves with the CANCEL's final response. */
  cancel(): Promise<SipResponse> {
    return this.ua.sendNonInvite(createCancel(this.#invite));
  }
}

function syntheticTimeout(invite: SipRequest): SipResponse {
  return createResponse(invite, 408, 'Request Timeout (local)');
}
