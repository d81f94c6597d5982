/**
 * The engines' UA surface (platform/services/user-agent.ts) over the core, against SIPp:
 * `sendRequest` gives plain ServiceResponses (a local 503 for a target we cannot resolve), and
 * a `b2bua` decision is carried out with onLegs / terminate(), onOutcome on a busy callee, and
 * onEnd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carryOutB2bua, createUserAgentService } from '../../platform/endpoint/user-agent-service.js';
import type { Decision } from '../../platform/services/decision.js';
import type { B2buaDecision, B2buaEnd, B2buaLegs, UserAgentService } from '../../platform/services/user-agent.js';
import type { InviteServerTransaction } from '../../platform/transaction/invite-server-transaction.js';
import { freePort } from '../support/ports.js';
import { runSipp, tracedMessages } from '../support/sipp.js';
import { delay, header, startSippUas, startUserAgent, type TestUserAgent } from './uac-support.js';

describe('UserAgentService and b2bua decisions', () => {
  let ua: TestUserAgent;
  let service: UserAgentService;
  let decide: () => B2buaDecision = () => {
    throw new Error('no decision set');
  };
  const carriedOut: Decision[] = [];
  beforeAll(async () => {
    ua = await startUserAgent((_request, transaction) => {
      const session = carryOutB2bua(ua.core, transaction as InviteServerTransaction, decide(), async (next) => {
        carriedOut.push(next);
        if (next.kind === 'reject') session.answerCaller(next.status, next.reason);
      });
    });
    service = createUserAgentService(ua.core);
  });
  afterAll(async () => {
    await ua.stop();
  });

  it('sends a MESSAGE and hands back plain data', async () => {
    const sippPort = await freePort();
    const sipp = await startSippUas({ scenario: 'ua-uas-message.xml', localPort: sippPort });
    const provisional: number[] = [];
    const handle = service.sendRequest(
      { method: 'MESSAGE', uri: `sip:bob@127.0.0.1:${sippPort}`, from: 'sip:notify@sb.test', body: { contentType: 'text/plain', content: 'hi' } },
      { onProvisional: (response) => provisional.push(response.status) },
    );
    const final = await handle.final;
    expect(final.status).toBe(200);
    expect(final.locallyGenerated).toBeUndefined();
    expect(final.headers.find((field) => field.name === 'CSeq')?.value).toBe('1 MESSAGE');
    expect(await handle.dialog()).toBeUndefined();
    expect((await sipp.run).exitCode).toBe(0);
  });

  it('answers a local 503 when the target needs DNS', async () => {
    const handle = service.sendRequest({ method: 'OPTIONS', uri: 'sip:bob@unresolvable.invalid', from: 'sip:notify@sb.test' });
    const final = await handle.final;
    expect(final.status).toBe(503);
    expect(final.locallyGenerated).toBe(true);
  });

  it('bridges a call and terminate() hangs up both legs', async () => {
    const bPort = await freePort();
    let legs: B2buaLegs | undefined;
    const ended = new Promise<B2buaEnd>((resolve) => {
      decide = () => ({
        kind: 'b2bua',
        target: `sip:bob@127.0.0.1:${bPort}`,
        onLegs: (both, control) => {
          legs = both;
          setTimeout(() => void control.terminate(), 300);
        },
        onEnd: resolve,
      });
    });
    const b = await startSippUas({ scenario: 'uas-answer.xml', localPort: bPort });
    const a = await runSipp({
      scenario: 'ua-uac-call-await-bye.xml',
      remote: `127.0.0.1:${ua.port}`,
      localPort: await freePort(),
      extraArgs: ['-key', 'callee', 'bob', '-key', 'domain', 'sb.test'],
    });
    const bRun = await b.run;
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(bRun.exitCode, bRun.errors || bRun.stderr).toBe(0);
    expect(await ended).toEqual({ by: 'local' });
    expect(legs?.a.callId).not.toBe(legs?.b.callId);
    expect(legs?.a.state).toBe('terminated');
    expect(legs?.b.state).toBe('terminated');
    const aInvite = tracedMessages(a.messages).find((m) => m.direction === 'sent' && m.text.startsWith('INVITE'))!.text;
    expect(legs?.a.callId).toBe(header(aInvite, 'Call-ID'));
    expect(tracedMessages(a.messages).some((m) => m.direction === 'received' && m.text.startsWith('BYE'))).toBe(true);
    expect(tracedMessages(bRun.messages).some((m) => m.direction === 'received' && m.text.startsWith('BYE'))).toBe(true);
  });

  it('asks onOutcome when leg B fails and carries out its decision', async () => {
    const bPort = await freePort();
    const outcomes: string[] = [];
    let ended: B2buaEnd | undefined;
    decide = () => ({
      kind: 'b2bua',
      target: `sip:bob@127.0.0.1:${bPort}`,
      onOutcome: (outcome) => {
        outcomes.push(`${outcome.kind} ${outcome.status}`);
        return { kind: 'reject', status: 480, reason: 'Temporarily Unavailable' };
      },
      onEnd: (end) => (ended = end),
    });
    const b = await startSippUas({ scenario: 'uas-486.xml', localPort: bPort });
    const a = await runSipp({
      scenario: 'uac-expect-480.xml',
      remote: `127.0.0.1:${ua.port}`,
      localPort: await freePort(),
      extraArgs: ['-key', 'callee', 'bob', '-key', 'domain', 'sb.test'],
    });
    const bRun = await b.run;
    expect(a.exitCode, a.errors || a.stderr).toBe(0);
    expect(bRun.exitCode, bRun.errors || bRun.stderr).toBe(0);
    expect(outcomes).toEqual(['busy 486']);
    expect(carriedOut.at(-1)).toEqual({ kind: 'reject', status: 480, reason: 'Temporarily Unavailable' });
    await delay(10);
    expect(ended).toEqual({ by: 'failure', status: 486 });
  });
});
