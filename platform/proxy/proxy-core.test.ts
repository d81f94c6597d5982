/**
 * The §16 proxy core driven through a real TransactionLayer over a recording sender: what it
 * sends downstream and upstream for each response sequence.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, formatUri, parseUri, type SipRequest, type SipResponse } from '../sip/index.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.js';
import { FakeSender, inbound, makeFlow, parseResponse, udpFlow } from '../transaction/test-support.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import type { ServerTransaction, TransactionUser } from '../transaction/transaction-user.js';
import { TransportError, type Flow } from '../transport/types.js';
import { NextHopError } from './next-hop.js';
import { ProxyCore } from './proxy-core.js';
import type { ProxyConfig } from './proxy-config.js';
import type { ForwardHooks } from './response-context.js';
import type { ForwardOptions, ProxyTarget } from './target.js';
import { invite, request, testIdentity } from './test-support.js';

const A = 'sip:bob@198.51.100.10:5060';
const B = 'sip:bob@198.51.100.20:5060';
const C = 'sip:bob@198.51.100.30:5060';
const target = (uri: string, q?: number): ProxyTarget => ({ uri: parseUri(uri), ...(q !== undefined ? { q } : {}) });

class Harness implements TransactionUser {
  readonly sender = new FakeSender();
  readonly layer: TransactionLayer;
  readonly proxy: ProxyCore;
  server: ServerTransaction | undefined;
  acks: SipRequest[] = [];

  constructor(config: Partial<ProxyConfig> = {}) {
    this.layer = new TransactionLayer({ sender: this.sender, logger: silentLogger, timers: { T1: 50, T2: 400, T4: 500 }, user: this });
    // Names resolve without DNS: example.com is 203.0.113.5, *.invalid does not exist.
    const resolver = async (host: string): Promise<string> => {
      if (host === 'example.com') return '203.0.113.5';
      if (host.endsWith('.invalid')) throw new NextHopError(`cannot resolve ${host}`, 503);
      return host;
    };
    this.proxy = new ProxyCore({ transactions: this.layer, identity: testIdentity(), logger: silentLogger, config, resolver });
  }

  onRequest(_request: SipRequest, transaction: ServerTransaction): void {
    this.server = transaction;
  }
  onAck2xx(ack: SipRequest, flow: Flow): void {
    this.proxy.handleAck(ack, flow);
  }
  onCancel(cancel: SipRequest, cancelTransaction: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    this.proxy.handleCancel(cancel, cancelTransaction, invite);
  }
  onStrayResponse(response: SipResponse, flow: Flow): void {
    this.proxy.handleStrayResponse(response, flow);
  }

  /** Receive `req` from upstream and forward it to `targets`. */
  async forward(req: SipRequest, targets: ProxyTarget[], options: ForwardOptions = {}, hooks: ForwardHooks = {}): Promise<void> {
    this.layer.handleInbound(inbound(req, udpFlow));
    if (!this.server) throw new Error('no server transaction');
    this.proxy.forward(this.server, req, targets, options, hooks);
    await flush();
  }

  /** The requests sent downstream to `uri`'s host, of one method (retransmissions once). */
  sentTo(uri: string, method = 'INVITE'): SipRequest[] {
    const host = parseUri(uri);
    if (host.kind !== 'sip') throw new Error('sip uri expected');
    return unique(
      this.sender.sent.flatMap((sent) =>
        sent.kind === 'request' && sent.message.method === method && sent.destination.address === host.host ? [sent.message] : [],
      ),
    );
  }

  /** Answer the first request sent to `uri` with `status`. */
  async answer(uri: string, status: number, toTag = `tag${status}`, extra: string[] = []): Promise<SipResponse> {
    const forwarded = this.sentTo(uri)[0];
    if (!forwarded) throw new Error(`nothing was sent to ${uri}`);
    const text = createResponse(forwarded, status, undefined, { toTag, headers: extra.map((line) => ({ name: line.split(':')[0] as string, value: line.slice(line.indexOf(':') + 1).trim() })) }).toString();
    const response = parseResponse(text);
    this.layer.handleInbound(inbound(response, makeFlow('udp', '198.51.100.10', 5060)));
    await flush();
    return response;
  }

  /** Statuses sent upstream, each response once (Timer G retransmits finals over UDP). */
  upstream(): number[] {
    return unique(this.sender.responses()).map((response) => response.status);
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

describe('ProxyCore forwarding (RFC 3261 §16.6)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.layer.close());

  it('answers 100 at once and forwards a copy: new Request-URI, Max-Forwards − 1, Record-Route, Via with rport', async () => {
    await h.forward(invite(), [target(A)]);
    expect(h.upstream()).toEqual([100]);
    const [copy] = h.sentTo(A);
    expect(copy).toBeDefined();
    const sent = copy as SipRequest;
    expect(formatUri(sent.uri)).toBe(A);
    expect(sent.maxForwards).toBe(69);
    expect(sent.getHeaders('Record-Route')).toEqual(['<sip:192.0.2.1:5060;lr>']);
    const top = sent.via[0];
    expect(top?.host).toBe('192.0.2.1');
    expect(top?.params.has('rport')).toBe(true);
    expect(String(top?.params.get('branch'))).toMatch(/^z9hG4bKsb[0-9a-f]+\.[0-9a-z]+$/u);
    expect(sent.via).toHaveLength(2);
  });

  it('adds Max-Forwards 70 when the request had none, and no Record-Route when told not to', async () => {
    const req = request([
      'MESSAGE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKm1',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>',
      'Call-ID: m1',
      'CSeq: 1 MESSAGE',
    ]);
    await h.forward(req, [target(A)], { recordRoute: false });
    const sent = h.sentTo(A, 'MESSAGE')[0] as SipRequest;
    expect(sent.maxForwards).toBe(70);
    expect(sent.hasHeader('Record-Route')).toBe(false);
    expect(h.upstream()).toEqual([]); // no 100 for non-INVITE (§16.2)
  });

  it('routes to the Path of the binding and keeps the Request-URI', async () => {
    await h.forward(invite(), [{ uri: parseUri(A), path: ['<sip:198.51.100.99:5062;lr>'] }]);
    const sent = h.sender.sent.find((s) => s.kind === 'request' && s.message.method === 'INVITE');
    expect(sent?.kind === 'request' && sent.destination).toEqual({ protocol: 'udp', address: '198.51.100.99', port: 5062 });
    expect(sent?.kind === 'request' && formatUri(sent.message.uri)).toBe(A);
    expect(sent?.kind === 'request' && sent.message.getHeaders('Route')).toEqual(['<sip:198.51.100.99:5062;lr>']);
  });
});

