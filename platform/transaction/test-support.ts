/**
 * Test doubles for the transaction layer's unit tests: a MessageSender that records what the
 * layer sends (a fake of our own interface; no sockets), recording TUs, and message builders
 * that go through the real parser so tests see the messages the transport would deliver.
 */
import { createResponse, parseMessage, SipRequest, SipResponse, type SipParseError } from '../sip/index.js';
import { TransportError, type Destination, type Flow, type InboundMessage, type MessageSender, type TransportProtocol } from '../transport/types.js';
import type { ClientTransactionUser, ServerTransaction, ServerTransactionUser, TransactionUser } from './transaction-user.js';
import type { InviteServerTransaction } from './invite-server-transaction.js';
import type { NonInviteServerTransaction } from './non-invite-server-transaction.js';

export type SentMessage =
  | { kind: 'request'; message: SipRequest; destination: Destination }
  | { kind: 'response'; message: SipResponse; flow: Flow | undefined };

export class FakeSender implements MessageSender {
  readonly sent: SentMessage[] = [];
  readonly reliableProtocols = new Set<TransportProtocol>(['tcp', 'tls']);
  /** While set, every send is recorded and then rejected with this error. */
  failWith: Error | undefined;
  /** Reports sends as having used this protocol (the §18.1.1 UDP→TCP switch). */
  usedProtocol: TransportProtocol | undefined;

  sendRequest(request: SipRequest, destination: Destination): Promise<Flow> {
    this.sent.push({ kind: 'request', message: request, destination });
    if (this.failWith) return Promise.reject(this.failWith);
    const protocol = this.usedProtocol ?? destination.protocol;
    return Promise.resolve(makeFlow(protocol, destination.address, destination.port));
  }

  sendResponse(response: SipResponse, flow?: Flow): Promise<Flow> {
    this.sent.push({ kind: 'response', message: response, flow });
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(flow ?? makeFlow('udp', '127.0.0.1', 5070));
  }

  isReliable(protocol: TransportProtocol): boolean {
    return this.reliableProtocols.has(protocol);
  }

  /** Requests sent, optionally of one method. */
  requests(method?: string): SipRequest[] {
    return this.sent.flatMap((sent) => (sent.kind === 'request' && (!method || sent.message.method === method) ? [sent.message] : []));
  }

  /** Responses sent, optionally of one status. */
  responses(status?: number): SipResponse[] {
    return this.sent.flatMap((sent) => (sent.kind === 'response' && (!status || sent.message.status === status) ? [sent.message] : []));
  }

  clear(): void {
    this.sent.length = 0;
  }
}

export function transportError(message = 'connection refused'): TransportError {
  return new TransportError(message);
}

export function makeFlow(protocol: TransportProtocol, address = '127.0.0.1', port = 5070): Flow {
  const local = { address: '127.0.0.1', port: 5060 };
  const remote = { address, port };
  return { protocol, local, remote, id: `${protocol}:${local.address}:${local.port}>${address}:${port}` };
}

export const udpFlow = makeFlow('udp');
export const tcpFlow = makeFlow('tcp');
export const udpDestination: Destination = { protocol: 'udp', address: '127.0.0.1', port: 5070 };
export const tcpDestination: Destination = { protocol: 'tcp', address: '127.0.0.1', port: 5070 };

export interface RequestSpec {
  method?: string;
  uri?: string;
  /** null: no branch parameter at all (RFC 2543). */
  branch?: string | null;
  sentBy?: string;
  transport?: string;
  /** Extra Via parameters after the branch, e.g. `;received=192.0.2.1`. */
  viaParams?: string;
  callId?: string;
  cseq?: number;
  cseqMethod?: string;
  fromTag?: string | null;
  toTag?: string;
  headers?: string[];
}

let counter = 0;

/** A unique RFC 3261 branch for tests (generateBranch() would do, but a readable one helps). */
export function testBranch(): string {
  return `z9hG4bKtest${++counter}`;
}

