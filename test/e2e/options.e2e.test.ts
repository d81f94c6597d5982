/**
 * `switchboard start` with its default configuration answers OPTIONS sent to itself with 200 and
 * its Allow list (issue: SIP core, CLI), and proxies requests for users: an INVITE for a user
 * that does not exist gets 404 from the location service. Real server process, real SIPp, UDP
 * and TCP on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { startServer, type RunningServer } from '../support/server-process.js';
import { runSipp, tracedMessages } from '../support/sipp.js';

describe('switchboard start answers OPTIONS', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`returns 200 with Allow over ${transport.toUpperCase()}`, async () => {
      const run = await runSipp({
        scenario: 'options-uac.xml',
        remote: `127.0.0.1:${server.sipPort}`,
        transport,
        localPort: await freePort(),
      });
      expect(run.exitCode, run.errors || run.stderr).toBe(0);
      const response = tracedMessages(run.messages).find((m) => m.direction === 'received')?.text;
      expect(response).toMatch(/^SIP\/2\.0 200 OK/);
      expect(response).toBeDefined();
      expect(response).toMatch(/^Allow: OPTIONS, REGISTER, ACK, CANCEL$/m);
      expect(response).toMatch(/^CSeq: 1 OPTIONS/m);
    });
  }

  it('answers an INVITE for a user it does not know with 404, over UDP', async () => {
    // SIPp's built-in UAC calls sip:service@<server address>: our address stands for our first
    // domain, `service@localhost` is no user here (§16.5 location service → 404).
    const run = await runSipp({
      builtin: 'uac',
      remote: `127.0.0.1:${server.sipPort}`,
      localPort: await freePort(),
    });
    // SIPp's built-in UAC expects 200; a 404 is an unexpected message, so the call fails…
    expect(run.exitCode).toBe(1);
    // …and what the server sent is a proper 404, which SIPp ACKs (the ACK ends the transaction).
    expect(run.messages).toMatch(/SIP\/2\.0 404 Not Found/);
    expect(run.messages).toMatch(/^ACK sip:service@/m);
  });
});
