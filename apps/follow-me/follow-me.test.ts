/**
 * follow-me through the app engine with a real sandbox: each attempt's outcome moves the hunt to
 * the next number, an answer ends it, the numbers tried are kept in the application session.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppRuntime } from '../../platform/container/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import type { Decision, ServiceCall, ServiceHost } from '../../platform/services/index.js';
import { AppManager, capabilityProviders, createAppEngine, createCapabilityContainer, createMemoryKv, type AppEngine, type KvBackend } from '../../platform/sdk/host/index.js';
import { parseMessage, SipRequest } from '../../platform/sip/index.js';

const host: ServiceHost = { lookup: async () => ({ kind: 'not-ours' }), isLocalDomain: () => true, onRegistration: () => () => undefined };
let seq = 0;
function invite(direction: 'terminating' | 'originating' = 'terminating'): ServiceCall {
  const id = `fm-${++seq}`;
  const text =
    `INVITE sip:bob@sb.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${id}\r\nMax-Forwards: 70\r\n` +
    `From: <sip:alice@outside.test>;tag=${id}\r\nTo: <sip:bob@sb.test>\r\nCall-ID: ${id}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  const { message } = parseMessage(Buffer.from(text));
  if (!(message instanceof SipRequest)) throw new Error('did not parse');
  return { request: message, direction, aor: direction === 'terminating' ? 'bob@sb.test' : 'alice@outside.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5070 }, host };
}

function proxied(decision: Decision): { uris: string[]; timeoutMs: number | undefined; next: NonNullable<Extract<Decision, { kind: 'proxy' }>['onOutcome']> } {
  if (decision.kind !== 'proxy' || decision.onOutcome === undefined) throw new Error(`expected a proxy decision, got ${decision.kind}`);
  return { uris: decision.targets.map((t) => t.uri), timeoutMs: decision.options?.timeoutMs, next: decision.onOutcome };
}

describe('follow-me sample', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  let kv: KvBackend;

  beforeAll(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await new AppManager({ runtime, logger: silentLogger }).deployDir(fileURLToPath(new URL('.', import.meta.url)));
  });
  afterAll(async () => {
    engine.close();
    await runtime.close();
  });

  it('hunts through the list in order, each number for its own time, until one answers', async () => {
    kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1', { uri: 'sip:mobile@10.0.0.2', seconds: 30 }, 'sip:home@10.0.0.3']);
    kv.set('follow-me', 'timeout:bob@sb.test', 10);
    const call = invite();
    const desk = proxied(await engine.decide(call));
    expect(desk).toMatchObject({ uris: ['sip:desk@10.0.0.1'], timeoutMs: 10_000 });
    const mobile = proxied(await desk.next({ kind: 'noanswer', status: 408, reason: 'Request Timeout', timedOut: true }));
    expect(mobile).toMatchObject({ uris: ['sip:mobile@10.0.0.2'], timeoutMs: 30_000 });
    const home = proxied(await mobile.next({ kind: 'busy', status: 486, reason: 'Busy Here' }));
    expect(home.uris).toEqual(['sip:home@10.0.0.3']);
    expect(await home.next({ kind: 'success', status: 200 })).toEqual({ kind: 'continue' });
    expect(engine.sessions.get('follow-me', call.request.callId)?.attributes.tried).toEqual([
      { uri: 'sip:desk@10.0.0.1', status: 408 },
      { uri: 'sip:mobile@10.0.0.2', status: 486 },
      { uri: 'sip:home@10.0.0.3', status: 200 },
    ]);
  });

  it('when nobody answers the caller gets the last answer; without a list, normal routing', async () => {
    kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1']);
    kv.delete('follow-me', 'timeout:bob@sb.test');
    const desk = proxied(await engine.decide(invite()));
    expect(desk.timeoutMs).toBe(15_000);
    // No action after the last attempt: `continue` sends the caller the proxy's best response.
    expect(await desk.next({ kind: 'failure', status: 503, reason: 'Service Unavailable' })).toEqual({ kind: 'continue' });
    kv.delete('follow-me', 'followme:bob@sb.test');
    expect(await engine.decide(invite())).toEqual({ kind: 'continue' });
    // The caller's own calls are not hunted.
    kv.set('follow-me', 'followme:bob@sb.test', ['sip:desk@10.0.0.1']);
    expect(await engine.decide(invite('originating'))).toEqual({ kind: 'continue' });
  });
});