export function requestText(spec: RequestSpec = {}): string {
  const method = spec.method ?? 'OPTIONS';
  const branch = spec.branch === null ? '' : `;branch=${spec.branch ?? 'z9hG4bKdefault'}`;
  const fromTag = spec.fromTag === null ? '' : `;tag=${spec.fromTag ?? 'fromtag1'}`;
  const toTag = spec.toTag ? `;tag=${spec.toTag}` : '';
  const lines = [
    `${method} ${spec.uri ?? 'sip:bob@example.com'} SIP/2.0`,
    `Via: SIP/2.0/${spec.transport ?? 'UDP'} ${spec.sentBy ?? 'client.example.com:5070'}${branch}${spec.viaParams ?? ''}`,
    'Max-Forwards: 70',
    `From: <sip:alice@example.com>${fromTag}`,
    `To: <sip:bob@example.com>${toTag}`,
    `Call-ID: ${spec.callId ?? 'call-1@example.com'}`,
    `CSeq: ${spec.cseq ?? 1} ${spec.cseqMethod ?? method}`,
    ...(spec.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

/** Parses a request that must be well-formed; a bare-cookie branch (`bad-branch`, which the
 *  transaction layer tolerates) is allowed so tests can build RFC 4475 §3.2.1 requests. */
export function parseRequest(text: string): SipRequest {
  const { message, errors } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest) || errors.some((error) => error.code !== 'bad-branch')) {
    throw new Error(`test request did not parse: ${JSON.stringify(errors)}`);
  }
  return message;
}

export function parseResponse(text: string): SipResponse {
  const { message, errors } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipResponse) || errors.length > 0) {
    throw new Error(`test response did not parse: ${JSON.stringify(errors)}`);
  }
  return message;
}

export function makeRequest(spec: RequestSpec = {}): SipRequest {
  return parseRequest(requestText(spec));
}

/** A response to `request` as the peer would send it: serialized and parsed again, so it is
 *  not the same object as anything the layer holds. */
export function makeResponse(request: SipRequest, status: number, toTag = status > 100 ? 'totag1' : undefined): SipResponse {
  const response = createResponse(request, status, undefined, toTag ? { toTag } : {});
  return parseResponse(response.toString());
}

/** The same request again, as a retransmission arrives: a fresh parse of the same bytes. */
export function retransmission<T extends SipRequest>(request: T): SipRequest {
  return parseRequest(request.toString());
}

export function inbound(message: SipRequest | SipResponse, flow: Flow = udpFlow, errors: SipParseError[] = []): InboundMessage {
  return { message, flow, errors };
}

export class RecordingClientUser implements ClientTransactionUser {
  readonly responses: SipResponse[] = [];
  readonly transportErrors: TransportError[] = [];
  timeouts = 0;
  terminated = 0;
  /** Event names in order, for asserting sequences. */
  readonly events: string[] = [];

  onResponse(response: SipResponse): void {
    this.responses.push(response);
    this.events.push(`response ${response.status}`);
  }

  onTimeout(): void {
    this.timeouts++;
    this.events.push('timeout');
  }

  onTransportError(error: TransportError): void {
    this.transportErrors.push(error);
    this.events.push('transport-error');
  }

  onTerminated(): void {
    this.terminated++;
    this.events.push('terminated');
  }

  statuses(): number[] {
    return this.responses.map((response) => response.status);
  }
}

export class RecordingServerUser implements ServerTransactionUser {
  timeouts = 0;
  terminated = 0;
  readonly transportErrors: TransportError[] = [];

  onTimeout(): void {
    this.timeouts++;
  }

  onTransportError(error: TransportError): void {
    this.transportErrors.push(error);
  }

  onTerminated(): void {
    this.terminated++;
  }
}

export class RecordingTu implements TransactionUser {
  readonly requests: Array<{ request: SipRequest; transaction: ServerTransaction }> = [];
  readonly acks: Array<{ ack: SipRequest; flow: Flow; transaction: InviteServerTransaction | undefined }> = [];
  readonly cancels: Array<{ cancel: SipRequest; transaction: NonInviteServerTransaction; invite: InviteServerTransaction | undefined }> = [];
  readonly strays: Array<{ response: SipResponse; flow: Flow }> = [];
  /** Runs inside onRequest, e.g. to answer synchronously or to throw. */
  onRequestHook: ((request: SipRequest, transaction: ServerTransaction) => void) | undefined;

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.requests.push({ request, transaction });
    this.onRequestHook?.(request, transaction);
  }

  onAck2xx(ack: SipRequest, flow: Flow, transaction?: InviteServerTransaction): void {
    this.acks.push({ ack, flow, transaction });
  }

  onCancel(cancel: SipRequest, transaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.cancels.push({ cancel, transaction, invite });
  }

  onStrayResponse(response: SipResponse, flow: Flow): void {
    this.strays.push({ response, flow });
  }

  /** The server transaction of the last request passed up. */
  last(): ServerTransaction {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no request reached the TU');
    return last.transaction;
  }
}
