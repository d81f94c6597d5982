/**
 * `ctx.calls.connect` and named events through the app engine over a real sandbox, driven as the
 * core drives a third-party call (ThirdPartyCallEvents of platform/services/user-agent.ts; the
 * SIP side is test/e2e/click-to-dial.e2e.test.ts): the host call answers at once with the call,
 * users of ours are called at their registered contact, `onCallConnected`/`onCallEnded` arrive
 * in the session that connected, which is held until the call is over; a ringing call can be
 * ended with `ctx.calls.terminate`; an unreachable party fails before anyone rings.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { ServiceHost, ThirdPartyCallEnd, ThirdPartyCallEvents, ThirdPartyCallLegs, ThirdPartyCallSpec } from '../../services/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { CallRegistry } from './call-registry.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv, type KvBackend } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;

const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  events: {
    async dial(event, ctx) {
      const call = await ctx.calls.connect(event.payload.a, event.payload.b, { headers: { 'X-Click': '1' } });
      ctx.session.set('dialed', call.id);
      return { call: call.id, target: call.target, caller: event.caller };
    },
    async stop(event, ctx) {
      return { ended: await ctx.calls.terminate(event.payload.call) };
    },
    bad() {
      return { at: new Date(0) };
    },
    crash() {
      throw new Error('boom');
    },
  },
  async onCallConnected(call, result, ctx) {
    await ctx.kv.set('connected:' + call.id, { ...result, leg: result.leg ?? null, session: ctx.session.get('dialed') ?? null });
  },
  async onCallEnded(call, end, ctx) {
    await ctx.kv.set('ended:' + call.id, { ...end, session: ctx.session.get('dialed') ?? null });
  },
});`;

interface Started {
  spec: ThirdPartyCallSpec;
  events: ThirdPartyCallEvents;
  terminated: number;
}

describe('ctx.calls.connect through the app engine', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  let kv: KvBackend;
  let started: Started[];
  let registry: CallRegistry;

  /** The core's third-party call, reduced to its events (the legs are the core's). */
  const host: ServiceHost = {
    isLocalDomain: (domain) => domain === 'sb.test',
    lookup: async (uri) =>
      uri.startsWith('sip:alice@')
        ? { kind: 'found', contacts: [{ uri: 'sip:alice@192.0.2.1:5070', q: 0.5, expiresAt: 0 }, { uri: 'sip:alice@192.0.2.2:5070', q: 1, expiresAt: 0 }] }
        : uri.startsWith('sip:bob@')
          ? { kind: 'no-bindings' }
          : { kind: 'unknown-user' },
    onRegistration: () => () => undefined,
    userAgent: {
      sendRequest: () => {
        throw new Error('not used');
      },
      thirdPartyCall(spec, events = {}) {
        const entry: Started = { spec, events, terminated: 0 };
        started.push(entry);
        return {
          established: new Promise<ThirdPartyCallLegs | undefined>(() => undefined),
          ended: new Promise<ThirdPartyCallEnd>(() => undefined),
          async terminate() {
            entry.terminated += 1;
            events.onEnd?.({ by: 'local' });
          },
        };
      },
    },
  };

  beforeEach(async () => {
    started = [];
    registry = new CallRegistry();
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv, calls: registry, host: { current: host } })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls: registry });
    await runtime.deploy(await buildApp(APP, { name: 'c2d', permissions: ['kv', 'calls'] }));
  });
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  it('answers the event at once with the call; rings our user at their best contact; reports connected, then the end, in the same session', async () => {
    const answer = await engine.deliverEvent('c2d', 'dial', { a: 'sip:alice@sb.test', b: 'sip:carol@192.0.2.9' }, { kind: 'user', aor: 'alice@sb.test' });
    expect(answer).toMatchObject({ kind: 'ok', value: { target: 'sip:carol@192.0.2.9', caller: { kind: 'user', aor: 'alice@sb.test' } } });
    const id = answer.kind === 'ok' ? (answer.value as { call: string }).call : '';
    expect(started).toHaveLength(1);
    expect(started[0]!.spec).toEqual({
      a: 'sip:alice@192.0.2.2:5070',
      b: 'sip:carol@192.0.2.9',
      // To names the party; the Request-URI is alice's registered contact.
      aTo: '<sip:alice@sb.test>',
      bTo: '<sip:carol@192.0.2.9>',
      from: '<sip:c2d@sb.test>',
      bFrom: '<sip:alice@sb.test>',
      headers: [{ name: 'X-Click', value: '1' }],
      // Chosen by the host before A rings (per-app traces), one per dialog.
      aCallId: expect.stringMatching(/^[0-9a-zA-Z]{22}$/u),
      bCallId: expect.stringMatching(/^[0-9a-zA-Z]{22}$/u),
    });
    expect(started[0]!.spec.aCallId).not.toBe(started[0]!.spec.bCallId);
    expect(registry.count('c2d')).toBe(1);
    // The event's session stays pinned while the call rings (it holds the call).
    expect(engine.sessions.count('c2d')).toBe(1);
    expect(runtime.status('c2d')?.sessions).toBe(1);

    started[0]!.events.onEstablished?.({} as ThirdPartyCallLegs);
    await vi.waitFor(() => expect(kv.get('c2d', `connected:${id}`)).toEqual({ outcome: 'connected', status: 200, reason: 'OK', leg: null, session: id }));
    started[0]!.events.onEnd?.({ by: 'b', reason: 'remote-bye' });
    await vi.waitFor(() => expect(kv.get('c2d', `ended:${id}`)).toMatchObject({ by: 'callee', reason: 'remote-bye', session: id }));
    expect(registry.count('c2d')).toBe(0);
    // The session had only the one attribute and nothing pending: it expires normally; its pin is gone.
    expect(runtime.status('c2d')?.sessions).toBe(0);
  });

  it('ends a call that still rings (CANCEL by the core): the attempt fails with 487; terminating again answers false', async () => {
    const answer = await engine.deliverEvent('c2d', 'dial', { a: 'sip:alice@sb.test', b: 'sip:carol@192.0.2.9' }, { kind: 'admin' });
    const id = answer.kind === 'ok' ? (answer.value as { call: string }).call : '';
    expect(await engine.deliverEvent('c2d', 'stop', { call: id }, { kind: 'admin' })).toEqual({ kind: 'ok', value: { ended: true } });
    expect(started[0]!.terminated).toBe(1);
    await vi.waitFor(() => expect(kv.get('c2d', `connected:${id}`)).toMatchObject({ outcome: 'failed', status: 487 }));
    expect(kv.get('c2d', `ended:${id}`)).toBeUndefined();
    expect(await engine.deliverEvent('c2d', 'stop', { call: id }, { kind: 'admin' })).toEqual({ kind: 'ok', value: { ended: false } });
  });

  it('fails before anyone rings when a user of ours has no phone registered (480) or is unknown (404)', async () => {
    for (const [b, status] of [['sip:bob@sb.test', 480], ['sip:nobody@sb.test', 404]] as const) {
      const answer = await engine.deliverEvent('c2d', 'dial', { a: 'sip:alice@sb.test', b }, { kind: 'admin' });
      const id = answer.kind === 'ok' ? (answer.value as { call: string }).call : '';
      await vi.waitFor(() => expect(kv.get('c2d', `connected:${id}`)).toMatchObject({ outcome: 'failed', status, leg: 'b' }));
    }
    expect(started).toHaveLength(0);
    await vi.waitFor(() => expect(runtime.status('c2d')?.sessions).toBe(0));
  });

  it('reports a failed leg with its status and leg', async () => {
    const answer = await engine.deliverEvent('c2d', 'dial', { a: 'sip:alice@sb.test', b: 'sip:carol@192.0.2.9' }, { kind: 'admin' });
    const id = answer.kind === 'ok' ? (answer.value as { call: string }).call : '';
    started[0]!.events.onEnd?.({ by: 'failure', leg: 'a', status: 486, reason: 'Busy Here' });
    await vi.waitFor(() => expect(kv.get('c2d', `connected:${id}`)).toMatchObject({ outcome: 'failed', status: 486, reason: 'Busy Here', leg: 'a' }));
    expect(registry.count('c2d')).toBe(0);
  });

  it('refuses a party that is not a SIP URI: the host call throws in the app (the event faults, 500)', async () => {
    expect(await engine.deliverEvent('c2d', 'dial', { a: 'alice', b: 'sip:carol@192.0.2.9' }, { kind: 'admin' })).toMatchObject({ kind: 'fault' });
    expect(started).toHaveLength(0);
  });

  it('answers named events: unknown app or event → not-found; a throw or a non-JSON answer → fault', async () => {
    expect(await engine.deliverEvent('nope', 'dial', null, { kind: 'admin' })).toMatchObject({ kind: 'not-found' });
    expect(await engine.deliverEvent('c2d', 'missing', null, { kind: 'admin' })).toMatchObject({ kind: 'not-found' });
    expect(await engine.deliverEvent('c2d', 'constructor', null, { kind: 'admin' })).toMatchObject({ kind: 'not-found' });
    expect(await engine.deliverEvent('c2d', 'crash', null, { kind: 'admin' })).toMatchObject({ kind: 'fault' });
    expect(await engine.deliverEvent('c2d', 'bad', null, { kind: 'admin' })).toMatchObject({ kind: 'fault' });
    await vi.waitFor(() => expect(engine.sessions.count('c2d')).toBe(0));
  });
});
