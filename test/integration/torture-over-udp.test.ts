/**
 * RFC 4475 / RFC 5118 torture messages sent over real UDP to a running `switchboard start` with
 * its default configuration: a registrar and authenticating proxy for domain `localhost` only.
 * Each message gets the answer the RFC asks of such an element, or none where the RFC says to
 * drop it, and the server keeps serving afterwards.
 *
 * What decides the answer, in the order the server applies it:
 *  - the message layer: unparseable requests → 400 naming the fault, a wrong version → 505,
 *    a CSeq method that differs from the request's → 400/501 (RFC 4475 §3.1.2); bad responses
 *    and responses to no transaction are dropped;
 *  - the proxy checks of §16.3 for requests to users: Request-URI scheme (416), Max-Forwards 0
 *    (483, RFC 4475 §3.3.5 zeromf: "a proxy should not forward the request and should respond
 *    483"), Proxy-Require (420, §3.3.4 bext01);
 *  - policy: every torture message is for a domain this server does not serve (example.com,
 *    IPv6 documentation addresses…). A REGISTER for another domain is refused 403 (§10.3 step 1),
 *    and an unauthenticated request for another domain — or an in-dialog request that did not
 *    come through our Record-Route — 403 "Relaying Forbidden" instead of being relayed (§16.5
 *    leaves the target set to local policy). A message the parser could not read would have
 *    had its 400 instead; a 403 shows it was read and understood (the valid messages of RFC
 *    4475 §3.1.1 "should be processed normally", not rejected as malformed).
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server-process.js';

const torture = new URL('../../../shared/conformance/sip-torture/', import.meta.url);

/** file → the status line we must answer with (null: no answer at all). */
const expectations: Record<string, number | null> = {
  // RFC 4475 §3.1.1: valid messages. Parsed, then refused by relay policy (403) — foreign
  // domains, an in-dialog INVITE (wsinv has a To tag) that never came through us, a REGISTER
  // for a domain not served here. Responses without a transaction are dropped.
  'wsinv.dat': 403,
  'intmeth.dat': 403,
  'esc01.dat': 403,
  'escnull.dat': 403,
  'esc02.dat': 403,
  'lwsdisp.dat': 403,
  'longreq.dat': 403,
  'dblreq.dat': 403,
  'semiuri.dat': 403,
  'transports.dat': 403,
  'mpart01.dat': 403, // a preloaded Route to another host: no relaying for unauthenticated callers
  'unreason.dat': null,
  'noreason.dat': null,
  // §3.1.2: invalid messages → 400 naming the fault, 505 for the version; bad responses dropped.
  'badinv01.dat': 400,
  'clerr.dat': 400,
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'scalarlg.dat': null,
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'lwsstart.dat': 400,
  'trws.dat': 400,
  'escruri.dat': 400,
  'baddate.dat': 403, // §3.1.2.13: a bad Date need not be rejected ("should not ... reject")
  'regbadct.dat': 403, // the REGISTER is for example.com: refused before its Contact is read
  'badaspec.dat': 400,
  'wire/baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 501,
  'bigcode.dat': null,
  // §3.2 and §3.3: semantically invalid.
  'badbranch.dat': 403,
  'insuf.dat': null,
  'unkscm.dat': 416,
  'novelsc.dat': 416,
  'unksm2.dat': 403,
  'bext01.dat': 420, // §16.3 item 5: Proxy-Require checked before anything else is decided
  'invut.dat': 403,
  'regaut01.dat': 403,
  'multi01.dat': 400,
  'mcl01.dat': 400,
  'bcast.dat': null,
  'zeromf.dat': 483,
  'cparam01.dat': 403,
  'cparam02.dat': 403,
  'regescrt.dat': 403,
  'sdp01.dat': 403,
  // RFC 5118 (wire variants with CRLF line ends and corrected lengths): IPv6 references parse;
  // the requests are for hosts that are not this server.
  'wire/ipv6-good.dat': 403,
  'wire/ipv6-bad.dat': 400,
  'wire/port-ambiguous.dat': 403,
  'wire/port-unambiguous.dat': 403,
  'wire/via-received-param-with-delim.dat': 403,
  'wire/via-received-param-no-delim.dat': 403,
  'wire/ipv6-in-sdp.dat': 403,
  'wire/mult-ip-in-header.dat': 403,
  'wire/mult-ip-in-sdp.dat': 403,
  'wire/ipv4-mapped-ipv6.dat': 403,
  'wire/ipv6-bug-abnf-3-colons.dat': 403,
  'wire/ipv6-correct-abnf-2-colons.dat': 403,
};

