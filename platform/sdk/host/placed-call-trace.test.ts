/**
 * Per-app message traces of the calls an app places (issue 5 §8): `ctx.uac.invite` and both legs
 * of `ctx.calls.connect` get their Call-ID from the host, which marks them for the app with the
 * real Tracer before the first INVITE goes out — so a traced app's trace starts with that INVITE
 * (not with whatever follows it), and the second 3PCC leg shows as a leg of the first. The core is
 * reduced to its UA surface; it "sends" each INVITE through the tracer as the transport hook does
 * (platform/trace/trace-hooks.ts). The SIP side over real sockets: test/e2e/app-uac-invite.e2e.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { ClientHandle, OutgoingRequestSpec, ServiceHost, ThirdPartyCallEnd, ThirdPartyCallLegs, ThirdPartyCallSpec } from '../../services/index.js';
import { flow, nextTurn, request } from '../../trace/test-support.js';
import { formatCallList, openTraceStore, Tracer, type TraceStore } from '../../trace/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { CallRegistry } from './call-registry.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
const OFFER = 'v=0\r\no=app 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n';

const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  events: {
    async dial(event, ctx) {
      const call = await ctx.calls.connect(event.payload.a, event.payload.b);
      return { call: call.id };
    },
    async ring(event, ctx) {
      await ctx.uac.invite({ uri: event.payload.uri, body: ${JSON.stringify(OFFER)} });
    },
  },
});`;

describe('per-app traces of the calls an app places', () => {
  let dataDir: string;
  let traces: TraceStore;
  let tracer: Tracer;
  let runtime: AppRuntime;
  let engine: AppEngine;
  let invites: OutgoingRequestSpec[];
  let connects: ThirdPartyCallSpec[];

  /** An INVITE leaving through the traced transport. */
  const send = (callId: string, to: string): void => tracer.recordOutbound(request('INVITE', { callId, from: 'placer@sb.test', to }), flow, tracer.nowUs());

  const host: ServiceHost = {
    isLocalDomain: () => false,
    lookup: async () => ({ kind: 'unknown-user' }),
    onRegistration: () => () => undefined,
    userAgent: {
      sendRequest(spec): ClientHandle {
        invites.push(spec);
        send(spec.callId ?? 'core-chosen', 'bob@192.0.2.8');
        return { final: new Promise(() => undefined), dialog: () => new Promise(() => undefined), cancel: () => undefined };
      },
      thirdPartyCall(spec) {
        connects.push(spec);
        // (1) A is called first; B only once A answered (RFC 3725 Flow I).
        send(spec.aCallId ?? 'core-chosen-a', 'alice@192.0.2.7');
        setTimeout(() => send(spec.bCallId ?? 'core-chosen-b', 'carol@192.0.2.9'), 5);
        return {
          established: new Promise<ThirdPartyCallLegs | undefined>(() => undefined),
          ended: new Promise<ThirdPartyCallEnd>(() => undefined),
          terminate: async () => undefined,
        };
      },
    },
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'placed-trace-'));
    traces = openTraceStore({ dataDir, logger: silentLogger });
    tracer = new Tracer({ store: traces, logger: silentLogger });
    invites = [];
    connects = [];
    const calls = new CallRegistry();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv: createMemoryKv(), calls, host: { current: host } })) });
    engine = createAppEngine({ runtime, logger: silentLogger, calls, callMarker: tracer });
    await runtime.deploy(await buildApp(APP, { name: 'placer', permissions: ['uac', 'calls'] }));
  });
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
    tracer.close();
    traces.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `switchboard trace on --app NAME`, as the tracer's poll picks it up. */
  const traceApp = (app: string): void => {
    traces.addRule({ kind: 'app', target: app }, 60_000);
    tracer.poll();
  };

  it("ctx.uac.invite: the app's INVITE carries a Call-ID the host chose, and the app's trace starts with it", async () => {
    traceApp('placer');
    expect(await engine.deliverEvent('placer', 'ring', { uri: 'sip:bob@192.0.2.8' }, { kind: 'admin' })).toEqual({ kind: 'ok', value: null });
    await vi.waitFor(() => expect(invites).toHaveLength(1));
    const callId = invites[0]!.callId!;
    expect(callId).toMatch(/^[0-9a-zA-Z]{22}$/u);
    await nextTurn();
    expect(traces.calls().map((call) => [call.callId, call.matched, call.linkedTo, call.firstLine])).toEqual([
      [callId, 'app:placer', undefined, 'INVITE sip:bob@192.0.2.8 SIP/2.0'],
    ]);
    expect(traces.messages(callId).map((m) => `${m.direction} ${m.firstLine}`)).toEqual(['out INVITE sip:bob@192.0.2.8 SIP/2.0']);
  });

  it('ctx.calls.connect: both legs are traced under the app from their INVITE, B as a leg of A', async () => {
    traceApp('placer');
    const answer = await engine.deliverEvent('placer', 'dial', { a: 'sip:alice@192.0.2.7', b: 'sip:carol@192.0.2.9' }, { kind: 'admin' });
    expect(answer).toMatchObject({ kind: 'ok', value: { call: expect.stringMatching(/^3pcc:/u) } });
    await vi.waitFor(() => expect(connects).toHaveLength(1));
    const { aCallId, bCallId } = connects[0]!;
    expect(aCallId).toMatch(/^[0-9a-zA-Z]{22}$/u);
    expect(bCallId).toMatch(/^[0-9a-zA-Z]{22}$/u);
    expect(bCallId).not.toBe(aCallId);
    await vi.waitFor(() => expect(traces.calls()).toHaveLength(2));
    expect(traces.calls().map((call) => [call.callId, call.matched, call.linkedTo, call.firstLine])).toEqual([
      [bCallId, 'app:placer', aCallId, 'INVITE sip:carol@192.0.2.9 SIP/2.0'],
      [aCallId, 'app:placer', undefined, 'INVITE sip:alice@192.0.2.7 SIP/2.0'],
    ]);
    // What `switchboard trace list` prints: both under the app's rule, B marked as A's leg.
    const list = formatCallList(traces.calls());
    expect(list).toMatch(new RegExp(`app:placer +${aCallId} +INVITE sip:alice@192\\.0\\.2\\.7 SIP/2\\.0\\n`, 'u'));
    expect(list).toMatch(new RegExp(`app:placer +${bCallId} +INVITE sip:carol@192\\.0\\.2\\.9 SIP/2\\.0  \\(leg of ${aCallId}\\)\\n`, 'u'));
  });

  it('traces nothing of an app without a rule (another app is traced), and nothing with no rule at all', async () => {
    await engine.deliverEvent('placer', 'ring', { uri: 'sip:bob@192.0.2.8' }, { kind: 'admin' });
    traceApp('someone-else');
    await engine.deliverEvent('placer', 'ring', { uri: 'sip:bob@192.0.2.8' }, { kind: 'admin' });
    await engine.deliverEvent('placer', 'dial', { a: 'sip:alice@192.0.2.7', b: 'sip:carol@192.0.2.9' }, { kind: 'admin' });
    await vi.waitFor(() => expect([invites.length, connects.length]).toEqual([2, 1]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await nextTurn();
    expect(invites.every((spec) => spec.callId !== undefined)).toBe(true);
    expect(traces.calls()).toEqual([]);
    expect(tracer.tracedCalls).toBe(0);
  });
});
