/**
 * The UA core's deferred ACK (`deferAck`, the base of RFC 3725 Flow I) against a scripted UDP
 * peer on loopback that answers an offer-less INVITE with 200 + SDP offer and resends that 200
 * at will: retransmissions are absorbed until the owner ACKs with the answer (RFC 3264 §5), then
 * each gets the very same ACK (RFC 3261 §13.2.2.4); without the owner's ACK within 64*T1 — or
 * for a 2xx that crossed our CANCEL — the core ACKs with an answer declining every stream and
 * sends BYE (§13.2.2.4). Without `deferAck` nothing changes: the core ACKs at once.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { until } from '../support/until.js';
import { delay, header, startUserAgent, type TestUserAgent } from './uac-support.js';

const OFFER = ['v=0', 'o=peer 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 7000 RTP/AVP 0', ''].join('\r\n');
const ANSWER = ['v=0', 'o=ctl 2 2 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 8000 RTP/AVP 0', ''].join('\r\n');

/** A SIP peer written by hand: records what it receives and answers as the test says. */
class ScriptedPeer {
  readonly received: string[] = [];
  readonly #socket: Socket;
  readonly port: number;
  #remote = { address: '127.0.0.1', port: 0 };

  private constructor(socket: Socket, port: number) {
    this.#socket = socket;
    this.port = port;
    socket.on('message', (data, rinfo) => {
      this.#remote = { address: rinfo.address, port: rinfo.port };
      const text = data.toString('latin1');
      this.received.push(text);
      if (text.startsWith('BYE ') || text.startsWith('CANCEL ')) this.send(response(text, '200 OK'));
    });
  }

  static async start(): Promise<ScriptedPeer> {
    const port = await freePort();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    return new ScriptedPeer(socket, port);
  }

  get uri(): string {
    return `sip:peer@127.0.0.1:${this.port}`;
  }

  requests(method: string): string[] {
    return this.received.filter((text) => text.startsWith(`${method} `));
  }

  send(text: string): void {
    this.#socket.send(Buffer.from(text, 'latin1'), this.#remote.port, this.#remote.address);
  }

  /** 200 OK to the INVITE with an SDP offer, our tag and Contact. */
  answer(invite: string): string {
    return response(invite, '200 OK', [`Contact: <${this.uri}>`, 'Content-Type: application/sdp'], OFFER);
  }

  close(): void {
    this.#socket.close();
  }
}

function response(request: string, status: string, extra: string[] = [], body = ''): string {
  const head = request.split('\r\n\r\n')[0]!.split('\r\n');
  const copy = (name: string) => head.filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  const to = copy('To')[0]!;
  const lines = [
    `SIP/2.0 ${status}`,
    ...copy('Via'),
    ...copy('From'),
    /;tag=/u.test(to) ? to : `${to};tag=peer1`,
    ...copy('Call-ID'),
    ...copy('CSeq'),
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const bodyOf = (text: string): string => text.split('\r\n\r\n').slice(1).join('\r\n\r\n');

describe('UA core: deferred ACK for an offer in the 2xx', () => {
  let ua: TestUserAgent | undefined;
  let peer: ScriptedPeer | undefined;
  afterEach(async () => {
    peer?.close();
    await ua?.stop();
    ua = undefined;
    peer = undefined;
  });

  async function invite(deferAck: boolean, T1 = 500) {
    ua = await startUserAgent(undefined, { T1 });
    peer = await ScriptedPeer.start();
    const uac = ua.core.sendRequest({ method: 'INVITE', uri: peer.uri, from: '<sip:ctl@sb.test>' }, { deferAck });
    await until(() => peer!.requests('INVITE').length > 0);
    const request = peer.requests('INVITE')[0]!;
    return { uac, request, peer };
  }

  it('absorbs 2xx retransmissions until the owner ACKs with the answer; later ones get the same ACK', async () => {
    const { uac, request, peer } = await invite(true);
    expect(header(request, 'Content-Length')).toBe('0');
    peer.send(peer.answer(request));
    expect((await uac.final).status).toBe(200);
    const dialog = uac.dialog!;
    const seq = uac.request.cseq.seq;
    expect(dialog.ackDeferred(seq)).toBe(true);
    peer.send(peer.answer(request)); // retransmission while the owner has no answer yet
    await delay(150);
    expect(peer.requests('ACK')).toHaveLength(0);

    dialog.acknowledge(seq, [], { contentType: 'application/sdp', content: ANSWER });
    await until(() => peer.requests('ACK').length === 1);
    const ack = peer.requests('ACK')[0]!;
    expect(dialog.ackDeferred(seq)).toBe(false);
    expect(header(ack, 'CSeq')).toBe(`${seq} ACK`);
    expect(header(ack, 'Content-Type')).toBe('application/sdp');
    expect(bodyOf(ack)).toBe(ANSWER);

    peer.send(peer.answer(request)); // §13.2.2.4: re-ACK, the same message (body included)
    await until(() => peer.requests('ACK').length === 2);
    expect(peer.requests('ACK')[1]).toBe(ack);
    expect(dialog.state).toBe('confirmed');
  });

  it('without the owner’s ACK within 64*T1: ACK declining the offer, then BYE', async () => {
    const { uac, request, peer } = await invite(true, 20);
    peer.send(peer.answer(request));
    await uac.final;
    const ended = new Promise((resolve) => uac.dialog!.onEnd(resolve));
    await until(() => peer.requests('BYE').length === 1, 5000);
    const ack = peer.requests('ACK')[0]!;
    expect(peer.received.indexOf(ack)).toBeLessThan(peer.received.indexOf(peer.requests('BYE')[0]!));
    expect(bodyOf(ack)).toMatch(/^m=audio 0 RTP\/AVP 0$/mu);
    expect(await ended).toBe('ack-timeout');
  });

  it('a 2xx that crossed our CANCEL is ACKed declining its offer and ended with BYE', async () => {
    const { uac, request, peer } = await invite(true);
    peer.send(response(request, '180 Ringing', [`Contact: <${peer.uri}>`]));
    await delay(50);
    uac.cancel(); // §9.1: sent now that a provisional arrived
    await until(() => peer.requests('CANCEL').length === 1);
    peer.send(peer.answer(request));
    await until(() => peer.requests('BYE').length === 1);
    expect(bodyOf(peer.requests('ACK')[0]!)).toMatch(/^m=audio 0 RTP\/AVP 0$/mu);
    expect((await uac.final).status).toBe(200);
    expect(uac.dialog).toBeUndefined();
  });

  it('without deferAck the core ACKs the 2xx at once, without a body', async () => {
    const { uac, request, peer } = await invite(false);
    peer.send(peer.answer(request));
    await uac.final;
    await until(() => peer.requests('ACK').length === 1);
    expect(header(peer.requests('ACK')[0]!, 'Content-Length')).toBe('0');
    expect(uac.dialog!.ackDeferred(uac.request.cseq.seq)).toBe(false);
  });
});
