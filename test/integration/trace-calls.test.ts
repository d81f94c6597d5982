/**
 * Per-call tracing over real loopback UDP: the trace hooks (platform/trace/trace-hooks.ts) wrap
 * the transport of a registrar + authenticating proxy exactly as sip-pipeline.ts is to wire them
 * (traced MessageSender under the transaction layer, traced inbound handler above the
 * transport). The rule is switched on through the CLI while the server runs, a call to the
 * traced user is captured whole in both directions, and another call is not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestAuthenticator } from '../../platform/auth/digest-authenticator.js';
import { FailureRateLimiter } from '../../platform/auth/failure-rate-limiter.js';
import { generateNonceSecret } from '../../platform/auth/nonce.js';
import { captureIo } from '../../platform/cli/test-helpers.js';
import { registerTraceCommands } from '../../platform/cli/trace-command.js';
import { AuthStage } from '../../platform/endpoint/auth-stage.js';
import { Endpoint } from '../../platform/endpoint/endpoint.js';
import { FallbackStage } from '../../platform/endpoint/fallback-stage.js';
import { ProxyStage } from '../../platform/endpoint/proxy-stage.js';
import { RegistrarStage } from '../../platform/endpoint/registrar-stage.js';
import { RouteStage } from '../../platform/endpoint/route-stage.js';
import { silentLogger as logger } from '../../platform/log/logger.js';
import { ListenerIdentity } from '../../platform/proxy/local-identity.js';
import { ProxyCore } from '../../platform/proxy/proxy-core.js';
import { Registrar } from '../../platform/registrar/registrar.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/sqlite-store.js';
import { openTraceStore, traceInbound, traceSender, Tracer, type TraceMessage, type TraceStore } from '../../platform/trace/index.js';
import { TransactionLayer } from '../../platform/transaction/transaction-layer.js';
import { TransportLayer } from '../../platform/transport/transport-layer.js';
import { freePort } from '../support/ports.js';
import { TestUa } from '../support/test-ua.js';
import { until } from '../support/until.js';

const DOMAIN = 'sb.test';
const HOST = '127.0.0.1';

/** `switchboard trace …` in-process, as platform/cli/main.ts registers it. */
async function sb(dataDir: string, ...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const io = captureIo();
  const program = new Command('switchboard').exitOverride();
  let status = 0;
  registerTraceCommands(program, io, (code) => (status = code));
  await program.parseAsync(['trace', ...args, '--data-dir', dataDir], { from: 'user' });
  return { status, out: io.out, err: io.err };
}

/** `in INVITE`, `out 180 INVITE`, … for a ladder assertion. 100 Trying is dropped (its timing
 *  varies) and so are retransmissions (identical text in the same direction) on a loaded machine. */
