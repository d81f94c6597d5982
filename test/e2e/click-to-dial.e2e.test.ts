/**
 * Click-to-dial over HTTP (issue 5 §5, RFC 3725 §4.1 Flow I): the click-to-dial sample
 * (apps/click-to-dial) in the app engine of the in-process registrar + proxy with its UA core,
 * triggered by a real HTTP POST to `/api/v1/apps/click-to-dial/events/dial` (app-routes.ts on
 * Fastify, the server's StoreHttpAccess: alice's own SIP credentials as HTTP Basic).
 * alice and bob are registered SIPp phones. The server rings alice's registered contact with an
 * INVITE without SDP; her 200 carries the offer, which goes to bob; bob's answer comes back in
 * the ACK to alice. bob's BYE ends alice's leg too, and the app records the call's end. With the
 * admin token the phone is named in the payload; `hangup`, another event, ends a connected call
 * with BYE on both legs (ctx.calls.terminate), but only for the user whose call it is.
 */
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureRateLimiter } from '../../platform/auth/failure-rate-limiter.js';
import { AppRuntime } from '../../platform/container/index.js';
import { appRoutes } from '../../platform/http/app-routes.js';
import { StoreHttpAccess } from '../../platform/http/http-access-service.js';
import { SessionStore } from '../../platform/http/session-store.js';
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
import type { ServiceHost } from '../../platform/services/index.js';
import { header, startSippUas } from '../integration/uac-support.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { bodyOf, runSipp, sippKeys, tracedTexts } from '../support/sipp.js';
import { until } from '../support/until.js';

