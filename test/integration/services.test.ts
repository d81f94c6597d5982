/**
 * The service interface end to end: engines decide for initial requests through the services
 * stage, the proxy carries the decisions out and reports branch outcomes back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../platform/endpoint/services-stage.js';
import type { BranchOutcome, Decision } from '../../platform/services/decision.js';
import type { ServiceCall, ServiceEngine } from '../../platform/services/service-engine.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';
import { sleep } from '../support/until.js';

/** Outcomes carry the best response itself (BranchOutcome.response); compared without it. */
function withoutResponse(outcome: BranchOutcome): BranchOutcome {
  const { response: _response, ...rest } = outcome;
  return rest as BranchOutcome;
}

describe('service engines through the services stage', () => {
  let server: ProxyServer;
  const uas: TestUa[] = [];
  const users = ['alice', 'bob', 'carol'].map((username) => ({ username, password: `pw-${username}` }));
  const ua = async (name: string, answer?: TestUa['answer']): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    uas.push(agent);
    return agent;
  };
  afterEach(async () => {
    await Promise.all(uas.splice(0).map((agent) => agent.stop()));
    await server.stop();
  });

  function engine(name: string, decide: (call: ServiceCall) => Decision | Promise<Decision>): ServiceEngine {
    return { name, decide };
  }

  it('a reject decision answers the caller; the callee never rings', async () => {
    const seen: string[] = [];
    server = await startProxyServer({
      users,
      engines: [
        engine('screen', (call) => {
          seen.push(`${call.direction}:${call.aor}`);
          return call.direction === 'terminating' ? { kind: 'reject', status: 603, reason: 'Decline' } : { kind: 'continue' };
        }),
      ],
    });
    const bob = await ua('bob');
    await bob.register();
    const alice = await ua('alice');
    const final = await alice.call(bob.aor).final;
    expect(final.status).toBe(603);
    expect(bob.methods()).toEqual([]);
    // Originating (alice, authenticated) ran before terminating (bob).
    expect(seen).toEqual([`originating:alice@${server.domain}`, `terminating:bob@${server.domain}`]);
  });

  it('continue everywhere: default routing by the location service', async () => {
    server = await startProxyServer({ users, engines: [engine('noop', () => ({ kind: 'continue' }))] });
    const bob = await ua('bob');
    await bob.register();
    const alice = await ua('alice');
    expect((await alice.call(bob.aor).final).status).toBe(200);
  });

  it('a respond decision sends the engine\'s response with its headers', async () => {
    server = await startProxyServer({
      users,
      engines: [engine('busy-here', () => ({ kind: 'respond', status: 486, reason: 'Gone Fishing', headers: [{ name: 'Retry-After', value: '3600' }] }))],
    });
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${server.domain}`).final;
    expect(final.status).toBe(486);
    expect(final.reason).toBe('Gone Fishing');
    expect(final.getHeader('Retry-After')).toBe('3600');
  });

  it('a redirect decision answers 302 with the contacts', async () => {
    server = await startProxyServer({
      users,
      engines: [engine('moved', (call) => (call.direction === 'terminating' ? { kind: 'redirect', contacts: [{ uri: 'sip:bob@192.0.2.55', q: 0.5 }] } : { kind: 'continue' }))],
    });
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${server.domain}`).final;
    expect(final.status).toBe(302);
    expect(final.getHeaders('Contact')).toEqual(['<sip:bob@192.0.2.55>;q=0.5']);
  });

  it('proxy, then on busy proxy elsewhere (a CPL proxy/busy output); outcomes are reported', async () => {
    const outcomes: BranchOutcome[] = [];
    server = await startProxyServer({
      users,
      engines: [
        engine('forward-on-busy', (call) => {
          if (call.direction !== 'terminating') return { kind: 'continue' };
          return {
            kind: 'proxy',
            targets: [{ uri: call.request.uri.kind === 'sip' ? `sip:bob@${server.domain}` : '' }],
            onOutcome: (outcome) => {
              outcomes.push(withoutResponse(outcome));
              if (outcome.kind !== 'busy') return { kind: 'continue' };
              return {
                kind: 'proxy',
                targets: [{ uri: `sip:carol@${server.domain}` }],
                onOutcome: (second) => {
                  outcomes.push(withoutResponse(second));
                  return { kind: 'continue' };
                },
              };
            },
          };
        }),
      ],
    });
    const bob = await ua('bob', [{ status: 486 }]);
    const carol = await ua('carol');
    await bob.register();
    await carol.register();
    const alice = await ua('alice');
    const call = alice.call(bob.aor);
    expect((await call.final).status).toBe(200);
    expect(bob.methods()).toEqual(['INVITE']);
    expect(carol.methods()[0]).toBe('INVITE');
    await sleep(20);
    expect(outcomes).toEqual([
      { kind: 'busy', status: 486, reason: 'Busy Here' },
      { kind: 'success', status: 200 },
    ]);
  });

  it('noanswer after the decision\'s timeout, then reject', async () => {
    const outcomes: BranchOutcome[] = [];
    server = await startProxyServer({
      users,
      engines: [
        engine('voicemail-less', (call) =>
          call.direction === 'terminating'
            ? {
                kind: 'proxy',
                targets: [{ uri: `sip:bob@${server.domain}` }],
                options: { timeoutMs: 150 },
                onOutcome: (outcome) => {
                  outcomes.push(withoutResponse(outcome));
                  return outcome.kind === 'noanswer' ? { kind: 'reject', status: 480, reason: 'Nobody Home' } : { kind: 'continue' };
                },
              }
            : { kind: 'continue' },
        ),
      ],
    });
    const bob = await ua('bob', [{ status: 180 }]);
    await bob.register();
    const alice = await ua('alice');
    const call = alice.call(bob.aor);
    const final = await call.final;
    expect(final.status).toBe(480);
    expect(final.reason).toBe('Nobody Home');
    expect(call.statuses()).toContain(180);
    expect(outcomes).toEqual([{ kind: 'noanswer', status: 408, reason: 'Request Timeout', timedOut: true }]);
  });

  it('the host gives engines the location service and registration events', async () => {
    const events: string[] = [];
    let lookedUp: unknown;
    server = await startProxyServer({
      users,
      engines: [
        engine('observer', async (call) => {
          lookedUp = await call.host.lookup(`sip:bob@${server.domain}`);
          return { kind: 'continue' };
        }),
      ],
    });
    const bob = await ua('bob');
    // The same host the services stage hands to engines.
    const host = createServiceHost(server.registrar);
    const unsubscribe = host.onRegistration((event) => events.push(`${event.type} ${event.aor} ${event.contact.uri}`));
    await bob.register();
    const alice = await ua('alice');
    await alice.call(bob.aor).final;
    unsubscribe();
    expect(events).toEqual([`added bob@${server.domain} ${bob.contact}`]);
    expect(host.isLocalDomain(server.domain.toUpperCase())).toBe(true);
    expect(lookedUp).toMatchObject({ kind: 'found', contacts: [{ uri: bob.contact, q: 1 }] });
  });
});
