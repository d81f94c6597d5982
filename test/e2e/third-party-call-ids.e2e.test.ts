/**
 * Third-party call control (RFC 3725 §4.1 Flow I) with Call-IDs chosen by the engine
 * (`ThirdPartyCallSpec.aCallId`/`bCallId`, so that a per-app trace knows both calls before the
 * first INVITE goes): each leg's INVITE, ACK and BYE carry the Call-ID given for it
 * (RFC 3261 §8.1.1.4, §12.2.1.1). One Call-ID for both legs is refused: they are two dialogs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserAgentService } from '../../platform/services/index.js';
import { generateCallId } from '../../platform/sip/index.js';
import { header, startSippUas } from '../integration/uac-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { tracedMessages, type SippRun } from '../support/sipp.js';

const callIdsOf = (run: SippRun, method: string): string[] =>
  tracedMessages(run.messages)
    .filter((m) => m.direction === 'received' && m.text.startsWith(`${method} `))
    .map((m) => header(m.text, 'Call-ID') ?? '');

describe('third-party call with the Call-IDs the engine chose', () => {
  let server: ProxyServer;
  let ua: UserAgentService;

  beforeAll(async () => {
    server = await startProxyServer({ domains: ['sb.test'] });
    ua = server.serviceHost.userAgent!;
  });
  afterAll(async () => {
    await server.stop();
  });

  it("sends each leg's requests with its given Call-ID", async () => {
    const aPort = await freePort();
    const bPort = await freePort();
    const a = await startSippUas({ scenario: '3pcc-a-offer-await-bye.xml', localPort: aPort, timeoutSeconds: 20 });
    const b = await startSippUas({ scenario: 'ua-uas-answer-hangup.xml', localPort: bPort, timeoutSeconds: 20 });
    const aCallId = generateCallId();
    const bCallId = generateCallId();
    const handle = ua.thirdPartyCall!({ a: `sip:alice@127.0.0.1:${aPort}`, b: `sip:bob@127.0.0.1:${bPort}`, from: '<sip:click2dial@sb.test>', aCallId, bCallId });
    const [legs, end, aRun, bRun] = await Promise.all([handle.established, handle.ended, a.run, b.run]);
    expect(aRun.exitCode, aRun.errors || aRun.stderr).toBe(0);
    expect(bRun.exitCode, bRun.errors || bRun.stderr).toBe(0);
    expect(end).toEqual({ by: 'b', reason: 'remote-bye' });
    expect([legs?.a.callId, legs?.b.callId]).toEqual([aCallId, bCallId]);
    expect([...callIdsOf(aRun, 'INVITE'), ...callIdsOf(aRun, 'ACK'), ...callIdsOf(aRun, 'BYE')]).toEqual([aCallId, aCallId, aCallId]);
    expect([...new Set([...callIdsOf(bRun, 'INVITE'), ...callIdsOf(bRun, 'ACK')])]).toEqual([bCallId]);
  });

  it('refuses one Call-ID for both legs before anything is sent', () => {
    const callId = generateCallId();
    expect(() => ua.thirdPartyCall!({ a: 'sip:alice@127.0.0.1:9', b: 'sip:bob@127.0.0.1:9', from: '<sip:c2d@sb.test>', aCallId: callId, bCallId: callId })).toThrow(
      'the two legs of a third-party call need different Call-IDs',
    );
  });
});
