/**
 * `b2bua` through the app engine over a real sandbox, driven as the core drives a B2buaDecision
 * (platform/endpoint/user-agent-service.ts carryOutB2bua): onLegs resumes the app with its call,
 * a timer ends it through `ctx.calls.terminate` (the stored B2buaControl), onEnd delivers
 * `callEnded` and forgets the call; a failed leg B asks the app again; a CANCEL resumes it; a
 * server without a UA core answers 501.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { B2buaDecision, B2buaLegs, Decision, ServiceCall, ServiceHost } from '../../services/index.js';
import { parseMessage, SipRequest } from '../../sip/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { CallRegistry } from './call-registry.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv, type KvBackend } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
/** The engine only asks whether the core can bridge; the legs themselves are the core's (test/e2e/app-b2bua.e2e.test.ts). */
const withUa: ServiceHost = {
  lookup: async () => ({ kind: 'not-ours' }),
  isLocalDomain: () => true,
  onRegistration: () => () => undefined,
  userAgent: {
    sendRequest: () => {
      throw new Error('not used');
    },
  },
};
const withoutUa: ServiceHost = { lookup: withUa.lookup, isLocalDomain: withUa.isLocalDomain, onRegistration: withUa.onRegistration };

let seq = 0;
function invite(host: ServiceHost = withUa): ServiceCall {
  const id = `b2b-${++seq}`;
  const text =
    `INVITE sip:bob@sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${id}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@outside.test>;tag=${id}\r\nTo: <sip:bob@sb.test>\r\nCall-ID: ${id}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('did not parse');
  return { request: message, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host };
}

function bridge(decision: Decision): B2buaDecision {
  if (decision.kind !== 'b2bua') throw new Error(`expected a b2bua decision, got ${JSON.stringify(decision)}`);
  return decision;
}

/** Stands in for the core's legs: the engine never touches them, only the control. */
const legs = {} as B2buaLegs;

const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  async onInvite(req, ctx) {
    const result = await req.b2bua('sip:bob@192.0.2.7', { headers: { 'X-Prepaid': 'yes' }, timeout: 30 });
    await ctx.kv.set('result', { outcome: result.outcome, status: result.status, call: result.call ?? null });
    if (result.call) ctx.timers.start('limit', 30, result.call);
    else if (result.outcome === 'busy') req.reply(486, 'Busy (app)');
  },
  async onCallEnded(call, end, ctx) {
    await ctx.kv.set('ended', { call, by: end.by, reason: end.reason, durationMs: end.durationMs });
  },
  timers: {
    async limit(timer, ctx) {
      await ctx.kv.set('terminated', [await ctx.calls.terminate(timer.payload), await ctx.calls.terminate(timer.payload)]);
    },
  },
});`;

describe('b2bua through the app engine', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  let kv: KvBackend;
  const registry = new CallRegistry();

  beforeEach(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls: registry })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls: registry });
    await runtime.deploy(await buildApp(APP, { name: 'bridge', permissions: ['kv', 'timers', 'calls'] }));
  });
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  it('bridges, resumes the app with its call, ends it from a timer with BYE on both legs, then reports the end and forgets it', async () => {
    const call = invite();
    const decision = bridge(await engine.decide(call));
    expect(decision).toMatchObject({ kind: 'b2bua', target: 'sip:bob@192.0.2.7', headers: [{ name: 'X-Prepaid', value: 'yes' }], timeoutMs: 30_000 });
    let terminated = 0;
    decision.onLegs?.(legs, {
      terminate: async () => {
        terminated += 1;
        // As the core does: terminate() ends the call, and onEnd follows.
        decision.onEnd?.({ by: 'local' });
      },
    });
    const id = `${call.request.callId}#`;
    await vi.waitFor(() => expect(kv.get('bridge', 'result')).toEqual({ outcome: 'success', status: 200, call: { id: expect.stringContaining(id), target: 'sip:bob@192.0.2.7' } }));
    // The timer fired: the first terminate ended the call, the second found nothing.
    await vi.waitFor(() => expect(kv.get('bridge', 'terminated')).toEqual([true, false]));
    expect(terminated).toBe(1);
    await vi.waitFor(() => expect(kv.get('bridge', 'ended')).toMatchObject({ by: 'app', reason: 'terminated', call: { target: 'sip:bob@192.0.2.7' } }));
    expect(engine.calls.count('bridge')).toBe(0);
    // Nothing left: the session ends with its call (no attributes, no timers).
    await vi.waitFor(() => expect(engine.sessions.count('bridge')).toBe(0));
  });

  it('a call that ends by itself is forgotten: terminating it later answers false', async () => {
    const decision = bridge(await engine.decide(invite()));
    decision.onLegs?.(legs, { terminate: async () => expect.fail('an ended call must not be terminated') });
    expect(engine.calls.count('bridge')).toBe(1);
    expect(engine.stats('bridge').calls).toBe(1);
    decision.onEnd?.({ by: 'b', reason: 'remote-bye' });
    expect(engine.calls.count('bridge')).toBe(0);
    expect(engine.stats('bridge').calls).toBe(0);
    await vi.waitFor(() => expect(kv.get('bridge', 'ended')).toMatchObject({ by: 'callee', reason: 'remote-bye' }));
    // The app's timer still fires and finds the call gone.
    await vi.waitFor(() => expect(kv.get('bridge', 'terminated')).toEqual([false, false]));
    await vi.waitFor(() => expect(engine.sessions.count('bridge')).toBe(0));
  });

  it("leg B's failure resumes the app, which may answer the caller itself; a CANCEL resumes it with `cancelled`", async () => {
    const busy = bridge(await engine.decide(invite()));
    expect(await busy.onOutcome?.({ kind: 'busy', status: 486, reason: 'Busy Here' })).toEqual({ kind: 'reject', status: 486, reason: 'Busy (app)' });
    // The core also reports the end of a failed attempt; it is not a call that ended.
    busy.onEnd?.({ by: 'failure', status: 486 });
    expect(kv.get('bridge', 'result')).toEqual({ outcome: 'busy', status: 486, call: null });
    expect(kv.get('bridge', 'ended')).toBeUndefined();

    const cancelled = bridge(await engine.decide(invite()));
    cancelled.onEnd?.({ by: 'cancel' });
    await vi.waitFor(() => expect(kv.get('bridge', 'result')).toEqual({ outcome: 'cancelled', status: 487, call: null }));
    await vi.waitFor(() => expect(engine.sessions.count('bridge')).toBe(0));
  });

  it('answers 501 when the server has no UA core to bridge with', async () => {
    expect(await engine.decide(invite(withoutUa))).toEqual({ kind: 'reject', status: 501, reason: 'Not Implemented' });
    expect(engine.sessions.count('bridge')).toBe(0);
  });
});