describe('ProxyCore response context (§16.7)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.layer.close());

  it('forks in parallel: forwards 180 and 200 at once, ACKs the 486 hop by hop, never forwards it', async () => {
    await h.forward(invite(), [target(A), target(B)]);
    expect(h.sentTo(A)).toHaveLength(1);
    expect(h.sentTo(B)).toHaveLength(1);
    await h.answer(A, 486);
    await h.answer(B, 180);
    await h.answer(B, 200);
    expect(h.upstream()).toEqual([100, 180, 200]);
    expect(h.sentTo(A, 'ACK')).toHaveLength(1);
    // The upstream responses lost our Via: only the caller's remains.
    const ok = h.sender.responses(200)[0] as SipResponse;
    expect(ok.via).toHaveLength(1);
    expect(ok.via[0]?.host).toBe('198.51.100.7');
  });

  it('CANCELs the other ringing branch when one answers 2xx (§16.7 step 10)', async () => {
    await h.forward(invite(), [target(A), target(B)]);
    await h.answer(A, 180, 'ta');
    await h.answer(B, 200);
    const cancels = h.sentTo(A, 'CANCEL');
    expect(cancels).toHaveLength(1);
    expect(cancels[0]?.topVia?.params.get('branch')).toBe(h.sentTo(A)[0]?.topVia?.params.get('branch'));
    expect(h.sentTo(B, 'CANCEL')).toHaveLength(0);
  });

  it('waits for a provisional response before CANCELling a silent branch (§9.1)', async () => {
    await h.forward(invite(), [target(A), target(B)]);
    await h.answer(B, 200);
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(0);
    await h.answer(A, 180, 'ta');
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(1);
    expect(h.upstream()).toEqual([100, 200]); // the late 180 is not forwarded after the 2xx
  });

  it('forwards every 2xx: a second fork answering too reaches the caller (RFC 6026)', async () => {
    await h.forward(invite(), [target(A), target(B)]);
    await h.answer(A, 200, 'ta');
    await h.answer(B, 200, 'tb');
    expect(h.upstream()).toEqual([100, 200, 200]);
  });

  it('after the answer, 2xx retransmissions still reach the caller on its flow without our Via (answered-branch-user.ts)', async () => {
    const successes: number[] = [];
    await h.forward(invite(), [target(A)], {}, { onSuccess: (response) => successes.push(response.status) });
    await h.answer(A, 200, 'ta');
    await h.answer(A, 200, 'ta');
    await h.answer(A, 200, 'ta');
    const oks = h.sender.sent.flatMap((sent) => (sent.kind === 'response' && sent.message.status === 200 ? [sent] : []));
    expect(oks).toHaveLength(3);
    for (const sent of oks) {
      expect(sent.message.via.map((via) => via.host)).toEqual(['198.51.100.7']);
      expect(sent.kind === 'response' && sent.flow).toBe(udpFlow);
    }
    expect(successes).toEqual([200]); // the context saw the first 2xx only
  });

  it('an asynchronous onResponse hook still sees the 2xx before anything is forwarded', async () => {
    const seen: number[] = [];
    await h.forward(invite(), [target(A)], {}, {
      onResponse: async (response) => {
        seen.push(response.status);
        await flush();
        return { kind: 'default' };
      },
    });
    await h.answer(A, 180, 'ta');
    await h.answer(A, 200, 'ta');
    await flush();
    await h.answer(A, 200, 'ta');
    expect(seen).toEqual([180, 200]);
    expect(h.upstream()).toEqual([100, 180, 200, 200]);
  });

  it('sends the best final response when every branch fails: lowest class, then lowest code', async () => {
    await h.forward(invite(), [target(A), target(B), target(C)]);
    await h.answer(A, 486);
    await h.answer(B, 480);
    expect(h.upstream()).toEqual([100]); // C has not answered yet
    await h.answer(C, 404);
    expect(h.upstream()).toEqual([100, 404]);
  });

  it('a 6xx is not forwarded before the ringing branches have answered their CANCEL', async () => {
    await h.forward(invite(), [target(A), target(B), target(C)]);
    await h.answer(B, 180, 'tb');
    await h.answer(C, 180, 'tc');
    await h.answer(A, 600);
    expect(h.upstream()).toEqual([100, 180, 180]);
    await h.answer(B, 487, 'tb');
    await h.answer(C, 487, 'tc');
    expect(h.upstream()).toEqual([100, 180, 180, 600]);
  });

  it('a 6xx CANCELs the ringing branches and ends the search (no next group)', async () => {
    await h.forward(invite(), [target(A, 1), target(B, 1), target(C, 0.5)]);
    await h.answer(B, 180, 'tb');
    await h.answer(A, 603);
    expect(h.sentTo(B, 'CANCEL')).toHaveLength(1);
    await h.answer(B, 487, 'tb');
    expect(h.sentTo(C)).toHaveLength(0);
    expect(h.upstream()).toEqual([100, 180, 603]);
  });

  it('merges the challenges of every 401/407 into the one forwarded (§16.7 step 7)', async () => {
    await h.forward(invite(), [target(A), target(B)]);
    await h.answer(A, 407, 'ta', ['Proxy-Authenticate: Digest realm="a.example", nonce="n1"']);
    await h.answer(B, 401, 'tb', ['WWW-Authenticate: Digest realm="b.example", nonce="n2"']);
    const final = h.sender.responses().at(-1) as SipResponse;
    expect(final.status).toBe(401);
    expect(final.getHeaders('WWW-Authenticate')).toEqual(['Digest realm="b.example", nonce="n2"']);
    expect(final.getHeaders('Proxy-Authenticate')).toEqual(['Digest realm="a.example", nonce="n1"']);
  });

  it('turns a lone 503 into 500 (§16.7 step 6)', async () => {
    await h.forward(invite(), [target(A)]);
    await h.answer(A, 503, 't', ['Retry-After: 60']);
    const final = h.sender.responses().at(-1) as SipResponse;
    expect(final.status).toBe(500);
    expect(final.hasHeader('Retry-After')).toBe(false);
  });

  it('answers 408 when no branch answers at all (Timer B)', async () => {
    await h.forward(invite(), [target(A)]);
    await new Promise((resolve) => setTimeout(resolve, 64 * 50 + 100));
    expect(h.upstream()).toEqual([100, 408]);
  });

  it('treats a transport error as 503, sent upstream as 500', async () => {
    h.sender.sendRequest = (message, destination) => {
      h.sender.sent.push({ kind: 'request', message: message as SipRequest, destination });
      return Promise.reject(new TransportError('connection refused', destination));
    };
    await h.forward(invite(), [target(A)]);
    expect(h.upstream()).toEqual([100, 500]);
  });

  it('answers 500 for a target whose host does not resolve (503 → 500)', async () => {
    await h.forward(invite(), [target('sip:bob@nowhere.invalid')]);
    expect(h.upstream()).toEqual([100, 500]);
  });

  it('recurses on a 3xx when asked: the contacts become new branches (§16.7 step 4)', async () => {
    await h.forward(invite(), [target(A)], { recurse: true });
    await h.answer(A, 302, 'ta', [`Contact: <${C}>`]);
    expect(h.sentTo(C)).toHaveLength(1);
    await h.answer(C, 200, 'tc');
    expect(h.upstream()).toEqual([100, 200]);
  });

  it('forwards the 3xx itself when recursion is off', async () => {
    await h.forward(invite(), [target(A)]);
    await h.answer(A, 302, 'ta', [`Contact: <${C}>`]);
    expect(h.sentTo(C)).toHaveLength(0);
    const final = h.sender.responses().at(-1) as SipResponse;
    expect(final.status).toBe(302);
    expect(final.getHeaders('Contact')).toEqual([`<${C}>`]);
  });

  it('asks the failure hook first, and sends nothing when it takes over', async () => {
    const seen: number[] = [];
    await h.forward(invite(), [target(A)], {}, {
      onFailure: (outcome) => {
        seen.push(outcome.response.status);
        return true;
      },
    });
    await h.answer(A, 486);
    expect(seen).toEqual([486]);
    expect(h.upstream()).toEqual([100]);
  });

  it('forwards only the first final response of a non-INVITE fork', async () => {
    const req = request([
      'MESSAGE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKm2',
      'Max-Forwards: 70',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>',
      'Call-ID: m2',
      'CSeq: 1 MESSAGE',
    ]);
    await h.forward(req, [target(A), target(B)]);
    const toA = h.sentTo(A, 'MESSAGE')[0] as SipRequest;
    const toB = h.sentTo(B, 'MESSAGE')[0] as SipRequest;
    for (const sent of [toA, toB]) {
      h.layer.handleInbound(inbound(parseResponse(createResponse(sent, 200, undefined, { toTag: 'x' }).toString()), udpFlow));
    }
    await flush();
    expect(h.upstream()).toEqual([200]);
  });
});