const steps = (messages: readonly TraceMessage[]): string[] =>
  messages
    .filter((m, i) => messages.findIndex((n) => n.direction === m.direction && n.text === m.text) === i)
    .map((m) => `${m.direction} ${m.firstLine.startsWith('SIP/2.0 ') ? `${m.firstLine.split(' ')[1]} ${/\r\nCSeq: *\d+ (\w+)/iu.exec(m.text)?.[1]}` : m.firstLine.split(' ')[0]}`)
    .filter((step) => !step.includes(' 100 '));

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`per-call tracing on a running proxy over ${protocol.toUpperCase()}`, () => {
    let dataDir: string;
    let store: SqliteStore;
    let traces: TraceStore;
    let tracer: Tracer;
    let transport: TransportLayer;
    let transactions: TransactionLayer;
    let port: number;
    const uas: Record<string, TestUa> = {};

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'trace-it-'));
      store = openSqliteStore({ dataDir, logger });
      for (const username of ['alice', 'bob', 'carol', 'dave']) await store.users.add({ username, domain: DOMAIN, password: `pw-${username}` });
      traces = openTraceStore({ dataDir, logger, busyTimeoutMs: 250 });
      tracer = new Tracer({ store: traces, logger, pollMs: 20 });
      tracer.start();

      // The pipeline's wiring (platform/server/sip-pipeline.ts) with the two trace hooks.
      port = await freePort();
      const domains = [DOMAIN];
      transport = new TransportLayer({
        listen: [
          { protocol: 'udp', host: HOST, port },
          { protocol: 'tcp', host: HOST, port },
        ],
        logger,
      });
      transactions = new TransactionLayer({ sender: traceSender(tracer, transport), logger });
      const proxy = new ProxyCore({ transactions, identity: new ListenerIdentity(transport, domains), logger });
      const registrar = new Registrar({ bindings: store.bindings, users: store.users, config: { domains }, logger });
      const authenticator = new DigestAuthenticator({ logger, secret: generateNonceSecret() });
      const endpoint = new Endpoint(
        [
          new RouteStage({ proxy, domains, logger }),
          new AuthStage({ authenticator, users: store.users, domains, limiter: new FailureRateLimiter(), logger }),
          new RegistrarStage({ registrar, logger }),
          new ProxyStage({ proxy, location: registrar.location, domains, logger }),
          new FallbackStage(),
        ],
        logger,
        { outOfTransaction: proxy },
      );
      transactions.setUser(endpoint);
      transport.onMessage(traceInbound(tracer, transactions.handleInbound));
      await transport.start();

      for (const name of ['alice', 'bob', 'carol', 'dave']) {
        const ua = await new TestUa({ name, proxy: { host: HOST, port }, protocol, domain: DOMAIN, password: `pw-${name}` }).start();
        expect((await ua.register({ expires: 300 })).status).toBe(200);
        uas[name] = ua;
      }
    });

    afterAll(async () => {
      await Promise.all(Object.values(uas).map((ua) => ua.stop()));
      await transport.stop();
      transactions.close();
      tracer.close();
      traces.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('captures a traced user\'s call both ways, switched on by the CLI while running, and nothing else', async () => {
      const { alice, bob, carol, dave } = uas as Record<'alice' | 'bob' | 'carol' | 'dave', TestUa>;
      expect(tracer.enabled).toBe(false);
      expect((await sb(dataDir, 'on', '--user', 'bob@sb.test', '--for', '5m')).status).toBe(0);
      await until(() => tracer.enabled);

      const call = alice.call(bob.aor);
      expect((await call.final).status).toBe(200);
      await until(() => bob.methods().includes('ACK'));
      expect((await call.bye()).status).toBe(200);
      // An untraced call at the same time: carol → dave.
      const other = carol.call(dave.aor);
      expect((await other.final).status).toBe(200);
      expect((await other.bye()).status).toBe(200);

      await until(() => steps(traces.messages(call.callId)).includes('out 200 BYE'));
      const messages = traces.messages(call.callId);
      expect(steps(messages)).toEqual([
        'in INVITE',
        'out 407 INVITE',
        'in ACK',
        'in INVITE',
        'out INVITE',
        'in 180 INVITE',
        'out 180 INVITE',
        'in 200 INVITE',
        'out 200 INVITE',
        'in ACK',
        'out ACK',
        'in BYE',
        'out BYE',
        'in 200 BYE',
        'out 200 BYE',
      ]);
      // Addresses: over UDP the listening ports; over TCP the connections' (alice's from her
      // ephemeral port to our listener, ours to bob from an ephemeral port of ours).
      const server = `${HOST}:${port}`;
      const invites = messages.filter((m) => m.firstLine.startsWith('INVITE'));
      expect(invites.map((m) => [m.direction, m.protocol])).toEqual([
        ['in', protocol],
        ['in', protocol],
        ['out', protocol],
      ]);
      const [fromAlice, toBob] = [invites[0]!.remote, invites[2]!.remote];
      expect([invites[0]!.local, invites[1]!.local, invites[1]!.remote]).toEqual([server, server, fromAlice]);
      if (protocol === 'udp') {
        expect([fromAlice, invites[2]!.local, toBob]).toEqual([`${HOST}:${alice.port}`, server, `${HOST}:${bob.port}`]);
      } else {
        expect(toBob).not.toBe(fromAlice);
      }
      // Whole messages, with the caller's credentials redacted.
      expect(invites[1]?.text).toMatch(/\r\nProxy-Authorization: Digest username="alice", .*response="<redacted>"/u);
      expect(invites[1]?.text).not.toMatch(/response="[0-9a-f]{32,}"/u);
      expect(invites[2]?.text).toContain(`\r\nRecord-Route: <sip:${HOST}:${port}${protocol === 'tcp' ? ';transport=tcp' : ''};lr>`);
      const times = messages.map((m) => m.monoUs);
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      // Only bob's call was traced; the CLI shows it.
      expect(traces.calls().map((c) => [c.callId, c.matched])).toEqual([[call.callId, 'user:bob@sb.test']]);
      expect(traces.messages(other.callId)).toEqual([]);
      const list = await sb(dataDir, 'list');
      expect(list.out).toContain(`user:bob@sb.test  ${call.callId}  INVITE sip:bob@sb.test SIP/2.0`);
      const ladder = await sb(dataDir, 'show', call.callId);
      expect(ladder.out).toContain(`◄── in  ${protocol} ${fromAlice} → ${server}  INVITE sip:bob@sb.test SIP/2.0`);
      expect(ladder.out).toContain(`──► out ${protocol} ${invites[2]!.local} → ${toBob}  INVITE sip:bob@${HOST}:${bob.port}`);

      // Switched off through the CLI: the next call to bob is not traced, and tracing costs nothing again.
      expect((await sb(dataDir, 'off', '--user', 'bob@sb.test')).status).toBe(0);
      await until(() => !tracer.enabled);
      const after = alice.call(bob.aor);
      expect((await after.final).status).toBe(200);
      expect((await after.bye()).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(traces.calls()).toHaveLength(1);
    });
  });
}