describe('torture messages over UDP against switchboard start', () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  /**
   * Send one datagram from a fresh socket and collect what comes back until a final response
   * arrives or `waitMs` passes. A fresh socket per message matters: many RFC 4475 messages share
   * the branch z9hG4bKkdjuw, and with one sent-by the server would rightly match them as
   * retransmissions of one transaction (§17.2.3) and resend its first answer.
   */
  async function exchange(message: Buffer, waitMs: number): Promise<string[]> {
    const socket = createSocket('udp4');
    const inbox: string[] = [];
    socket.on('message', (reply) => inbox.push(reply.toString('latin1')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    socket.send(pointTopViaAt(message, socket.address().port), server.sipPort, '127.0.0.1');
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !inbox.some((reply) => !reply.startsWith('SIP/2.0 1'))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.close();
    return inbox;
  }

  for (const [file, status] of Object.entries(expectations)) {
    it(`${file} → ${status ?? 'no answer'}`, async () => {
      const replies = (await exchange(readFileSync(new URL(file, torture)), status === null ? 300 : 3000)).filter(
        (reply) => !reply.startsWith('SIP/2.0 100 '),
      );
      if (status === null) {
        expect(replies).toEqual([]);
        return;
      }
      expect(replies.length, `no answer to ${file}`).toBeGreaterThan(0);
      const statusLine = replies[0]!.split('\r\n', 1)[0]!;
      expect(statusLine).toMatch(new RegExp(`^SIP/2\\.0 ${status} \\S`));
      // A 400 names the fault in its reason phrase (RFC 4475 §3.1.2), not just "Bad Request".
      if (status === 400) expect(statusLine.slice('SIP/2.0 400 '.length)).not.toMatch(/^Bad Request$/);
      // The 403s are the relay and registrar policy, which says which one.
      if (status === 403) expect(statusLine).toMatch(/^SIP\/2\.0 403 (Relaying Forbidden|Domain Not Served Here)$/);
    });
  }

  it('still answers OPTIONS (200 with its Allow list) after all of that', async () => {
    const options = Buffer.from(
      'OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKafter\r\nMax-Forwards: 70\r\nFrom: <sip:t@localhost>;tag=1\r\nTo: <sip:localhost>\r\nCall-ID: after-torture\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
    const replies = await exchange(options, 2000);
    expect(replies[0]).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(replies[0]).toMatch(/\r\nAllow: OPTIONS, REGISTER, ACK, CANCEL\r\n/);
  });
});

/** Replace the sent-by of the first Via value with our loopback socket, keeping its other
 *  parameters (and faults) intact, and drop `received`/`maddr`, which would send the answer to
 *  the RFC's documentation addresses instead of loopback. */
function pointTopViaAt(data: Buffer, port: number): Buffer {
  const text = data.toString('latin1');
  // The first Via field with its folded continuation lines (wsinv folds its sent-by).
  const via = /^(?:Via|v)[ \t]*:[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*/im.exec(text);
  if (!via) return data;
  const line = via[0]
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/(SIP[ \t]*\/[ \t]*\d\.\d[ \t]*\/[ \t]*)(\w+)([ \t]+)([^;,\r\n]+)/i, (_m, prefix: string, _t: string, space: string) => `${prefix}UDP${space}127.0.0.1:${port}`)
    .replace(/;[ \t]*(?:received|maddr)[ \t]*=[ \t]*(?:\[[^\]]*\]|[^;,\r\n]*)/gi, '');
  return Buffer.from(text.slice(0, via.index) + line + text.slice(via.index + via[0].length), 'latin1');
}

