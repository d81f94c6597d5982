/**
 * The B2BUA helper between two SIPp peers (RFC 3261 §12, §13, §15): SIPp's UAC calls a small
 * UA whose only logic is `startB2bua(core, invite, { target })` toward a SIPp UAS. Both legs
 * get established with their own Call-ID, tags, CSeq spaces and our Contact; a BYE on one leg
 * ends the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startB2bua, type B2buaEnd, type B2buaSession } from '../../platform/endpoint/user-agent-b2bua.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import { freePort } from '../support/ports.js';
import { until } from '../support/until.js';
import { runSipp, tracedMessages, type SippRun } from '../support/sipp.js';
import { header, startSippUas, startUserAgent, tagIn, type TestUserAgent } from './uac-support.js';

describe('B2BUA helper: SIPp UAC → B2BUA → SIPp UAS', () => {
  let ua: TestUserAgent;
  let target = '';
  const sessions: B2buaSession[] = [];
  beforeAll(async () => {
    ua = await startUserAgent((request, transaction) => {
      if (request.method !== 'INVITE') throw new Error(`unexpected ${request.method}`);
      sessions.push(startB2bua(ua.core, transaction as InviteServerTransaction, { target }));
    });
  });
  afterAll(async () => {
    await ua.stop();
  });

  async function call(legA: string, legB: string): Promise<{ a: SippRun; b: SippRun; end: B2buaEnd }> {
    const bPort = await freePort();
    target = `sip:bob@127.0.0.1:${bPort}`;
    const b = await startSippUas({ scenario: legB, localPort: bPort, timeoutSeconds: 20 });
    const before = sessions.length;
    const a = await runSipp({
      scenario: legA,
      remote: `127.0.0.1:${ua.port}`,
      localPort: await freePort(),
      extraArgs: ['-key', 'callee', 'bob', '-key', 'domain', 'sb.test'],
      timeoutSeconds: 20,
    });
    const session = sessions[before]!;
    const [bRun, end] = await Promise.all([b.run, session.ended]);
    return { a, b: bRun, end };
  }

  function legs(a: SippRun, b: SippRun) {
    const aSent = tracedMessages(a.messages).filter((m) => m.direction === 'sent').map((m) => m.text);
    const aReceived = tracedMessages(a.messages).filter((m) => m.direction === 'received').map((m) => m.text);
    const bReceived = tracedMessages(b.messages).filter((m) => m.direction === 'received').map((m) => m.text);
    const bSent = tracedMessages(b.messages).filter((m) => m.direction === 'sent').map((m) => m.text);
    return { aSent, aReceived, bReceived, bSent };
  }

  it('bridges the call and ends leg B when the caller hangs up', async () => {
    const { a, b, end } = await call('ua-uac-call-hangup.xml', 'uas-answer.xml');
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(end).toEqual({ by: 'a', reason: 'remote-bye' });
    const { aSent, aReceived, bReceived, bSent } = legs(a, b);
    const inviteA = aSent.find((text) => text.startsWith('INVITE'))!;
    const inviteB = bReceived.find((text) => text.startsWith('INVITE'))!;
    // Two dialogs: different Call-IDs and From tags; B's INVITE goes to the target with A's body.
    expect(inviteB).toMatch(new RegExp(`^INVITE ${target.replace(/\./g, '\\.')} SIP/2\\.0`));
    expect(header(inviteB, 'Call-ID')).not.toBe(header(inviteA, 'Call-ID'));
    expect(tagIn(header(inviteB, 'From'))).not.toBe(tagIn(header(inviteA, 'From')));
    expect(header(inviteB, 'From')).toMatch(/^<sip:caller@outside\.test>;tag=/);
    expect(header(inviteB, 'To')).toBe('<sip:bob@sb.test>');
    expect(header(inviteB, 'CSeq')).toBe('1 INVITE');
    expect(header(inviteB, 'Max-Forwards')).toBe('69'); // RFC 7332 §3: the caller's 70, minus one
    expect(header(inviteB, 'Contact')).toBe(`<sip:switchboard@127.0.0.1:${ua.port}>`);
    expect(inviteB).toMatch(/m=audio \d+ RTP\/AVP 0/);
    // Leg A: 180 and 200 relayed with one To tag of ours and our Contact; B's SDP answer in the 200.
    const ringing = aReceived.find((text) => text.startsWith('SIP/2.0 180'))!;
    const ok = aReceived.find((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 1 INVITE/m.test(text))!;
    const aTag = tagIn(header(ok, 'To'));
    expect(aTag).toBeTruthy();
    expect(tagIn(header(ringing, 'To'))).toBe(aTag);
    expect(aTag).not.toBe(tagIn(header(bSent.find((text) => text.startsWith('SIP/2.0 200'))!, 'To')));
    expect(header(ok, 'Contact')).toBe(`<sip:switchboard@127.0.0.1:${ua.port}>`);
    expect(header(ok, 'Call-ID')).toBe(header(inviteA, 'Call-ID'));
    expect(ok).toMatch(/^Content-Type: application\/sdp/m);
    // Leg B: our ACK for B's 2xx, then our BYE (new CSeq) after A's BYE.
    const ackB = bReceived.find((text) => text.startsWith('ACK'))!;
    const byeB = bReceived.find((text) => text.startsWith('BYE'))!;
    expect(header(ackB, 'CSeq')).toBe('1 ACK');
    expect(header(byeB, 'CSeq')).toBe('2 BYE');
    expect(header(byeB, 'Call-ID')).toBe(header(inviteB, 'Call-ID'));
    expect(tagIn(header(byeB, 'From'))).toBe(tagIn(header(inviteB, 'From')));
    // A got the 200 for its BYE.
    expect(aReceived.some((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 2 BYE/m.test(text))).toBe(true);
    // Both dialogs end; leg B's once B's 200 for our BYE is read, which SIPp may send just
    // before it exits (on a loaded machine that datagram can still be in the socket here).
    await until(() => ua.core.dialogs.size === 0);
    expect(ua.core.dialogs.size).toBe(0);
  });

  it('ends leg A with BYE when the callee hangs up', async () => {
    const { a, b, end } = await call('ua-uac-call-await-bye.xml', 'ua-uas-answer-hangup.xml');
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(end).toEqual({ by: 'b', reason: 'remote-bye' });
    const { aSent, aReceived, bReceived } = legs(a, b);
    const inviteA = aSent.find((text) => text.startsWith('INVITE'))!;
    const okA = aReceived.find((text) => text.startsWith('SIP/2.0 200'))!;
    const byeA = aReceived.find((text) => text.startsWith('BYE'))!;
    // Our BYE on leg A: to A's Contact, A's Call-ID, our tag as From, A's tag as To, our first CSeq.
    expect(byeA).toMatch(/^BYE sip:caller@127\.0\.0\.1:\d+;transport=UDP SIP\/2\.0/);
    expect(header(byeA, 'Call-ID')).toBe(header(inviteA, 'Call-ID'));
    expect(tagIn(header(byeA, 'From'))).toBe(tagIn(header(okA, 'To')));
    expect(tagIn(header(byeA, 'To'))).toBe(tagIn(header(inviteA, 'From')));
    expect(header(byeA, 'CSeq')).toMatch(/^\d+ BYE$/);
    // B's BYE was answered 200 by the core.
    const byeB = bReceived.find((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 1 BYE/m.test(text));
    expect(byeB).toBeDefined();
    expect(ua.core.dialogs.size).toBe(0);
  });

  it('cancels leg B when the caller cancels: 200 to the CANCEL, 487 to the caller', async () => {
    const { a, b, end } = await call('uac-cancel.xml', 'uas-ring-cancel.xml');
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(end).toEqual({ by: 'cancel' });
    const { aReceived, bReceived } = legs(a, b);
    const inviteB = bReceived.find((text) => text.startsWith('INVITE'))!;
    const cancelB = bReceived.find((text) => text.startsWith('CANCEL'))!;
    expect(header(cancelB, 'Via')).toBe(header(inviteB, 'Via'));
    expect(header(cancelB, 'CSeq')).toBe('1 CANCEL');
    expect(bReceived.some((text) => text.startsWith('ACK'))).toBe(true); // for B's 487, by the INVITE transaction
    const ringing = aReceived.find((text) => text.startsWith('SIP/2.0 180'))!;
    const terminated = aReceived.find((text) => text.startsWith('SIP/2.0 487'))!;
    expect(aReceived.some((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 1 CANCEL/m.test(text))).toBe(true);
    expect(tagIn(header(terminated, 'To'))).toBe(tagIn(header(ringing, 'To')));
    expect(ua.core.dialogs.size).toBe(0);
  });

  it('relays INFO leg to leg (bodies both ways) and refuses an out-of-order CSeq with 500', async () => {
    const { a, b, end } = await call('ua-uac-call-info.xml', 'ua-uas-answer-info.xml');
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(end).toEqual({ by: 'a', reason: 'remote-bye' });
    const { bReceived } = legs(a, b);
    const inviteB = bReceived.find((text) => text.startsWith('INVITE'))!;
    const infos = bReceived.filter((text) => text.startsWith('INFO'));
    expect(infos).toHaveLength(1); // the stale INFO stopped at the B2BUA
    expect(header(infos[0]!, 'CSeq')).toBe('2 INFO'); // leg B's own CSeq space: INVITE 1, INFO 2
    expect(header(infos[0]!, 'Call-ID')).toBe(header(inviteB, 'Call-ID'));
    expect(header(bReceived.find((text) => text.startsWith('BYE'))!, 'CSeq')).toBe('3 BYE');
  });

  it('relays a re-INVITE: offer to B, B ACKed by us, B answer to A, A ACK absorbed', async () => {
    const { a, b, end } = await call('ua-uac-call-reinvite.xml', 'ua-uas-answer-reinvite.xml');
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(end).toEqual({ by: 'a', reason: 'remote-bye' });
    const { aReceived, bReceived } = legs(a, b);
    const invites = bReceived.filter((text) => text.startsWith('INVITE'));
    expect(invites.map((text) => header(text, 'CSeq'))).toEqual(['1 INVITE', '2 INVITE']);
    expect(header(invites[1]!, 'Contact')).toBe(`<sip:switchboard@127.0.0.1:${ua.port}>`);
    expect(tagIn(header(invites[1]!, 'To'))).toBeTruthy();
    const acks = bReceived.filter((text) => text.startsWith('ACK'));
    expect(new Set(acks.map((text) => header(text, 'CSeq')))).toEqual(new Set(['1 ACK', '2 ACK']));
    const reOk = aReceived.find((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 2 INVITE/m.test(text))!;
    expect(header(reOk, 'Contact')).toBe(`<sip:switchboard@127.0.0.1:${ua.port}>`);
    expect(reOk).toMatch(/a=recvonly/);
  });
});
