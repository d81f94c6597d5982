/**
 * Lets an INVITE response context be collected as soon as it is over, instead of when the last
 * of its client transactions ends (Timer M or D, 32 s later: RFC 6026 §8.4, §17.1.1.2).
 *
 * The transaction layer keeps a client transaction's TU until the transaction ends, because an
 * INVITE in Accepted must pass every 2xx up. For a proxy those late 2xx only need forwarding:
 * once a 2xx answered the context, §16.7 step 10 / RFC 6026 §8.1 says forward further 2xx
 * upstream statelessly — exactly what the response context does with them then, and what it
 * would do after its server transaction ended. So the client transaction gets this wrapper as
 * its TU; it passes everything to the context until the context has finished, then lets go of
 * it and forwards 2xx itself (our Via removed, sent on the caller's flow as the server
 * transaction would). After a non-2xx final response an INVITE client transaction only resends
 * its ACK, so the context is let go then too.
 */
import type { SipRequest, SipResponse } from '../sip/index.js';
import type { ClientTransaction } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser } from '../transaction/transaction-user.js';
import type { Destination, Flow, TransportError } from '../transport/types.js';
import type { ProxyTransactions } from './response-context.js';

/** The part of the response context the wrapper looks at. */
export interface FinishingContext {
  readonly finished: boolean;
}

export interface LateResponseForwarder {
  /** Forwards a 2xx that arrives after the context finished; `response` still has our Via. */
  forwardLate2xx(response: SipResponse, flow: Flow): void;
}

export class AnsweredBranchUser implements ClientTransactionUser {
  #user: ClientTransactionUser | undefined;
  #context: FinishingContext | undefined;

  constructor(
    user: ClientTransactionUser,
    context: FinishingContext,
    private readonly forwarder: LateResponseForwarder,
    /** The flow the caller's INVITE came in on. */
    private readonly upstream: Flow,
  ) {
    this.#user = user;
    this.#context = context;
  }

  onResponse(response: SipResponse): void {
    const user = this.#user;
    if (!user) {
      if (response.status >= 200 && response.status < 300) this.forwarder.forwardLate2xx(response, this.upstream);
      return;
    }
    user.onResponse(response);
    // Let go only once the context has finished: with an asynchronous onResponse hook it may
    // still be deciding about this response, and then keeps handling what follows itself.
    if (response.status >= 200 && this.#context?.finished) this.#release();
  }

  onTimeout(): void {
    this.#user?.onTimeout();
  }

  onTransportError(error: TransportError): void {
    this.#user?.onTransportError(error);
  }

  #release(): void {
    this.#user = undefined;
    this.#context = undefined;
  }
}

/** The response context's view of the transaction layer, handing each INVITE branch an
 *  AnsweredBranchUser. `context` is set right after the context is built. */
export class ReleasingTransactions implements ProxyTransactions {
  context: FinishingContext | undefined;

  constructor(
    private readonly transactions: ProxyTransactions,
    private readonly forwarder: LateResponseForwarder,
    private readonly upstream: Flow,
  ) {}

  sendRequest(request: SipRequest, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    const context = this.context;
    const wrapped = context && request.method === 'INVITE' ? new AnsweredBranchUser(user, context, this.forwarder, this.upstream) : user;
    return this.transactions.sendRequest(request, destination, wrapped);
  }

  sendStatelessRequest(request: SipRequest, destination: Destination): Promise<Flow> {
    return this.transactions.sendStatelessRequest(request, destination);
  }

  sendStatelessResponse(response: SipResponse, flow?: Flow): Promise<Flow> {
    return this.transactions.sendStatelessResponse(response, flow);
  }
}
