/**
 * Third-party call control (RFC 3725 §4.1 Flow I) through the server's UA, as an engine drives
 * it (`ServiceHost.userAgent.thirdPartyCall`), between two SIPp phones: A gets an INVITE without
 * SDP and answers 200 with an offer; B gets an INVITE with A's offer and answers; A's ACK
 * carries B's answer (RFC 3261 §13.2.2.4, RFC 3264 §5). A BYE from one party reaches the other;
 * a busy B leaves A with an ACK declining its offer (RFC 3264 §6) and a BYE. On ISC with
 * `isc.originatingScscf`, both legs go to the S-CSCF with `orig` (TS 24.229 §5.7.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThirdPartyCallEnd, ThirdPartyCallLegs, UserAgentService } from '../../platform/services/index.js';
import { header, startSippUas } from '../integration/uac-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { bodyOf, tracedMessages, tracedTexts } from '../support/sipp.js';

describe('third-party call (RFC 3725 Flow I) between two SIPp phones', () => {
  let server: ProxyServer;
  let ua: UserAgentService;

  beforeAll(async () => {
    server = await startProxyServer({ domains: ['sb.test'] });
    ua = server.serviceHost.userAgent!;
  });
  afterAll(async () => {
    await server.stop();
  });

  async function call(aScenario: string, bScenario: string | undefined) {
    const aPort = await freePort();
    const bPort = await freePort();
    const a = await startSippUas({ scenario: aScenario, localPort: aPort, timeoutSeconds: 20 });
    const b = bScenario ? await startSippUas({ scenario: bScenario, localPort: bPort, timeoutSeconds: 20 }) : undefined;
    let onEnd: ThirdPartyCallEnd | undefined;
    let onEstablished: ThirdPartyCallLegs | undefined;
    const handle = ua.thirdPartyCall!(
      { a: `sip:alice@127.0.0.1:${aPort}`, b: `sip:bob@127.0.0.1:${bPort}`, from: '<sip:click2dial@sb.test>', bFrom: '<sip:alice@sb.test>' },
      { onEnd: (end) => (onEnd = end), onEstablished: (legs) => (onEstablished = legs) },
    );
    const [legs, end, aRun, bRun] = await Promise.all([handle.established, handle.ended, a.run, b?.run]);
    return { legs, end, aRun, bRun, onEnd: () => onEnd, onEstablished: () => onEstablished };
  }

  it("connects A and B: A's offer goes to B, B's answer comes back in A's ACK; B's BYE ends A", async () => {
    const { legs, end, aRun, bRun, onEnd, onEstablished } = await call('3pcc-a-offer-await-bye.xml', 'ua-uas-answer-hangup.xml');
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun!.exitCode, bRun!.errors || bRun!.stderr).toBe(0);
    expect(legs).toBeDefined();
    expect(onEstablished()).toBe(legs);
    expect(end).toEqual({ by: 'b', reason: 'remote-bye' });
    expect(onEnd()).toEqual(end);

    const inviteA = tracedTexts(aRun, 'received', 'INVITE')[0]!;
    const okA = tracedMessages(aRun.messages).find((m) => m.direction === 'sent' && m.text.startsWith('SIP/2.0 200'))!.text;
    const inviteB = tracedTexts(bRun!, 'received', 'INVITE')[0]!;
    const okB = tracedMessages(bRun!.messages).find((m) => m.direction === 'sent' && m.text.startsWith('SIP/2.0 200'))!.text;
    const acksA = tracedTexts(aRun, 'received', 'ACK');
    // (1) INVITE A without a session description.
    expect(header(inviteA, 'Content-Length')).toBe('0');
    expect(header(inviteA, 'From')).toMatch(/^<sip:click2dial@sb\.test>;tag=/u);
    // (3) INVITE B carries A's offer, in its own dialog.
    expect(header(inviteB, 'Content-Type')).toBe('application/sdp');
    expect(bodyOf(inviteB)).toBe(bodyOf(okA));
    expect(header(inviteB, 'Call-ID')).not.toBe(header(inviteA, 'Call-ID'));
    expect(header(inviteB, 'From')).toMatch(/^<sip:alice@sb\.test>;tag=/u);
    // (6) A's ACK carries B's answer, with the INVITE's CSeq number.
    expect(acksA.length).toBeGreaterThanOrEqual(1);
    expect(header(acksA[0]!, 'Content-Type')).toBe('application/sdp');
    expect(bodyOf(acksA[0]!)).toBe(bodyOf(okB));
    expect(bodyOf(acksA[0]!)).toMatch(/^o=user1 /mu);
    expect(header(acksA[0]!, 'CSeq')).toBe(`${header(inviteA, 'CSeq')!.split(' ')[0]} ACK`);
    // (5) B's ACK: no body (the offer was in the INVITE).
    expect(header(tracedTexts(bRun!, 'received', 'ACK')[0]!, 'Content-Length')).toBe('0');
    // B hung up: A got BYE in its dialog.
    const byeA = tracedTexts(aRun, 'received', 'BYE')[0]!;
    expect(header(byeA, 'Call-ID')).toBe(header(inviteA, 'Call-ID'));
  });

  it("ends B with BYE when A hangs up", async () => {
    const { legs, end, aRun, bRun } = await call('3pcc-a-offer-hangup.xml', 'uas-answer.xml');
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun!.exitCode, bRun!.errors || bRun!.stderr).toBe(0);
    expect(legs).toBeDefined();
    expect(end).toEqual({ by: 'a', reason: 'remote-bye' });
    expect(bodyOf(tracedTexts(aRun, 'received', 'ACK')[0]!)).toMatch(/^o=user1 /mu);
    expect(tracedTexts(bRun!, 'received', 'BYE')).toHaveLength(1);
  });

  it("relays A's re-INVITE (hold) to B and B's answer back (RFC 3725 continued processing, leg to leg)", async () => {
    const { legs, end, aRun, bRun } = await call('3pcc-a-offer-hold-hangup.xml', 'ua-uas-answer-reinvite.xml');
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun!.exitCode, bRun!.errors || bRun!.stderr).toBe(0);
    expect(legs).toBeDefined();
    expect(end).toEqual({ by: 'a', reason: 'remote-bye' });
    const [initial, hold] = tracedTexts(bRun!, 'received', 'INVITE');
    expect(bodyOf(hold!)).toMatch(/^a=sendonly$/mu);
    expect(header(hold!, 'Call-ID')).toBe(header(initial!, 'Call-ID'));
    const holdAnswer = tracedTexts(aRun, 'received', 'SIP/2.0 200').find((text) => /^CSeq: 1 INVITE/mu.test(text))!;
    expect(bodyOf(holdAnswer)).toMatch(/^a=recvonly$/mu);
    expect(tracedTexts(bRun!, 'received', 'BYE')).toHaveLength(1);
  });

  it('B busy: A is ACKed with an answer declining its offer, then gets BYE', async () => {
    const { legs, end, aRun, bRun } = await call('3pcc-a-offer-await-bye.xml', 'uas-486.xml');
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun!.exitCode, bRun!.errors || bRun!.stderr).toBe(0);
    expect(legs).toBeUndefined();
    expect(end).toEqual({ by: 'failure', leg: 'b', status: 486, reason: 'Busy Here' });
    const ack = tracedTexts(aRun, 'received', 'ACK')[0]!;
    expect(header(ack, 'Content-Type')).toBe('application/sdp');
    expect(bodyOf(ack)).toMatch(/^m=audio 0 RTP\/AVP 0 8$/mu);
    expect(tracedTexts(aRun, 'received', 'BYE')).toHaveLength(1);
  });

  it('terminate() while B rings: B is CANCELled, A is ACKed declining its offer and gets BYE', async () => {
    const aPort = await freePort();
    const bPort = await freePort();
    const a = await startSippUas({ scenario: '3pcc-a-offer-await-bye.xml', localPort: aPort, timeoutSeconds: 20 });
    const b = await startSippUas({ scenario: 'uas-ring-cancel.xml', localPort: bPort, timeoutSeconds: 20 });
    const handle = ua.thirdPartyCall!(
      { a: `sip:alice@127.0.0.1:${aPort}`, b: `sip:bob@127.0.0.1:${bPort}`, from: '<sip:click2dial@sb.test>' },
      { onProvisional: (leg, response) => void (leg === 'b' && response.status === 180 && handle.terminate()) },
    );
    const [legs, end, aRun, bRun] = await Promise.all([handle.established, handle.ended, a.run, b.run]);
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun.exitCode, bRun.errors || bRun.stderr).toBe(0);
    expect(legs).toBeUndefined();
    expect(end).toEqual({ by: 'local' });
    expect(tracedTexts(bRun, 'received', 'CANCEL')).toHaveLength(1);
    expect(bodyOf(tracedTexts(aRun, 'received', 'ACK')[0]!)).toMatch(/^m=audio 0 RTP\/AVP 0 8$/mu);
    expect(tracedTexts(aRun, 'received', 'BYE')).toHaveLength(1);
  });

  it('A busy: the call fails with A’s status and B is never called', async () => {
    const { legs, end, aRun } = await call('uas-486.xml', undefined);
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(legs).toBeUndefined();
    expect(end).toEqual({ by: 'failure', leg: 'a', status: 486, reason: 'Busy Here' });
  });
});

describe('third-party call from an AS on ISC', () => {
  it('sends both legs to the originating S-CSCF with `orig` and the asserted identity (TS 24.229 §5.7.3)', async () => {
    const scscfPort = await freePort();
    const server = await startProxyServer({ domains: ['as.test'], isc: { trustedScscf: ['127.0.0.1'], originatingScscf: `sip:127.0.0.1:${scscfPort}` } });
    try {
      // One SIPp plays the S-CSCF (and the phones behind it): two calls, each answered 200 + SDP.
      const scscf = await startSippUas({ scenario: 'uas-answer.xml', localPort: scscfPort, calls: 2, timeoutSeconds: 20 });
      const handle = server.serviceHost.userAgent!.thirdPartyCall!({
        a: 'sip:alice@ims.test',
        b: 'sip:bob@ims.test',
        from: '<sip:alice@ims.test>',
        headers: [{ name: 'P-Asserted-Identity', value: '<sip:alice@ims.test>' }],
      });
      expect(await handle.established).toBeDefined();
      await handle.terminate();
      expect(await handle.ended).toEqual({ by: 'local' });
      const run = await scscf.run;
      expect(run.exitCode, run.errors || run.stderr).toBe(0);
      const invites = tracedTexts(run, 'received', 'INVITE');
      expect(invites.map((text) => text.split(' ')[1])).toEqual(['sip:alice@ims.test', 'sip:bob@ims.test']);
      for (const invite of invites) {
        expect(header(invite, 'Route')).toBe(`<sip:127.0.0.1:${scscfPort};lr;orig>`);
        expect(header(invite, 'P-Asserted-Identity')).toBe('<sip:alice@ims.test>');
      }
      expect(header(invites[0]!, 'Content-Length')).toBe('0');
      expect(header(invites[1]!, 'Content-Type')).toBe('application/sdp');
      const acks = tracedTexts(run, 'received', 'ACK');
      const ackA = acks.find((text) => header(text, 'Call-ID') === header(invites[0]!, 'Call-ID'))!;
      expect(header(ackA, 'Content-Type')).toBe('application/sdp');
      expect(tracedTexts(run, 'received', 'BYE')).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });
});