const DOMAIN = 'sb.test';
const ADMIN = 'admin-token-for-tests';
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('click-to-dial over HTTP on live SIPp phones', () => {
  const calls = new CallRegistry();
  const host: { current?: ServiceHost } = {};
  let kv: KvBackend;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let server: ProxyServer;
  let http: FastifyInstance;
  let api: string;

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, host, calls })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls });
    server = await startProxyServer({
      domains: [DOMAIN],
      users: ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` })),
      // SIPp answers digest challenges with MD5 only.
      algorithms: ['MD5', 'SHA-256'],
      engines: [engine],
    });
    host.current = server.serviceHost;
    const manager = new AppManager({ runtime, logger: silentLogger });
    await manager.deployDir(fileURLToPath(new URL('../../apps/click-to-dial', import.meta.url)));
    const access = new StoreHttpAccess({ adminToken: ADMIN, users: server.store.users, sessions: new SessionStore(), limiter: new FailureRateLimiter({ maxFailures: 50 }), domains: [DOMAIN] });
    http = Fastify();
    await appRoutes({ apps: manager, access, kv, events: engine })(http);
    api = await http.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await http.close();
    await server.stop();
    engine.close();
    await runtime.close();
  });

  /** Registers `user`'s SIPp phone listening on `port` (digest-authenticated REGISTER). */
  async function register(user: string, port: number): Promise<void> {
    const run = await runSipp({
      scenario: 'register-auth.xml',
      remote: `127.0.0.1:${server.port}`,
      localPort: await freePort(),
      extraArgs: [...sippKeys({ user, domain: DOMAIN, contact_port: String(port), q: '1.0', expires: '300' }), '-au', user, '-ap', `pw-${user}`, '-auth_uri', DOMAIN],
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
  }

  const dial = (authorization: string, body: unknown): Promise<Response> =>
    fetch(`${api}/api/v1/apps/click-to-dial/events/dial`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it("alice clicks: her phone rings first, her offer goes to bob, bob's answer comes back in her ACK; bob's BYE ends both", async () => {
    const alicePort = await freePort();
    const bobPort = await freePort();
    const alice = await startSippUas({ scenario: '3pcc-a-offer-await-bye.xml', localPort: alicePort, timeoutSeconds: 20 });
    const bob = await startSippUas({ scenario: 'ua-uas-answer-hangup.xml', localPort: bobPort, timeoutSeconds: 20 });
    await register('alice', alicePort);
    await register('bob', bobPort);

    const response = await dial(basic('alice', 'pw-alice'), { to: `sip:bob@${DOMAIN}` });
    expect(response.status).toBe(202);
    const { result } = (await response.json()) as { result: { call: string; from: string; to: string; state: string } };
    expect(result).toMatchObject({ from: `alice@${DOMAIN}`, to: `sip:bob@${DOMAIN}`, state: 'calling' });
    expect(result.call).toMatch(/^3pcc:/u);

    const [aliceRun, bobRun] = await Promise.all([alice.run, bob.run]);
    expect(aliceRun.exitCode, aliceRun.errors || aliceRun.stderr).toBe(0);
    expect(bobRun.exitCode, bobRun.errors || bobRun.stderr).toBe(0);

    // (1) alice is called first, at her registered contact, without a session description.
    const inviteA = tracedTexts(aliceRun, 'received', 'INVITE ')[0]!;
    expect(inviteA.split(' ')[1]).toContain(`:${alicePort}`);
    expect(header(inviteA, 'Content-Length')).toBe('0');
    expect(header(inviteA, 'From')).toMatch(new RegExp(`^<sip:click-to-dial@${DOMAIN}>;tag=`, 'u'));
    // To names the party (her address of record), the Request-URI her phone.
    expect(header(inviteA, 'To')).toBe(`<sip:alice@${DOMAIN}>`);
    // (3) bob is called at his registered contact with alice's offer, on a dialog of its own, from alice.
    const inviteB = tracedTexts(bobRun, 'received', 'INVITE ')[0]!;
    const okA = tracedTexts(aliceRun, 'sent', 'SIP/2.0 200')[0]!;
    expect(inviteB.split(' ')[1]).toContain(`:${bobPort}`);
    expect(bodyOf(inviteB)).toBe(bodyOf(okA));
    expect(header(inviteB, 'From')).toMatch(new RegExp(`^<sip:alice@${DOMAIN}>;tag=`, 'u'));
    expect(header(inviteB, 'To')).toBe(`<sip:bob@${DOMAIN}>`);
    expect(header(inviteB, 'Call-ID')).not.toBe(header(inviteA, 'Call-ID'));
    // (6) alice's ACK carries bob's answer.
    const okB = tracedTexts(bobRun, 'sent', 'SIP/2.0 200')[0]!;
    const ackA = tracedTexts(aliceRun, 'received', 'ACK ')[0]!;
    expect(header(ackA, 'Content-Type')).toBe('application/sdp');
    expect(bodyOf(ackA)).toBe(bodyOf(okB));
    // bob hung up: alice got BYE in her dialog.
    expect(tracedTexts(bobRun, 'sent', 'BYE ')).toHaveLength(1);
    expect(header(tracedTexts(aliceRun, 'received', 'BYE ')[0]!, 'Call-ID')).toBe(header(inviteA, 'Call-ID'));

    // The app saw the call connect and end (onCallConnected, onCallEnded), and forgot it.
    // The handler's writes land one by one: wait for the last of them.
    await until(
      () =>
        (kv.get('click-to-dial', `last:alice@${DOMAIN}`) as { state?: string } | undefined)?.state === 'ended' &&
        kv.get('click-to-dial', `call:${result.call}`) === undefined,
    );
    expect(kv.get('click-to-dial', `last:alice@${DOMAIN}`)).toMatchObject({ call: result.call, state: 'ended', by: 'callee' });
    expect(calls.count('click-to-dial')).toBe(0);
    await until(() => engine.sessions.count('click-to-dial') === 0);
  });

  it('the admin dials for alice; once connected, hangup (another event) ends both legs with BYE', async () => {
    const alicePort = await freePort();
    const bobPort = await freePort();
    const alice = await startSippUas({ scenario: '3pcc-a-offer-await-bye.xml', localPort: alicePort, timeoutSeconds: 20 });
    const bob = await startSippUas({ scenario: 'uas-answer.xml', localPort: bobPort, timeoutSeconds: 20 });
    await register('alice', alicePort);
    await register('bob', bobPort);
    const admin = `Bearer ${ADMIN}`;
    const response = await dial(admin, { from: `alice@${DOMAIN}`, to: 'bob' });
    expect(response.status).toBe(202);
    const { result } = (await response.json()) as { result: { call: string } };

    const event = async (name: string, authorization: string, body: unknown): Promise<Record<string, unknown>> => {
      const answer = await fetch(`${api}/api/v1/apps/click-to-dial/events/${name}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(answer.status).toBe(202);
      return ((await answer.json()) as { result: Record<string, unknown> }).result;
    };
    // alice polls her call's status as a web page would.
    const deadline = Date.now() + 10_000;
    while ((await event('status', basic('alice', 'pw-alice'), {})).state !== 'connected') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // bob may not end alice's call; alice may.
    expect(await event('hangup', basic('bob', 'pw-bob'), { call: result.call })).toEqual({ ended: false });
    expect(await event('hangup', basic('alice', 'pw-alice'), {})).toEqual({ ended: true });

    const [aliceRun, bobRun] = await Promise.all([alice.run, bob.run]);
    expect(aliceRun.exitCode, aliceRun.errors || aliceRun.stderr).toBe(0);
    expect(bobRun.exitCode, bobRun.errors || bobRun.stderr).toBe(0);
    expect(tracedTexts(aliceRun, 'received', 'BYE ')).toHaveLength(1);
    expect(tracedTexts(bobRun, 'received', 'BYE ')).toHaveLength(1);
    await until(() => (kv.get('click-to-dial', `last:alice@${DOMAIN}`) as { state?: string } | undefined)?.state === 'ended');
    expect(kv.get('click-to-dial', `last:alice@${DOMAIN}`)).toMatchObject({ call: result.call, by: 'app' });
    expect(calls.count('click-to-dial')).toBe(0);
  });

  it('refuses callers without credentials (401) and users dialing from a phone not theirs', async () => {
    expect((await dial(basic('alice', 'wrong'), { to: `sip:bob@${DOMAIN}` })).status).toBe(401);
    const response = await dial(basic('alice', 'pw-alice'), { from: `bob@${DOMAIN}`, to: `sip:alice@${DOMAIN}` });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ result: { error: `alice@${DOMAIN} may dial only from their own phone` } });
    expect(calls.count('click-to-dial')).toBe(0);
  });
});
