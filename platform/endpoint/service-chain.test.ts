/**
 * The shared service chain (service-chain.ts) on its own: which engines are asked with which
 * request, and which decision comes out. The stages' SIP behaviour with it: isc-stage.test.ts
 * and the standalone chain in test/integration.
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../services/decision.js';
import type { ServiceCall, ServiceEngine, ServiceHost } from '../services/service-engine.js';
import { createRequest, formatUri, type SipRequest } from '../sip/index.js';
import { decideChain, proxiedRequest, type ServiceChain } from './service-chain.js';

const host: ServiceHost = { lookup: async () => ({ kind: 'not-ours' }), isLocalDomain: () => false, onRegistration: () => () => undefined };
const invite = (uri: string): SipRequest =>
  createRequest({ method: 'INVITE', uri, headers: [{ name: 'Call-ID', value: 'chain-1' }, { name: 'CSeq', value: '1 INVITE' }, { name: 'X-Keep', value: 'yes' }] });

/** Engines that record the Request-URIs they are asked about. */
function engine(name: string, decide: (request: SipRequest) => Decision, seen: string[], directions?: ServiceEngine['directions']): ServiceEngine {
  return {
    name,
    ...(directions ? { directions } : {}),
    decide: (call) => {
      seen.push(`${name}:${formatUri(call.request.uri)}`);
      return decide(call.request);
    },
  };
}

function chainOf(engines: ServiceEngine[], extra: Partial<ServiceChain> = {}): ServiceChain {
  return {
    length: engines.length,
    at: (p, request) => {
      const call: ServiceCall = { request, direction: 'terminating', aor: 'bob@sb.test', source: { protocol: 'udp', address: '127.0.0.1', port: 5060 }, host };
      return { engine: engines[p]!, call };
    },
    ...extra,
  };
}

describe('decideChain', () => {
  it('a single-target proxy hands the proxied request on; the rest continuing leaves the upstream decision', async () => {
    const seen: string[] = [];
    const upstream: Decision = { kind: 'proxy', targets: [{ uri: 'sip:carol@sb.test', edits: { headers: [{ name: 'X-Up', value: '1' }] } }] };
    const headersSeen: Array<string | undefined> = [];
    const engines = [
      engine('a', () => upstream, seen),
      engine('b', (request) => (headersSeen.push(request.getHeader('X-Up')), { kind: 'continue' }), seen),
    ];
    const result = await decideChain(chainOf(engines), invite('sip:bob@sb.test'));
    expect(seen).toEqual(['a:sip:bob@sb.test', 'b:sip:carol@sb.test']);
    expect(headersSeen).toEqual(['1']);
    expect(result).toEqual({ decision: upstream, engines: ['a'] });
  });

  it('a multi-target proxy ends the chain; so does a reply after a proxy (composed: engines a→b)', async () => {
    const seen: string[] = [];
    const fork: Decision = { kind: 'proxy', targets: [{ uri: 'sip:x@sb.test' }, { uri: 'sip:y@sb.test' }] };
    const forked = await decideChain(chainOf([engine('a', () => fork, seen), engine('b', () => ({ kind: 'reject', status: 403 }), seen)]), invite('sip:bob@sb.test'));
    expect(forked).toEqual({ decision: fork, engines: ['a'] });
    expect(seen).toEqual(['a:sip:bob@sb.test']);

    const heard: string[] = [];
    const single: Decision = { kind: 'proxy', targets: [{ uri: 'sip:x@sb.test' }], onOutcome: (o) => (heard.push(o.kind), { kind: 'continue' }) };
    const rejected = await decideChain(chainOf([engine('a', () => single, []), engine('b', () => ({ kind: 'reject', status: 486 }), [])]), invite('sip:bob@sb.test'));
    expect(rejected.engines).toEqual(['a', 'b']);
    expect(rejected.decision).toMatchObject({ kind: 'reject', status: 486 });
    expect(heard).toEqual(['busy']);
  });

  it('skips positions without a service and engines not for the direction', async () => {
    const seen: string[] = [];
    const engines = [engine('a', () => ({ kind: 'reject', status: 500 }), seen, ['originating']), engine('b', () => ({ kind: 'reject', status: 403 }), seen), engine('c', () => ({ kind: 'continue' }), seen)];
    const base = chainOf(engines);
    const result = await decideChain({ ...base, at: (p, request) => (p === 1 ? undefined : base.at(p, request)) }, invite('sip:bob@sb.test'));
    expect(result).toEqual({ decision: { kind: 'continue' }, engines: [] });
    expect(seen).toEqual(['c:sip:bob@sb.test']);
  });

  it('proxiedRequest: a copy with the target (or what sentUri makes of it) as Request-URI', async () => {
    const received = invite('sip:bob@sb.test;user=phone');
    const same = proxiedRequest(received, { uri: 'sip:bob@sb.test' }, (r) => r);
    expect(same && formatUri(same.uri)).toBe('sip:bob@sb.test;user=phone');
    expect(same?.getHeader('X-Keep')).toBe('yes');
    expect(same).not.toBe(received);
    expect(proxiedRequest(received, { uri: 'not a uri' })).toBeUndefined();
    expect(formatUri(received.uri)).toBe('sip:bob@sb.test;user=phone');
  });
});
