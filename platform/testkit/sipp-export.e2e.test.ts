/**
 * A kit call exported as a SIPp scenario replays against the real core: the same app
 * (call-screening) deployed in a real sandbox behind the in-process registrar + proxy on UDP,
 * SIPp as the caller, a registered test UA as the callee.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../container/index.js';
import { silentLogger } from '../log/logger.js';
import { AppManager, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine } from '../sdk/host/index.js';
import { freePort } from '../../test/support/ports.js';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { runSipp, scenarioDir, tracedMessages } from '../../test/support/sipp.js';
import { TestUa } from '../../test/support/test-ua.js';
import { createTestKit, toSippScenario } from './index.js';

const SCREENING = fileURLToPath(new URL('../../apps/call-screening/', import.meta.url));
const BLOCKLIST = { 'blocklist:bob@sb.test': ['mallory@evil.test'] };

describe('toSippScenario', () => {
  let dir: string;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  let bob: TestUa;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testkit-sipp-'));
    const kv = createMemoryKv();
    for (const [key, value] of Object.entries(BLOCKLIST)) kv.set('call-screening', key, value);
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(SCREENING);
    server = await startProxyServer({ users: [{ username: 'bob', password: 'pw-bob' }], engines: [engine] });
    bob = await new TestUa({ name: 'bob', proxy: { host: server.host, port: server.port }, domain: server.domain, password: 'pw-bob' }).start();
    await bob.register();
  });
  afterAll(async () => {
    await bob.stop();
    await server.stop();
    engine.close();
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the kit flow, exports the caller's side and plays it with SIPp against the server. */
  async function replay(flow: (kit: Awaited<ReturnType<typeof createTestKit>>) => Promise<Parameters<typeof toSippScenario>[0]>, name: string) {
    const kit = await createTestKit({ apps: [SCREENING], kv: { 'call-screening': BLOCKLIST } });
    try {
      const call = await flow(kit);
      const xml = toSippScenario(call, kit.ladder(), { maxPauseMs: 300 });
      const file = join(dir, `${name}.xml`);
      await writeFile(file, xml);
      const run = await runSipp({ scenario: relative(scenarioDir, file), remote: `${server.host}:${server.port}`, localPort: await freePort(), timeoutSeconds: 10 });
      return { xml, run };
    } finally {
      await kit.close();
    }
  }

  it('a declined call: INVITE, 603, ACK in the INVITE transaction', async () => {
    const { xml, run } = await replay(async (kit) => {
      kit.phone('sip:bob@sb.test');
      const call = kit.invite({ from: 'sip:mallory@evil.test', to: 'sip:bob@sb.test' });
      await call.settle();
      return call;
    }, 'declined');
    expect(xml).toContain('<recv response="603" />');
    expect(xml).toMatch(/ACK sip:bob@sb\.test SIP\/2\.0\n\s+Via: SIP\/2\.0\/\[transport\] \[local_ip\]:\[local_port\];branch=\[branch-3\]/u);
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    expect(tracedMessages(run.messages).filter((m) => m.direction === 'received').map((m) => m.text.split('\r\n')[0])).toContain('SIP/2.0 603 Decline');
  });

  it('an answered call the caller hangs up: INVITE, 180, 200, ACK, BYE, 200', async () => {
    const { xml, run } = await replay(async (kit) => {
      kit.phone('sip:bob@sb.test', { answer: 'answer', ringMs: 1000 });
      const call = kit.invite({ from: 'sip:alice@outside.test', to: 'sip:bob@sb.test' });
      await call.settle();
      await kit.clock.advance(2000);
      await call.hangup();
      return call;
    }, 'answered');
    expect(xml).toContain('<recv response="180" optional="true" />');
    expect(xml).toContain('<recv response="200" rrs="true" />');
    expect(xml).toContain('<pause milliseconds="300" />');
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    expect(bob.methods()).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE']));
  });
});