describe('ProxyCore forking by q (§16.6)', () => {
  afterEach(() => vi.useRealTimers());

  it('tries the next q group only when the first has failed', async () => {
    const h = new Harness();
    await h.forward(invite(), [target(A, 0.5), target(B, 1.0)]);
    expect(h.sentTo(B)).toHaveLength(1);
    expect(h.sentTo(A)).toHaveLength(0);
    await h.answer(B, 486);
    expect(h.sentTo(A)).toHaveLength(1);
    await h.answer(A, 200);
    expect(h.upstream()).toEqual([100, 200]);
    h.layer.close();
  });

  it('gives a ringing group up after the sequential timeout: CANCEL, then the next group', async () => {
    const h = new Harness({ sequentialTimeoutMs: 80 });
    await h.forward(invite(), [target(A, 1), target(B, 0.5)]);
    await h.answer(A, 180, 'ta');
    expect(h.sentTo(B)).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(1);
    expect(h.sentTo(B)).toHaveLength(1);
    await h.answer(B, 486, 'tb');
    // A's 487 comes late and changes nothing; the caller gets the best: 486 beats the synthetic 408.
    await h.answer(A, 487, 'ta');
    expect(h.upstream()).toEqual([100, 180, 486]);
    h.layer.close();
  });

  it('rings sequentially one target at a time with a per-target timeout', async () => {
    const h = new Harness();
    await h.forward(invite(), [target(A), target(B)], { forking: 'sequential', timeoutMs: 60 });
    expect(h.sentTo(B)).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 90));
    expect(h.sentTo(B)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 90));
    // Both timed out without a provisional response: the caller hears 408.
    expect(h.upstream()).toEqual([100, 408]);
    h.layer.close();
  });
});

