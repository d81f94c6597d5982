/**
 * The registration-logger sample (apps/registration-logger) on SIPp (issue 5 §5: an
 * echo/registration-event logger): a SIPp phone's digest-authenticated REGISTER reaches the
 * app as `onRegistration` and leaves alice's last-seen record in the app's key-value store; her
 * MESSAGE to echo@ is answered 200 and its text comes back to her registered phone in a MESSAGE
 * the server sends for the app (ctx.uac, RFC 3428).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { AppManager, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine, type KvBackend } from '../../platform/sdk/host/index.js';
import type { ServiceHost } from '../../platform/services/index.js';
import { header, startSippUas } from '../integration/uac-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { bodyOf, runSipp, sippKeys, tracedMessages } from '../support/sipp.js';
import { until } from '../support/until.js';

const DOMAIN = 'sb.test';

describe('registration-logger on SIPp', () => {
  const host: { current?: ServiceHost } = {};
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  let unwatch: () => void;

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, host })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: [{ username: 'alice', password: 'pw-alice' }],
      algorithms: ['MD5', 'SHA-256'],
      engines: [engine],
    });
    host.current = server.serviceHost;
    unwatch = engine.watchRegistrations(server.serviceHost);
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('../../apps/registration-logger', import.meta.url)));
  });
  afterAll(async () => {
    unwatch();
    await server.stop();
    engine.close();
    await runtime.close();
  });

  it("logs alice's REGISTER and echoes her MESSAGE to echo@ back to her registered phone", async () => {
    const phonePort = await freePort();
    const phone = await startSippUas({ scenario: 'ua-uas-message.xml', localPort: phonePort, timeoutSeconds: 15 });
    const remote = `127.0.0.1:${server.port}`;
    const registered = await runSipp({
      scenario: 'register-auth.xml',
      remote,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user: 'alice', domain: DOMAIN, contact_port: String(phonePort), q: '1.0', expires: '300' }), '-au', 'alice', '-ap', 'pw-alice', '-auth_uri', DOMAIN],
    });
    expect(registered.exitCode, registered.errors || registered.stderr).toBe(0);
    await until(() => (kv.get('registration-logger', `seen:alice@${DOMAIN}`) as { kind?: string } | undefined)?.kind === 'registered');
    expect(kv.get('registration-logger', `seen:alice@${DOMAIN}`)).toMatchObject({ contact: expect.stringContaining(`:${phonePort}`), expires: expect.any(Number) });

    const sent = await runSipp({
      scenario: 'echo-message-auth.xml',
      remote,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ caller: 'alice', callee: 'echo', domain: DOMAIN }), '-au', 'alice', '-ap', 'pw-alice', '-auth_uri', `echo@${DOMAIN}`],
    });
    expect(sent.exitCode, sent.errors || sent.stderr).toBe(0);
    const run = await phone.run;
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const echo = tracedMessages(run.messages).find((m) => m.direction === 'received' && m.text.startsWith('MESSAGE '))!.text;
    expect(bodyOf(echo)).toBe('ping from sipp');
    expect(header(echo, 'From')).toMatch(new RegExp(`^<sip:echo@${DOMAIN}>;tag=`, 'u'));
    expect(echo.split(' ')[1]).toContain(`:${phonePort}`);
  });
});
