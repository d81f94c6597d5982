/**
 * `req.b2bua()` and `ctx.calls.terminate()` on live SIPp calls (issue 5 §5, §7): the prepaid
 * sample (apps/prepaid) in the app engine of the in-process registrar + proxy with its UA core.
 * SIPp alice (digest-authenticated, so the app runs as her originating service) calls SIPp bob
 * (registered); the app bridges the call as a B2BUA — two dialogs with their own Call-IDs — and
 * when her 2 s of credit are used up the server sends BYE on both legs. With nothing left, her
 * next call is refused with 402 Payment Required.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import {
  AppManager,
  CallRegistry,
  capabilityProviders,
  createAppEngine,
  createCapabilityContainer,
  createMemoryKv,
  type AppEngine,
  type KvBackend,
} from '../../platform/sdk/host/index.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { callIdOf, runSipp, sippKeys, tracedTexts, type SippRun } from '../support/sipp.js';
import { sleep, until } from '../support/until.js';

const DOMAIN = 'sb.test';
const CREDIT_SECONDS = 2;

describe('b2bua apps on live SIPp calls: prepaid', () => {
  const calls = new CallRegistry();
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  let remote: string;

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls, selection: [{ app: 'prepaid', direction: 'originating' }] });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })),
      // SIPp answers digest challenges with MD5 only.
      algorithms: ['MD5', 'SHA-256'],
      engines: [engine],
    });
    remote = `127.0.0.1:${server.port}`;
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('../../apps/prepaid', import.meta.url)));
  });
  afterAll(async () => {
    await server.stop();
    engine.close();
    await runtime.close();
  });

  const alice = (scenario: string): Promise<SippRun> =>
    freePort().then((localPort) =>
      runSipp({
        scenario,
        remote,
        localPort,
        timeoutSeconds: 15,
        extraArgs: [...sippKeys({ user: 'alice', callee: 'bob', domain: DOMAIN }), '-au', 'alice', '-ap', 'pw-alice', '-auth_uri', `bob@${DOMAIN}`],
      }),
    );

  it('bridges alice to bob on two dialogs and, when her credit is used up, sends BYE on both legs', async () => {
    kv.set('prepaid', `credit:alice@${DOMAIN}`, CREDIT_SECONDS);
    const bobPort = await freePort();
    const bob = runSipp({ scenario: 'uas-answer.xml', localPort: bobPort, timeoutSeconds: 15 });
    await sleep(300); // let SIPp bind before anything is routed to it
    const registered = await runSipp({
      scenario: 'register-auth.xml',
      remote,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user: 'bob', domain: DOMAIN, contact_port: String(bobPort), q: '1.0', expires: '300' }), '-au', 'bob', '-ap', 'pw-bob', '-auth_uri', DOMAIN],
    });
    expect(registered.exitCode, registered.errors || registered.stderr).toBe(0);

    const started = Date.now();
    const [caller, callee] = await Promise.all([alice('prepaid-uac-auth-await-bye.xml'), bob]);
    const elapsed = Date.now() - started;
    expect(caller.exitCode, caller.errors || caller.stderr).toBe(0);
    expect(callee.exitCode, callee.errors || callee.stderr).toBe(0);

    // The call was set up: alice got our 200, bob got an INVITE, answered and was ACKed.
    expect(tracedTexts(caller, 'received', 'SIP/2.0 200 ')).not.toHaveLength(0);
    expect(tracedTexts(callee, 'received', 'ACK ')).toHaveLength(1);
    // Two dialogs: leg B is a new INVITE with its own Call-ID (a B2BUA, not a proxy).
    const legA = callIdOf(tracedTexts(caller, 'sent', 'INVITE ')[0]);
    const legB = callIdOf(tracedTexts(callee, 'received', 'INVITE ')[0]);
    expect(legA).toBeDefined();
    expect(legB).toBeDefined();
    expect(legB).not.toBe(legA);
    // Neither side hung up: the server ended both legs, each in its own dialog.
    const byeA = tracedTexts(caller, 'received', 'BYE ');
    const byeB = tracedTexts(callee, 'received', 'BYE ');
    expect(byeA).toHaveLength(1);
    expect(byeB).toHaveLength(1);
    expect(callIdOf(byeA[0])).toBe(legA);
    expect(callIdOf(byeB[0])).toBe(legB);
    expect(tracedTexts(caller, 'sent', 'BYE ')).toHaveLength(0);
    expect(tracedTexts(callee, 'sent', 'BYE ')).toHaveLength(0);
    // Only after the credit: 2 s of talk (the whole run includes the 407 round and SIPp's exit).
    expect(elapsed).toBeGreaterThanOrEqual(CREDIT_SECONDS * 1000);
    // The call was charged and forgotten.
    await until(() => kv.get('prepaid', `credit:alice@${DOMAIN}`) === 0);
    expect(calls.count('prepaid')).toBe(0);
    await until(() => engine.sessions.count('prepaid') === 0);
  });

  it('refuses alice with 402 Payment Required once her credit is gone; bob is never called', async () => {
    kv.set('prepaid', `credit:alice@${DOMAIN}`, 0);
    const caller = await alice('prepaid-uac-auth-expect-402.xml');
    expect(caller.exitCode, caller.errors || caller.stderr).toBe(0);
    expect(caller.messages).toMatch(/^SIP\/2\.0 402 Payment Required\r?$/mu);
    expect(calls.count('prepaid')).toBe(0);
  });
});