describe('ProxyCore Timer C and CANCEL (§16.8, §16.10)', () => {
  it('Timer C fires on a branch with a provisional response: CANCEL it and answer 408', async () => {
    const h = new Harness({ timerCMs: 80 });
    await h.forward(invite(), [target(A)]);
    await h.answer(A, 180, 'ta');
    await new Promise((resolve) => setTimeout(resolve, 130));
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(1);
    expect(h.upstream()).toEqual([100, 180, 408]);
    h.layer.close();
  });

  it('a provisional response restarts Timer C', async () => {
    const h = new Harness({ timerCMs: 100 });
    await h.forward(invite(), [target(A)]);
    await h.answer(A, 180, 'ta');
    await new Promise((resolve) => setTimeout(resolve, 60));
    await h.answer(A, 183, 'ta');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(0);
    h.layer.close();
  });

  it('an upstream CANCEL is answered 200, CANCELs the branches, and the caller gets 487', async () => {
    const h = new Harness();
    await h.forward(invite(), [target(A), target(B)]);
    await h.answer(A, 180, 'ta');
    const cancel = request([
      'CANCEL sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1',
      'Max-Forwards: 70',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>',
      'Call-ID: call-1@198.51.100.7',
      'CSeq: 1 CANCEL',
    ]);
    h.layer.handleInbound(inbound(cancel, udpFlow));
    await flush();
    expect(h.sender.responses().find((r) => r.cseq.method === 'CANCEL')?.status).toBe(200);
    expect(h.sentTo(A, 'CANCEL')).toHaveLength(1);
    expect(h.sentTo(B, 'CANCEL')).toHaveLength(0); // B never answered: no CANCEL yet (§9.1)
    await h.answer(A, 487, 'ta');
    expect(h.sender.responses().filter((r) => r.cseq.method === 'INVITE').map((r) => r.status)).toEqual([100, 180, 487]);
    // B rings late: now it is CANCELled.
    await h.answer(B, 180, 'tb');
    expect(h.sentTo(B, 'CANCEL')).toHaveLength(1);
    h.layer.close();
  });
});

