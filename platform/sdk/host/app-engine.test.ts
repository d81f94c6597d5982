/**
 * The app engine over a real sandbox runtime, called as the services stage calls it: session
 * caps, untrusted results, quarantine, session expiry and the cost of one request crossing into
 * an isolate and back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, eventually, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { ServiceCall, ServiceHost } from '../../services/index.js';
import { parseMessage, SipRequest } from '../../sip/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
const host: ServiceHost = { lookup: async () => ({ kind: 'not-ours' }), isLocalDomain: () => true, onRegistration: () => () => undefined };

function call(callId: string, method = 'INVITE', fromTag = 'keep'): ServiceCall {
  const text =
    `${method} sip:bob@sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${callId}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@outside.test>;tag=${fromTag}\r\nTo: <sip:bob@sb.test>\r\nCall-ID: ${callId}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('did not parse');
  return { request: message, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host };
}

describe('createAppEngine', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  const start = (sessionExpiryMs?: number): void => {
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv() })) });
    engine = createAppEngine({ runtime, logger: silentLogger, ...(sessionExpiryMs === undefined ? {} : { sessionExpiryMs }) });
  };
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  it('refuses new application sessions over the manifest cap with 503; sessions without state end with their call', async () => {
    start();
    await runtime.deploy(
      await buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ onInvite(req, ctx) { if (req.from.tag === 'keep') ctx.session.set('kept', true); req.reply(486); } });`, {
        name: 'capped',
        limits: { maxSessions: 2 },
      }),
    );
    expect(await engine.decide(call('a'))).toEqual({ kind: 'reject', status: 486 });
    expect(await engine.decide(call('b'))).toEqual({ kind: 'reject', status: 486 });
    expect(await engine.decide(call('c'))).toEqual({ kind: 'reject', status: 503, reason: 'Service Unavailable' });
    // The same application session (Call-ID) is still served.
    expect(await engine.decide(call('a'))).toEqual({ kind: 'reject', status: 486 });
    expect(engine.sessions.count('capped')).toBe(2);
    // Invalidate-when-ready: a call that leaves no attributes and no timers leaves no session.
    await runtime.undeploy('capped');
    engine.dropApp('capped');
    await runtime.deploy(
      await buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ onInvite(req) { req.reply(486); } });`, { name: 'stateless', limits: { maxSessions: 1 } }),
    );
    for (const id of ['x1', 'x2', 'x3']) expect(await engine.decide(call(id, 'INVITE', 'drop'))).toEqual({ kind: 'reject', status: 486 });
    expect(engine.sessions.count('stateless')).toBe(0);
  });

  it('a result not made by the SDK is refused (500); a quarantined app is skipped', async () => {
    start();
    await runtime.deploy(await buildApp(`export default { request() { return { action: { kind: 'reply', status: 99 } }; } };`, { name: 'forged' }));
    expect(await engine.decide(call('f1'))).toEqual({ kind: 'reject', status: 500, reason: 'Server Internal Error' });
    await runtime.deploy(await buildApp(`export default { request() { throw new Error('always'); } };`, { name: 'forged', version: '1.0.1' }));
    for (let i = 0; i < 5; i++) expect(await engine.decide(call(`f${i + 2}`))).toMatchObject({ status: 500 });
    expect(runtime.status('forged')?.disabled).toBe(true);
    expect(await engine.decide(call('f9'))).toEqual({ kind: 'continue' });
  });

  it('an idle application session expires: the app hears of it and may extend it once', async () => {
    start(200);
    await runtime.deploy(
      await buildApp(
        `import { defineApp } from ${JSON.stringify(SDK)};
         export default defineApp({
           onMessage(req, ctx) { ctx.session.set('n', 1); req.reply(200); },
           onSessionExpired(ctx) { if (!ctx.session.has('extended')) { ctx.session.set('extended', true); ctx.session.setExpires(200); } },
         });`,
        { name: 'expiring' },
      ),
    );
    await engine.decide(call('s1', 'MESSAGE'));
    expect(engine.sessions.get('expiring', 's1')?.attributes).toEqual({ n: 1 });
    await eventually(() => engine.sessions.get('expiring', 's1')?.attributes.extended === true, 3000);
    await eventually(() => engine.sessions.get('expiring', 's1') === undefined, 3000);
  });

  it('a success nothing in the app waits for costs no event; failures and awaited successes still do', async () => {
    start();
    await runtime.deploy(
      await buildApp(
        `import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ onInvite(req) { return req.proxy(req.uri); }, onErrorResponse(res, ctx) { ctx.log.info('failed ' + res.status); } });`,
        { name: 'quiet' },
      ),
    );
    await runtime.deploy(
      await buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ async onInvite(req, ctx) { const res = await req.proxy(req.uri); ctx.session.set('answered', res.status); } });`, {
        name: 'awaiting',
      }),
    );
    const quiet = await engine.decide(call('q1'));
    expect(quiet).toMatchObject({ kind: 'proxy' });
    if (quiet.kind !== 'proxy' || quiet.onOutcome === undefined) throw new Error('no proxy decision');
    // One event (the request) for this app so far; the success ends the call without another.
    const eventsBefore = engine.stats('quiet').events;
    expect(await quiet.onOutcome({ kind: 'success', status: 200 })).toEqual({ kind: 'continue' });
    expect(engine.stats('quiet').events).toBe(eventsBefore);
    expect(engine.stats('quiet').sessions).toBe(0);
    // A failure is still delivered (and the quiet call's state was let go meanwhile).
    const failing = await engine.decide(call('q2'));
    if (failing.kind !== 'proxy' || failing.onOutcome === undefined) throw new Error('no proxy decision');
    await failing.onOutcome({ kind: 'busy', status: 486, reason: 'Busy Here' });
    expect(engine.stats('quiet').events).toBe(eventsBefore + 2);
    // An app that awaits the proxy hears its success.
    await runtime.undeploy('quiet');
    const awaited = await engine.decide(call('a1'));
    if (awaited.kind !== 'proxy' || awaited.onOutcome === undefined) throw new Error('no proxy decision');
    const before = engine.stats('awaiting').events;
    await awaited.onOutcome({ kind: 'success', status: 200 });
    expect(engine.stats('awaiting').events).toBe(before + 1);
  });

  it('measures one request crossing into the isolate and back (a trivial proxying app)', async () => {
    start();
    await runtime.deploy(await buildApp(`import { defineApp } from ${JSON.stringify(SDK)};\nexport default defineApp({ onInvite(req) { return req.pass(); } });`, { name: 'trivial' }));
    for (let i = 0; i < 200; i++) await engine.decide(call(`w${i}`));
    const times: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const next = call(`m${i}`);
      const t0 = performance.now();
      const decided = await engine.decide(next);
      expect(decided, JSON.stringify({ decided, stats: engine.stats('trivial') })).toEqual({ kind: 'continue' });
      times.push((performance.now() - t0) * 1000);
    }
    times.sort((x, y) => x - y);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const p99 = times[Math.floor(times.length * 0.99)] ?? 0;
    console.info(`app engine crossing: median ${median.toFixed(0)} µs, p99 ${p99.toFixed(0)} µs`);
    expect(median).toBeLessThan(5000);
  });
});
