/**
 * The UA core as a UAC against SIPp (RFC 3261 §8.1, §13, §15, §9): MESSAGE → 200; INVITE →
 * 180, 200, our ACK, our BYE → 200; the callee hangs up and our dialog listener fires; CANCEL
 * while ringing → 487 and the transaction's ACK. Assertions use SIPp's own message trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialogEndReason, UaDialog } from '../../platform/endpoint/user-agent-dialog.js';
import type { SipResponse } from '../../platform/sip/index.js';
import { freePort } from '../support/ports.js';
import { tracedMessages } from '../support/sipp.js';
import { header, startSippUas, startUserAgent, tagIn, type TestUserAgent } from './uac-support.js';

const SDP = ['v=0', 'o=sb 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

describe('UA core as UAC toward SIPp', () => {
  let ua: TestUserAgent;
  beforeAll(async () => {
    ua = await startUserAgent();
  });
  afterAll(async () => {
    await ua.stop();
  });

  it('sends a MESSAGE and gets 200', async () => {
    const sippPort = await freePort();
    const sipp = await startSippUas({ scenario: 'ua-uas-message.xml', localPort: sippPort });
    const uac = ua.core.sendRequest({
      method: 'MESSAGE',
      uri: `sip:bob@127.0.0.1:${sippPort}`,
      from: '"Switchboard" <sip:notifier@sb.test>',
      body: { contentType: 'text/plain', content: 'you missed a call' },
    });
    const final = await uac.final;
    const run = await sipp.run;
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    expect(final.status).toBe(200);
    const [message] = tracedMessages(run.messages).filter((m) => m.direction === 'received');
    expect(message?.text).toMatch(/^MESSAGE sip:bob@127\.0\.0\.1:\d+ SIP\/2\.0/);
    expect(header(message!.text, 'CSeq')).toBe('1 MESSAGE');
    expect(tagIn(header(message!.text, 'From'))).toBeTruthy();
    expect(tagIn(header(message!.text, 'To'))).toBeUndefined();
    expect(header(message!.text, 'Max-Forwards')).toBe('70');
    expect(header(message!.text, 'Via')).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:\d+;branch=z9hG4bK\w+;rport/);
    expect(message!.text).toMatch(/you missed a call$/);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`places a call over ${transport.toUpperCase()}: 180, 200, ACK for the 2xx, then BYE → 200`, async () => {
      const sippPort = await freePort();
      const sipp = await startSippUas({ scenario: 'uas-answer.xml', localPort: sippPort, transport });
      const provisional: number[] = [];
      const uac = ua.core.sendRequest(
        { method: 'INVITE', uri: `sip:bob@127.0.0.1:${sippPort}${transport === 'tcp' ? ';transport=tcp' : ''}`, from: '<sip:alice@sb.test>', body: { contentType: 'application/sdp', content: SDP } },
        { onProvisional: (response) => provisional.push(response.status) },
      );
      const final = await uac.final;
      expect(final.status).toBe(200);
      expect(provisional).toContain(180);
      const dialog = uac.dialog!;
      expect(dialog.state).toBe('confirmed');
      expect(ua.core.dialogs.get(dialog.id)).toBe(dialog);
      const bye = await dialog.bye();
      expect(bye?.status).toBe(200);
      expect(ua.core.dialogs.has(dialog.id)).toBe(false);

      const run = await sipp.run;
      expect(run.exitCode, run.errors || run.stderr).toBe(0);
      const received = tracedMessages(run.messages).filter((m) => m.direction === 'received').map((m) => m.text);
      const invite = received.find((text) => text.startsWith('INVITE'))!;
      const ack = received.find((text) => text.startsWith('ACK'))!;
      const byeText = received.find((text) => text.startsWith('BYE'))!;
      // §13.2.2.4: the ACK goes to the remote target (SIPp's Contact), same CSeq number, To tag.
      expect(ack).toMatch(new RegExp(`^ACK sip:127\\.0\\.0\\.1:${sippPort};transport=${transport.toUpperCase()} SIP/2\\.0`));
      expect(header(ack, 'CSeq')).toBe(`${header(invite, 'CSeq')!.split(' ')[0]} ACK`);
      const sent = tracedMessages(run.messages).filter((m) => m.direction === 'sent').map((m) => m.text);
      const ok = sent.find((text) => text.startsWith('SIP/2.0 200') && /^CSeq: \d+ INVITE/m.test(text))!;
      expect(tagIn(header(ack, 'To'))).toBe(tagIn(header(ok, 'To')));
      expect(tagIn(header(ack, 'From'))).toBe(tagIn(header(invite, 'From')));
      expect(header(ack, 'Call-ID')).toBe(header(invite, 'Call-ID'));
      expect(header(ack, 'Via')).not.toBe(header(invite, 'Via')); // its own transaction: new branch
      // §12.2.1.1: BYE in the dialog: remote target, local CSeq + 1, same Call-ID and tags.
      expect(byeText).toMatch(new RegExp(`^BYE sip:127\\.0\\.0\\.1:${sippPort};transport=${transport.toUpperCase()} SIP/2\\.0`));
      expect(header(byeText, 'CSeq')).toBe(`${Number(header(invite, 'CSeq')!.split(' ')[0]) + 1} BYE`);
      expect(header(byeText, 'Call-ID')).toBe(header(invite, 'Call-ID'));
      expect(tagIn(header(byeText, 'From'))).toBe(tagIn(header(invite, 'From')));
      expect(tagIn(header(byeText, 'To'))).toBe(tagIn(header(ack, 'To')));
      expect(header(invite, 'Contact')).toBe(`<sip:switchboard@127.0.0.1:${ua.port}${transport === 'tcp' ? ';transport=tcp' : ''}>`);
      expect(header(byeText, 'Via')).toMatch(new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} `));
      // Each 200 SIPp sent (first and retransmissions) got an ACK, all the same request (one branch).
      const acks = received.filter((text) => text.startsWith('ACK'));
      const oks = sent.filter((text) => text.startsWith('SIP/2.0 200') && /^CSeq: \d+ INVITE/m.test(text));
      expect(acks.length).toBeGreaterThanOrEqual(1);
      expect(acks.length).toBeLessThanOrEqual(oks.length);
      expect(new Set(acks.map((text) => header(text, 'Via'))).size).toBe(1);
    });
  }

  it('hears the callee hang up: BYE from SIPp → 200 and the dialog listener fires', async () => {
    const sippPort = await freePort();
    const sipp = await startSippUas({ scenario: 'ua-uas-answer-hangup.xml', localPort: sippPort });
    const uac = ua.core.sendRequest({ method: 'INVITE', uri: `sip:bob@127.0.0.1:${sippPort}`, from: '<sip:alice@sb.test>', body: { contentType: 'application/sdp', content: SDP } });
    const final = await uac.final;
    expect(final.status).toBe(200);
    const dialog = uac.dialog as UaDialog;
    const ended = await new Promise<DialogEndReason>((resolve) => dialog.onEnd(resolve));
    expect(ended).toBe('remote-bye');
    expect(ua.core.dialogs.has(dialog.id)).toBe(false);
    const run = await sipp.run;
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const received = tracedMessages(run.messages).filter((m) => m.direction === 'received').map((m) => m.text);
    const okToBye = received.find((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 1 BYE/m.test(text));
    expect(okToBye).toBeDefined();
    // The 200 to the BYE carries the dialog's tags the other way round (§12.2.2 / §8.2.6).
    expect(tagIn(header(okToBye!, 'To'))).toBe(tagIn(header(final.toString(), 'From')));
  });

  it('cancels while ringing: CANCEL after the 180, 487, ACK from the INVITE transaction', async () => {
    const sippPort = await freePort();
    const sipp = await startSippUas({ scenario: 'uas-ring-cancel.xml', localPort: sippPort });
    const uac = ua.core.sendRequest(
      { method: 'INVITE', uri: `sip:bob@127.0.0.1:${sippPort}`, from: '<sip:alice@sb.test>', body: { contentType: 'application/sdp', content: SDP } },
      { onProvisional: (response: SipResponse) => response.status === 180 && uac.cancel() },
    );
    const final = await uac.final;
    expect(final.status).toBe(487);
    expect(uac.dialog).toBeUndefined();
    const run = await sipp.run;
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const received = tracedMessages(run.messages).filter((m) => m.direction === 'received').map((m) => m.text);
    const invite = received.find((text) => text.startsWith('INVITE'))!;
    const cancel = received.find((text) => text.startsWith('CANCEL'))!;
    const ack = received.find((text) => text.startsWith('ACK'))!;
    // §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via (branch) as the INVITE.
    expect(cancel.split('\n')[0]).toBe(invite.split('\n')[0]!.replace('INVITE', 'CANCEL'));
    expect(header(cancel, 'Via')).toBe(header(invite, 'Via'));
    expect(header(cancel, 'CSeq')).toBe(`${header(invite, 'CSeq')!.split(' ')[0]} CANCEL`);
    // §17.1.1.3: the ACK for the 487 belongs to the INVITE transaction (same branch).
    expect(header(ack, 'Via')).toBe(header(invite, 'Via'));
    expect(tagIn(header(ack, 'To'))).toMatch(/SIPpTag01/);
  });
});