describe('ProxyCore validation (§16.3)', () => {
  const h = new Harness();
  it('483 for Max-Forwards 0', () => {
    expect(h.proxy.validate(invite())).toEqual({ ok: true });
    const zero = request([
      'OPTIONS sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKo',
      'Max-Forwards: 0',
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:bob@example.com>',
      'Call-ID: o1',
      'CSeq: 1 OPTIONS',
    ]);
    expect(h.proxy.validate(zero)).toMatchObject({ ok: false, status: 483 });
  });

  it('420 with Unsupported for an unknown Proxy-Require tag', () => {
    expect(h.proxy.validate(invite(['Proxy-Require: foo, bar']))).toEqual({
      ok: false,
      status: 420,
      reason: 'Bad Extension',
      headers: [{ name: 'Unsupported', value: 'foo, bar' }],
    });
  });

  it('482 for a request that comes back through us unchanged', async () => {
    const loop = new Harness();
    const first = invite();
    await loop.forward(first, [target('sip:bob@example.com')]);
    const forwarded = loop.sender.requests('INVITE')[0] as SipRequest;
    // The next hop sends it straight back (its own Via on top of ours).
    const back = forwarded.clone();
    back.pushVia({ ...(forwarded.topVia as NonNullable<SipRequest['topVia']>), host: '203.0.113.5', port: 5060 });
    expect(loop.proxy.validate(back)).toMatchObject({ ok: false, status: 482 });
    loop.layer.close();
  });
});

describe('ProxyCore outside transactions', () => {
  it('forwards an ACK for a 2xx along its Route, with the same branch for a retransmission (§16.11)', async () => {
    const h = new Harness();
    const ack = (): SipRequest =>
      request([
        `ACK ${A} SIP/2.0`,
        'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKack1',
        'Route: <sip:192.0.2.1:5060;lr>',
        'Max-Forwards: 70',
        'From: <sip:alice@example.com>;tag=a1',
        'To: <sip:bob@example.com>;tag=b1',
        'Call-ID: call-1@198.51.100.7',
        'CSeq: 1 ACK',
      ]);
    h.layer.handleInbound(inbound(ack(), udpFlow));
    h.layer.handleInbound(inbound(ack(), udpFlow));
    await flush();
    const sent = h.sentTo(A, 'ACK');
    expect(sent).toHaveLength(2);
    expect(sent[0]?.hasHeader('Route')).toBe(false);
    expect(sent[0]?.maxForwards).toBe(69);
    expect(sent[0]?.topVia?.params.get('branch')).toBe(sent[1]?.topVia?.params.get('branch'));
    h.layer.close();
  });

  it('forwards a stray 2xx to an INVITE statelessly without our Via; drops other strays (RFC 6026 §8.1)', async () => {
    const h = new Harness();
    const stray = (status: number): SipResponse =>
      parseResponse(
        [
          `SIP/2.0 ${status} OK`,
          'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsbgone.1',
          'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKalice1',
          'From: <sip:alice@example.com>;tag=a1',
          'To: <sip:bob@example.com>;tag=b1',
          'Call-ID: call-1@198.51.100.7',
          'CSeq: 1 INVITE',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    h.layer.handleInbound(inbound(stray(200), makeFlow('udp', '198.51.100.10', 5060)));
    h.layer.handleInbound(inbound(stray(486), makeFlow('udp', '198.51.100.10', 5060)));
    await flush();
    expect(h.upstream()).toEqual([200]);
    expect(h.sender.responses(200)[0]?.via.map((via) => via.host)).toEqual(['198.51.100.7']);
    h.layer.close();
  });
});
