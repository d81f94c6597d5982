/**
 * A minimal user agent server built on the SIP core (transport + transactions), for end-to-end
 * tests with SIPp as the caller: answers INVITE with 180 then 200 (SDP), takes the ACK, answers
 * BYE with 200 for a call it knows and 481 otherwise. It records what it saw so tests can assert
 * on the ladder from the server's side too.
 */
import { createResponse, generateTag, type SipRequest, type SipResponse } from '../../platform/sip/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../../platform/transaction/non-invite-server-transaction.js';
import type { ServerTransaction, TransactionUser } from '../../platform/transaction/transaction-user.js';
import { TransportLayer } from '../../platform/transport/transport-layer.js';
import type { Flow, TransportProtocol } from '../../platform/transport/types.js';

const sdp = [
  'v=0',
  'o=uas 1 1 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

export interface UasEvent {
  method: string;
  callId: string;
  protocol: TransportProtocol;
}

export class TestUas implements TransactionUser {
  readonly events: UasEvent[] = [];
  readonly #dialogs = new Map<string, string>(); // Call-ID → our To tag
  readonly #transport: TransportLayer;
  readonly #transactions: TransactionLayer;

  constructor(port: number) {
    this.#transport = new TransportLayer({
      listen: [
        { protocol: 'udp', host: '127.0.0.1', port },
        { protocol: 'tcp', host: '127.0.0.1', port },
      ],
      logger: silentLogger,
    });
    this.#transactions = new TransactionLayer({ sender: this.#transport, logger: silentLogger });
    this.#transactions.setUser(this);
    this.#transport.onMessage(this.#transactions.handleInbound);
  }

  start(): Promise<void> {
    return this.#transport.start();
  }

  async stop(): Promise<void> {
    await this.#transport.stop();
    this.#transactions.close();
  }

  onRequest(request: SipRequest, transaction: ServerTransaction): void {
    this.events.push({ method: request.method, callId: request.callId, protocol: transaction.flow.protocol });
    if (request.method === 'INVITE') return this.#answerInvite(request, transaction);
    if (request.method === 'BYE') {
      const known = this.#dialogs.delete(request.callId);
      transaction.respond(known ? createResponse(request, 200, 'OK') : createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    transaction.respond(createResponse(request, 405, 'Method Not Allowed', { toTag: generateTag(), headers: [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL' }] }));
  }

  #answerInvite(request: SipRequest, transaction: ServerTransaction): void {
    const toTag = generateTag();
    this.#dialogs.set(request.callId, toTag);
    const local = transaction.flow.local;
    const contact = { name: 'Contact', value: `<sip:uas@${local.address}:${local.port};transport=${transaction.flow.protocol}>` };
    transaction.respond(createResponse(request, 180, 'Ringing', { toTag, headers: [contact] }));
    const ok: SipResponse = createResponse(request, 200, 'OK', { toTag, headers: [contact], body: sdp, contentType: 'application/sdp' });
    transaction.respond(ok);
  }

  onAck2xx(ack: SipRequest, flow: Flow): void {
    this.events.push({ method: 'ACK', callId: ack.callId, protocol: flow.protocol });
  }

  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.events.push({ method: 'CANCEL', callId: cancel.callId, protocol: cancelTransaction.flow.protocol });
    cancelTransaction.respond(invite ? createResponse(cancel, 200, 'OK') : createResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
  }

  onStrayResponse(): void {
    // A UAS sends no requests, so any response is stray and dropped (RFC 6026 §7.2).
  }
}
