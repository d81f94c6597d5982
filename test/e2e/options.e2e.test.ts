/**
 * `switchboard start` with nothing else to do answers OPTIONS with 200 and its Allow list
 * (issue: SIP core, CLI). Real server process, real SIPp, UDP and TCP on loopback.
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
      expect(response).toMatch(/^Allow:.*\bOPTIONS\b/m);
      expect(response).toMatch(/^CSeq: 1 OPTIONS/m);
    });
  }

  it('answers an INVITE it cannot serve with 405 and the Allow list, over UDP', async () => {
    const run = await runSipp({
      builtin: 'uac',
      remote: `127.0.0.1:${server.sipPort}`,
      localPort: await freePort(),
    });
    // SIPp's built-in UAC expects 200; a 405 is an unexpected message, so the call fails…
    expect(run.exitCode).toBe(1);
    // …and what the server sent is a proper 405 with Allow, which SIPp ACKs.
    expect(run.messages).toMatch(/SIP\/2\.0 405 Method Not Allowed/);
    expect(run.messages).toMatch(/^Allow:.*\bOPTIONS\b/m);
  });
});
