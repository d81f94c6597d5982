/**
 * INVITE/180/200/ACK/BYE/200 between SIPp's built-in UAC and a UAS built on our core, over UDP
 * and TCP: the transport frames and routes, the INVITE server transaction sends 180 and 200,
 * the 2xx ACK reaches the TU outside the transaction, and the BYE gets its own transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { runSipp, tracedMessages } from '../support/sipp.js';
import { TestUas } from '../support/test-uas.js';

describe('SIPp UAC calls a UAS built on the core', () => {
  let uas: TestUas;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    uas = new TestUas(port);
    await uas.start();
  });
  afterAll(async () => {
    await uas.stop();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`completes INVITE/ACK/BYE over ${transport.toUpperCase()}`, async () => {
      const before = uas.events.length;
      const run = await runSipp({ builtin: 'uac', remote: `127.0.0.1:${port}`, transport, localPort: await freePort(), calls: 3, rate: 10 });
      expect(run.exitCode, run.errors || run.stderr).toBe(0);
      const seen = uas.events.slice(before);
      const calls = new Set(seen.map((event) => event.callId));
      expect(calls.size).toBe(3);
      for (const callId of calls) {
        expect(seen.filter((event) => event.callId === callId).map((event) => event.method)).toEqual(['INVITE', 'ACK', 'BYE']);
      }
      expect(seen.every((event) => event.protocol === transport)).toBe(true);
      // The ladder SIPp recorded: 180 and 200 with SDP for each INVITE, 200 for each BYE.
      const received = tracedMessages(run.messages).filter((m) => m.direction === 'received').map((m) => m.text);
      expect(received.filter((text) => text.startsWith('SIP/2.0 180 Ringing'))).toHaveLength(3);
      const invite200 = received.filter((text) => text.startsWith('SIP/2.0 200') && /^CSeq: 1 INVITE/m.test(text));
      expect(invite200).toHaveLength(3);
      for (const ok of invite200) {
        expect(ok).toMatch(/^Content-Type: application\/sdp/m);
        expect(ok).toMatch(/^Contact: <sip:uas@127\.0\.0\.1:\d+;transport=/m);
      }
      expect(received.filter((text) => text.startsWith('SIP/2.0 200') && /^CSeq: \d+ BYE/m.test(text))).toHaveLength(3);
    });
  }
});
