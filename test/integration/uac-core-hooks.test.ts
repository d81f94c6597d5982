/**
 * The UA core's transaction-user hooks with a raw UDP peer (no SIPp), for the cases SIPp cannot
 * script: a 2xx retransmitted after the INVITE client transaction ended (Timer M) is ACKed
 * again by the core (§13.2.2.4, RFC 6026 §7.2); a request for an unknown dialog gets 481
 * (§12.2.2); a peer that never ACKs our 2xx gets it resent and then a BYE (§13.3.1.4).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { DialogEndReason, UaDialog } from '../../platform/endpoint/user-agent-dialog.js';
import { createResponse, parseMessage, SipRequest, SipResponse, type SipMessage } from '../../platform/sip/index.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import { delay, startUserAgent, type TestUserAgent } from './uac-support.js';

function parse(data: Buffer): SipMessage {
  const { message } = parseMessage(data);
  if (!message) throw new Error('unparseable message');
  return message;
}

class RawPeer {
  readonly socket: Socket = createSocket('udp4');
  readonly inbox: SipMessage[] = [];
  #waiters: Array<() => void> = [];
  port = 0;

  async start(): Promise<this> {
    this.socket.on('message', (data) => {
      this.inbox.push(parse(data));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.port = this.socket.address().port;
    return this;
  }

  send(message: SipMessage, port: number): void {
    this.socket.send(message.toBuffer(), port, '127.0.0.1');
  }

  async next(match: (message: SipMessage) => boolean, timeoutMs = 5000): Promise<SipMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex(match);
      if (index >= 0) return this.inbox.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

const isRequest = (method: string) => (message: SipMessage) => message instanceof SipRequest && message.method === method;

describe('UA core hooks over real UDP', () => {
  let ua: TestUserAgent | undefined;
  let peer: RawPeer | undefined;
  afterEach(async () => {
    await ua?.stop();
    peer?.close();
  });

  it('ACKs a 2xx retransmission that arrives after Timer M, with the same ACK', async () => {
    ua = await startUserAgent(undefined, { T1: 20, T2: 80, T4: 100 }); // Timer M = 64*T1 = 1.28 s
    peer = await new RawPeer().start();
    const uac = ua.core.sendRequest({ method: 'INVITE', uri: `sip:bob@127.0.0.1:${peer.port}`, from: '<sip:alice@sb.test>' });
    const invite = (await peer.next(isRequest('INVITE'))) as SipRequest;
    const ok = createResponse(invite, 200, undefined, { toTag: 'peer-tag', headers: [{ name: 'Contact', value: `<sip:bob@127.0.0.1:${peer.port}>` }] });
    peer.send(ok, ua.port);
    expect((await uac.final).status).toBe(200);
    const firstAck = (await peer.next(isRequest('ACK'))) as SipRequest;
    await delay(1500);
    expect(ua.transactions.size).toBe(0); // the INVITE transaction is gone
    peer.send(ok, ua.port); // now a stray response for the transaction layer
    const secondAck = (await peer.next(isRequest('ACK'))) as SipRequest;
    expect(secondAck.toString()).toBe(firstAck.toString());
    expect(secondAck.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    await uac.dialog!.bye().then(() => undefined, () => undefined);
  });

  it('answers 481 to a request for a dialog it does not have', async () => {
    ua = await startUserAgent();
    peer = await new RawPeer().start();
    const bye = parse(
      Buffer.from(
        [
          `BYE sip:switchboard@127.0.0.1:${ua.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKstale1`,
          'Max-Forwards: 70',
          'From: <sip:bob@sb.test>;tag=a',
          'To: <sip:alice@sb.test>;tag=b',
          'Call-ID: no-such-dialog',
          'CSeq: 5 BYE',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      ),
    );
    peer.send(bye, ua.port);
    const answer = (await peer.next((message) => message instanceof SipResponse)) as SipResponse;
    expect(answer.status).toBe(481);
  });

  it('resends its 2xx until 64*T1 without ACK, then hangs up with BYE', async () => {
    let accepted: UaDialog | undefined;
    ua = await startUserAgent((_request, transaction) => {
      accepted = ua!.core.acceptInvite(transaction as InviteServerTransaction, { body: { contentType: 'application/sdp', content: 'v=0\r\n' } });
    }, { T1: 20, T2: 80, T4: 100 });
    peer = await new RawPeer().start();
    const invite = parse(
      Buffer.from(
        [
          `INVITE sip:switchboard@127.0.0.1:${ua.port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKnoack1`,
          'Max-Forwards: 70',
          'From: <sip:bob@sb.test>;tag=caller',
          'To: <sip:alice@sb.test>',
          'Call-ID: never-acked',
          'CSeq: 7 INVITE',
          `Contact: <sip:bob@127.0.0.1:${peer.port}>`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      ),
    );
    peer.send(invite, ua.port);
    const ended = new Promise<DialogEndReason>((resolve) => {
      const wait = setInterval(() => {
        if (!accepted) return;
        clearInterval(wait);
        accepted.onEnd(resolve);
      }, 5);
    });
    const bye = (await peer.next(isRequest('BYE'), 5000)) as SipRequest;
    const oks = peer.inbox.filter((message) => message instanceof SipResponse && message.status === 200);
    expect(oks.length).toBeGreaterThan(3); // the first 200 and its retransmissions
    expect(await ended).toBe('ack-timeout');
    expect(bye.callId).toBe('never-acked');
    expect(bye.getHeader('To')).toBe('<sip:bob@sb.test>;tag=caller');
    peer.send(createResponse(bye, 200), ua.port);
  });
});
