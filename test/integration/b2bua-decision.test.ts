/**
 * The `b2bua` decision through the real pipeline: an engine answers a call to bob as a B2BUA;
 * the services stage looks bob up in the location service and the UA core calls his phone on a
 * new leg (own Call-ID), relays the answer to the caller, and a BYE on one leg ends the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { B2buaControl, B2buaEnd, BranchOutcome, ServiceEngine } from '../../platform/services/index.js';
import { formatUri } from '../../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';
import { until } from '../support/until.js';

const users = ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` }));


describe('b2bua decisions through the services stage', () => {
  let server: ProxyServer;
  const agents: TestUa[] = [];
  const ua = async (name: string, answer?: TestUa['answer']): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    agents.push(agent);
    return agent;
  };
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
    await server.stop();
  });

  function b2buaTo(target: () => string, events: { ends: B2buaEnd[]; controls: B2buaControl[]; outcomes: BranchOutcome[] }, timeoutMs?: number): ServiceEngine {
    return {
      name: 'b2bua-test',
      directions: ['terminating'],
      decide: () => ({
        kind: 'b2bua',
        target: target(),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        onLegs: (_legs, control) => events.controls.push(control),
        onEnd: (end) => events.ends.push(end),
        onOutcome: (outcome) => {
          events.outcomes.push(outcome);
          return { kind: 'continue' };
        },
      }),
    };
  }

  it('bridges the caller to the callee\'s registered phone on a new leg; the caller\'s BYE ends leg B', async () => {
    const events = { ends: [] as B2buaEnd[], controls: [] as B2buaControl[], outcomes: [] as BranchOutcome[] };
    server = await startProxyServer({ users, engines: [b2buaTo(() => `sip:bob@${server.domain}`, events)] });
    const bob = await ua('bob');
    await bob.register();
    const alice = await ua('alice');
    const call = alice.call(bob.aor, { password: 'pw-alice' });
    const final = await call.final;
    expect(final.status).toBe(200);
    await until(() => events.controls.length === 1);
    const inviteAtBob = bob.received.find((entry) => entry.method === 'INVITE')!.request;
    // A new dialog toward bob: not the caller's Call-ID, and bob's phone (its Contact) as the Request-URI.
    expect(inviteAtBob.callId).not.toBe(call.callId);
    expect(formatUri(inviteAtBob.uri)).toBe(bob.contact);
    expect(final.callId).toBe(call.callId);
    await until(() => bob.methods().includes('ACK'));

    expect((await call.bye()).status).toBe(200);
    await until(() => bob.methods().includes('BYE'));
    const byeAtBob = bob.received.find((entry) => entry.method === 'BYE')!.request;
    expect(byeAtBob.callId).toBe(inviteAtBob.callId);
    await until(() => events.ends.length === 1);
    expect(events.ends[0]).toEqual({ by: 'a', reason: 'remote-bye' });
  });

  it('a busy callee is reported to the engine, and `continue` relays the 486 to the caller', async () => {
    const events = { ends: [] as B2buaEnd[], controls: [] as B2buaControl[], outcomes: [] as BranchOutcome[] };
    server = await startProxyServer({ users, engines: [b2buaTo(() => `sip:bob@${server.domain}`, events)] });
    const bob = await ua('bob', [{ status: 486 }]);
    await bob.register();
    const alice = await ua('alice');
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(486);
    expect(events.outcomes.map((outcome) => outcome.kind)).toEqual(['busy']);
    expect(events.controls).toEqual([]);
  });

  it('a target with no registration is a 480 failure without a leg B', async () => {
    const events = { ends: [] as B2buaEnd[], controls: [] as B2buaControl[], outcomes: [] as BranchOutcome[] };
    server = await startProxyServer({ users, engines: [b2buaTo(() => `sip:bob@${server.domain}`, events)] });
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${server.domain}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(480);
    expect(events.outcomes).toEqual([{ kind: 'failure', status: 480, reason: 'Temporarily Unavailable' }]);
  });

  it('a callee ringing past timeoutMs is CANCELled and the engine hears noanswer (a local 408)', async () => {
    const events = { ends: [] as B2buaEnd[], controls: [] as B2buaControl[], outcomes: [] as BranchOutcome[] };
    server = await startProxyServer({ users, engines: [b2buaTo(() => `sip:bob@${server.domain}`, events, 300)] });
    const bob = await ua('bob', [{ status: 180 }]);
    await bob.register();
    const alice = await ua('alice');
    const started = Date.now();
    const final = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(final.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(events.outcomes).toEqual([expect.objectContaining({ kind: 'noanswer', status: 408, timedOut: true })]);
    await until(() => bob.methods().includes('CANCEL'));
    expect(events.controls).toEqual([]);
  });
});
