/**
 * Sandboxed TypeScript apps on live SIPp calls (issue 5 §7): the sample apps from apps/ and a
 * runaway app, deployed into the app engine of the in-process registrar + proxy. SIPp plays the
 * callers, the forked phones and the forward target.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { buildApp, removeAppFolders } from '../../platform/container/test-support.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  AppManager,
  capabilityProviders,
  createAppEngine,
  createCapabilityContainer,
  createMemoryKv,
  type AppEngine,
  type KvBackend,
} from '../../platform/sdk/host/index.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { runSipp, sippKeys, tracedTexts, type SippRun } from '../support/sipp.js';
import { sleep } from '../support/until.js';

const DOMAIN = 'sb.test';
const appDir = (name: string): string => fileURLToPath(new URL(`../../apps/${name}`, import.meta.url));
const SDK = fileURLToPath(new URL('../../platform/sdk/index.js', import.meta.url));

describe('apps on live SIPp calls (issue 5)', () => {
  let server: ProxyServer;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let manager: AppManager;
  let kv: KvBackend;
  let remote: string;

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({
      runtime,
      logger: silentLogger,
      selection: [
        { app: 'call-screening', users: [`bob@${DOMAIN}`] },
        { app: 'forward-on-busy', users: [`bob@${DOMAIN}`] },
        { app: 'follow-me', users: [`carol@${DOMAIN}`] },
        { app: 'spin', users: [`spin@${DOMAIN}`] },
      ],
    });
    manager = new AppManager({ runtime, logger: silentLogger });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: ['bob', 'carol', 'spin'].map((username) => ({ username, password: `pw-${username}` })),
      engines: [engine],
    });
    remote = `127.0.0.1:${server.port}`;
    await manager.deployDir(appDir('call-screening'));
    await manager.deployDir(appDir('forward-on-busy'));
    await manager.deployDir(appDir('follow-me'));
    // A runaway app: every INVITE spins until the sandbox stops it at its CPU budget (50 ms).
    await manager.deployBundle(await buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ onInvite() { for (;;) {} } });`, { name: 'spin' }));
  });
  afterAll(async () => {
    engine.close();
    await runtime.close();
    await server.stop();
    await removeAppFolders();
  });

  /** A SIPp phone on a free port waiting for `calls` calls; its URI. */
  async function phone(scenario: string, calls = 1): Promise<{ uri: string; done: Promise<SippRun> }> {
    const port = await freePort();
    const done = runSipp({ scenario, localPort: port, calls, timeoutSeconds: 25 });
    await sleep(200);
    return { uri: `sip:bob@127.0.0.1:${port}`, done };
  }

  it('call-screening rejects a blocked caller with 603; the forward-on-busy app behind it is never asked', async () => {
    kv.set('call-screening', `blocklist:bob@${DOMAIN}`, ['mallory@outside.test']);
    const call = await runSipp({
      scenario: 'cpl-uac-expect-reject.xml',
      remote,
      localPort: await freePort(),
      timeoutSeconds: 15,
      extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN, display: 'Mallory', caller: 'mallory', caller_domain: 'outside.test' }),
    });
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    expect(call.messages).toMatch(/^SIP\/2\.0 603 Decline\r?$/mu);
    kv.delete('call-screening', `blocklist:bob@${DOMAIN}`);
  });

  it('forward-on-busy forks to two phones in parallel; both busy → the app proxies to the fallback, which answers', async () => {
    const first = await phone('uas-486.xml');
    const second = await phone('uas-486.xml');
    const fallback = await phone('uas-answer.xml');
    kv.set('forward-on-busy', `ring:bob@${DOMAIN}`, [first.uri, second.uri]);
    kv.set('forward-on-busy', `forward:bob@${DOMAIN}`, fallback.uri);
    const call = await runSipp({ scenario: 'uac-call.xml', remote, localPort: await freePort(), timeoutSeconds: 20, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN }) });
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const [a, b, c] = await Promise.all([first.done, second.done, fallback.done]);
    expect(a.exitCode, a.errors).toBe(0);
    expect(b.exitCode, b.errors).toBe(0);
    expect(c.exitCode, c.errors).toBe(0);
    expect(tracedTexts(a, 'received', 'INVITE ').length + tracedTexts(b, 'received', 'INVITE ').length).toBe(2);
    expect(tracedTexts(c, 'received', 'INVITE ').length).toBe(1);
    // The caller never saw the busy answers: the app acted on the busy outcome.
    expect(call.messages).not.toMatch(/SIP\/2\.0 486/u);
  });

  it('follow-me hunts sequentially: the first number answers 480, the second answers', async () => {
    const first = await phone('uas-480.xml');
    const second = await phone('uas-answer.xml');
    kv.set('follow-me', `followme:carol@${DOMAIN}`, [first.uri, { uri: second.uri, seconds: 10 }]);
    const call = await runSipp({ scenario: 'uac-call.xml', remote, localPort: await freePort(), timeoutSeconds: 20, extraArgs: sippKeys({ callee: 'carol', domain: DOMAIN }) });
    expect(call.exitCode, call.errors || call.stderr).toBe(0);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.exitCode, a.errors).toBe(0);
    expect(b.exitCode, b.errors).toBe(0);
    expect(tracedTexts(a, 'received', 'INVITE ').length).toBe(1);
    expect(tracedTexts(b, 'received', 'INVITE ').length).toBe(1);
    expect(call.messages).not.toMatch(/SIP\/2\.0 480/u);
  });

  it("an app that loops forever costs its calls a 500 while another app's calls keep completing", async () => {
    const answering = await phone('uas-answer.xml', 4);
    kv.set('forward-on-busy', `ring:bob@${DOMAIN}`, [answering.uri]);
    kv.delete('forward-on-busy', `forward:bob@${DOMAIN}`);
    const started = Date.now();
    const [spin, good] = await Promise.all([
      runSipp({
        scenario: 'app-uac-expect-500.xml',
        remote,
        localPort: await freePort(),
        calls: 3,
        rate: 5,
        timeoutSeconds: 15,
        extraArgs: sippKeys({ callee: 'spin', domain: DOMAIN, display: 'Alice', caller: 'alice', caller_domain: 'outside.test' }),
      }),
      runSipp({ scenario: 'uac-call.xml', remote, localPort: await freePort(), calls: 4, rate: 5, timeoutSeconds: 20, extraArgs: sippKeys({ callee: 'bob', domain: DOMAIN }) }),
    ]);
    expect(spin.exitCode, spin.errors || spin.stderr).toBe(0);
    expect(spin.messages.match(/^SIP\/2\.0 500 /gmu)?.length).toBe(3);
    expect(good.exitCode, good.errors || good.stderr).toBe(0);
    expect((await answering.done).exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(runtime.status('spin')?.recentFaults).toBe(3);
    expect(runtime.status('forward-on-busy')?.recentFaults).toBe(0);
    // The operator's view: faults by kind and CPU time per app.
    expect(engine.stats('spin')).toMatchObject({ requests: 3, faults: { timeout: 3 } });
    expect(engine.stats('spin').cpuMs).toBeGreaterThanOrEqual(3 * 45);
    expect(engine.stats('forward-on-busy').faults).toEqual({});
  });
});
