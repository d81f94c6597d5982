/**
 * The AS as a user agent on ISC. Originating UA (§5.7.3): a request a service originates goes
 * to the configured S-CSCF with `orig`. Routeing B2BUA (TS 24.229 §5.7.5): SIPp plays the S-CSCF and sends an
 * initial INVITE with `Route: <AS;lr>, <S-CSCF ODI;lr>`; the served user's service answers it
 * as a B2BUA. Leg B — a new INVITE with its own Call-ID — goes back through the S-CSCF's ODI
 * Route (a second SIPp, standing in for the S-CSCF's continuation of the chain, answers it), with
 * P-Asserted-Identity and the charging vector carried over; leg B's answer reaches the caller and
 * the caller's BYE ends leg B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceEngine } from '../../platform/services/index.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { runSipp, tracedMessages } from '../support/sipp.js';
import { header, startSippUas } from '../integration/uac-support.js';

describe('ISC: the AS as a B2BUA', () => {
  let server: ProxyServer;
  const seen: string[] = [];
  const b2bua: ServiceEngine = {
    name: 'b2bua-on-isc',
    decide: (call) => {
      seen.push(`${call.direction}:${call.aor}`);
      return { kind: 'b2bua', target: `sip:${call.aor}` };
    },
  };

  beforeAll(async () => {
    server = await startProxyServer({ domains: ['as.test'], engines: [b2bua], isc: { trustedScscf: ['127.0.0.1'] } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('sends leg B back through the S-CSCF ODI Route with the asserted identity, and bridges the legs', async () => {
    const legBPort = await freePort();
    const odi = `<sip:odi_b2b1@127.0.0.1:${legBPort};lr>`;
    const legB = await startSippUas({ scenario: 'uas-answer.xml', localPort: legBPort, timeoutSeconds: 20 });
    const legA = await runSipp({
      scenario: 'isc-scscf-b2bua.xml',
      remote: `127.0.0.1:${server.port}`,
      localPort: await freePort(),
      timeoutSeconds: 20,
      extraArgs: ['-key', 'ruri', 'sip:bob@ims.test', '-key', 'caller', 'alice@ims.test', '-key', 'route', `<sip:127.0.0.1:${server.port};lr>, ${odi}`],
    });
    const b = await legB.run;
    expect(legA.exitCode, legA.errors || legA.stderr).toBe(0);
    expect(b.exitCode, b.errors || b.stderr).toBe(0);
    expect(seen).toEqual(['terminating:bob@ims.test']);

    const inviteA = tracedMessages(legA.messages).find((m) => m.direction === 'sent' && m.text.startsWith('INVITE'))!.text;
    const inviteB = tracedMessages(b.messages).find((m) => m.direction === 'received' && m.text.startsWith('INVITE'))!.text;
    expect(inviteB).toMatch(/^INVITE sip:bob@ims\.test SIP\/2\.0/);
    expect(header(inviteB, 'Route')).toBe(odi);
    expect(header(inviteB, 'Call-ID')).not.toBe(header(inviteA, 'Call-ID'));
    expect(header(inviteB, 'P-Asserted-Identity')).toBe('<sip:alice@ims.test>');
    expect(header(inviteB, 'P-Charging-Vector')).toBe(header(inviteA, 'P-Charging-Vector'));
    expect(inviteB).toMatch(/m=audio \d+ RTP\/AVP 0/);
    // The caller's BYE (to the AS's Contact) ended leg B.
    expect(tracedMessages(b.messages).some((m) => m.direction === 'received' && m.text.startsWith('BYE'))).toBe(true);
  });
});

describe('ISC: the AS as an originating UA', () => {
  it('sends a request a service originates to the configured S-CSCF with `orig` (TS 24.229 §5.7.3)', async () => {
    const scscfPort = await freePort();
    const server = await startProxyServer({ domains: ['as.test'], isc: { trustedScscf: ['127.0.0.1'], originatingScscf: `sip:127.0.0.1:${scscfPort}` } });
    try {
      const scscf = await startSippUas({ scenario: 'ua-uas-message.xml', localPort: scscfPort, timeoutSeconds: 15 });
      const handle = server.serviceHost.userAgent!.sendRequest({
        method: 'MESSAGE',
        uri: 'sip:bob@ims.test',
        from: '<sip:alice@ims.test>',
        body: { contentType: 'text/plain', content: 'wake up' },
      });
      expect((await handle.final).status).toBe(200);
      const run = await scscf.run;
      expect(run.exitCode, run.errors || run.stderr).toBe(0);
      const message = tracedMessages(run.messages).find((m) => m.direction === 'received' && m.text.startsWith('MESSAGE'))!.text;
      expect(message).toMatch(/^MESSAGE sip:bob@ims\.test SIP\/2\.0/);
      expect(header(message, 'Route')).toBe(`<sip:127.0.0.1:${scscfPort};lr;orig>`);
    } finally {
      await server.stop();
    }
  });
});
