/**
 * Registrar, digest auth and the §16 proxy over real loopback sockets: in-process UAs built on
 * the core register with the server and call each other through it, over UDP and TCP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRequest, generateBranch, type SipResponse } from '../../platform/sip/index.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';
import { sleep, until } from '../support/until.js';

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`registrar and proxy over ${protocol.toUpperCase()}`, () => {
    let server: ProxyServer;
    const uas: TestUa[] = [];
    const ua = async (name: string, password = 'pw-' + name, answer?: TestUa['answer']): Promise<TestUa> => {
      const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, protocol, domain: server.domain, password, ...(answer ? { answer } : {}) }).start();
      uas.push(agent);
      return agent;
    };

    beforeAll(async () => {
      server = await startProxyServer({
        users: ['alice', 'bob', 'carol', 'dave'].map((username) => ({ username, password: `pw-${username}` })),
        proxy: { sequentialTimeoutMs: 300 },
        limiter: { maxFailures: 1000 },
      });
    });
    afterEach(async () => {
      await Promise.all(uas.splice(0).map((agent) => agent.stop()));
      for (const name of ['alice', 'bob', 'carol', 'dave']) await server.store.bindings.removeAll(`${name}@${server.domain}`);
    });
    afterAll(async () => {
      await server.stop();
    });

    it('challenges a REGISTER with 401, then binds the contact and lists it', async () => {
      const bob = await ua('bob');
      const first = await bob.sendNonInvite(
        bob.buildRequest('REGISTER', `sip:${server.domain}`, { callId: 'r1', cseq: 1, to: `<${bob.aor}>`, extra: [{ name: 'Contact', value: `<${bob.contact}>` }] }),
      );
      expect(first.status).toBe(401);
      expect(first.getHeaders('WWW-Authenticate').length).toBeGreaterThan(0);
      const ok = await bob.register({ expires: 300 });
      expect(ok.status).toBe(200);
      expect(ok.getHeaders('Contact')).toEqual([`<${bob.contact}>;expires=300`]);
      const bindings = await server.store.bindings.listActive(`bob@${server.domain}`, Date.now());
      expect(bindings.map((b) => b.received?.protocol)).toEqual([protocol]);
    });

    it('a wrong password gets 401 again, and so does an unknown user', async () => {
      const bob = await ua('bob', 'wrong');
      expect((await bob.register()).status).toBe(401);
      const mallory = await ua('mallory', 'whatever');
      expect((await mallory.register()).status).toBe(401);
    });

    it('a replayed Authorization (same nonce and nonce-count) gets 401 with a fresh challenge', async () => {
      const bob = await ua('bob');
      const build = () =>
        bob.buildRequest('REGISTER', `sip:${server.domain}`, { callId: 'replay', cseq: 1, to: `<${bob.aor}>`, extra: [{ name: 'Contact', value: `<${bob.contact}>` }] });
      const challenge = await bob.sendNonInvite(build());
      const first = build();
      bob.authorize(first, challenge, 'pw-bob');
      expect((await bob.sendNonInvite(first)).status).toBe(200);
      const again = build();
      again.setHeader('CSeq', '2 REGISTER');
      again.setHeader('Authorization', first.getHeader('Authorization') as string);
      const replayed = await bob.sendNonInvite(again);
      expect(replayed.status).toBe(401);
      const nonce = (value: string | undefined) => /nonce="([^"]+)"/u.exec(value ?? '')?.[1];
      expect(nonce(replayed.getHeaders('WWW-Authenticate')[0])).not.toBe(nonce(challenge.getHeaders('WWW-Authenticate')[0]));
    });

    it('refuses to let alice register bob\'s AOR (403)', async () => {
      const alice = await ua('alice');
      const build = () =>
        alice.buildRequest('REGISTER', `sip:${server.domain}`, { callId: 'steal', cseq: 1, to: `<sip:bob@${server.domain}>`, extra: [{ name: 'Contact', value: `<${alice.contact}>` }] });
      const challenge = await alice.sendNonInvite(build());
      const retry = build();
      retry.setHeader('CSeq', '2 REGISTER');
      alice.authorize(retry, challenge, 'pw-alice');
      expect((await alice.sendNonInvite(retry)).status).toBe(403);
    });

    it('calls a registered user: 407, then INVITE/180/200/ACK/BYE through the proxy with Record-Route', async () => {
      const bob = await ua('bob');
      expect((await bob.register()).status).toBe(200);
      const alice = await ua('alice');
      const call = alice.call(bob.aor);
      const final = await call.final;
      expect(final.status).toBe(200);
      expect(call.statuses()).toEqual(expect.arrayContaining([407, 180, 200]));
      expect(final.getHeaders('Record-Route')).toEqual([`<sip:127.0.0.1:${server.port}${protocol === 'tcp' ? ';transport=tcp' : ''};lr>`]);
      await until(() => bob.methods().includes('ACK'));
      const bye = await call.bye();
      expect(bye.status).toBe(200);
      expect(bob.methods()).toEqual(['INVITE', 'ACK', 'BYE']);
      // Bob saw our Record-Route and no Proxy-Authorization for our realm.
      const invite = bob.received[0]?.request;
      expect(invite?.hasHeader('Proxy-Authorization')).toBe(false);
      expect(invite?.maxForwards).toBe(69);
    });

    it('404 for an unknown user, 480 for a user with no binding', async () => {
      const alice = await ua('alice');
      expect((await alice.call(`sip:nobody@${server.domain}`).final).status).toBe(404);
      expect((await alice.call(`sip:carol@${server.domain}`).final).status).toBe(480);
    });

    it('forks to two registrations: one answers 486, the other 200; the caller gets 200', async () => {
      const busy = await ua('bob', 'pw-bob', [{ status: 486 }]);
      const answering = await ua('bob', 'pw-bob', [{ status: 180, delayMs: 50 }, { status: 200, delayMs: 100 }]);
      expect((await busy.register()).status).toBe(200);
      expect((await answering.register()).status).toBe(200);
      const alice = await ua('alice');
      const call = alice.call(`sip:bob@${server.domain}`);
      expect((await call.final).status).toBe(200);
      expect(call.statuses()).not.toContain(486);
      expect(busy.methods()).toEqual(['INVITE']);
      await until(() => answering.methods().includes('ACK'));
      expect((await call.bye()).status).toBe(200);
    });

    it('forks sequentially by q: the higher q rings first, the lower only after it failed', async () => {
      const first = await ua('bob', 'pw-bob', [{ status: 480, delayMs: 30 }]);
      const second = await ua('bob', 'pw-bob', [{ status: 200 }]);
      expect((await second.register({ q: 0.5 })).status).toBe(200);
      expect((await first.register({ q: 1.0 })).status).toBe(200);
      const alice = await ua('alice');
      const call = alice.call(`sip:bob@${server.domain}`);
      await until(() => first.methods().includes('INVITE'));
      expect(second.methods()).toEqual([]);
      expect((await call.final).status).toBe(200);
      expect(second.methods()[0]).toBe('INVITE');
    });

    it('gives a ringing higher-q contact up after the sequential timeout and rings the next', async () => {
      const slow = await ua('dave', 'pw-dave', [{ status: 180 }]);
      const next = await ua('dave', 'pw-dave', [{ status: 200 }]);
      await slow.register({ q: 0.9 });
      await next.register({ q: 0.1 });
      const alice = await ua('alice');
      const call = alice.call(`sip:dave@${server.domain}`);
      expect((await call.final).status).toBe(200);
      await until(() => slow.methods().includes('CANCEL'));
    });

    it('CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE, the callee is CANCELled', async () => {
      const bob = await ua('bob', 'pw-bob', [{ status: 180 }]);
      await bob.register();
      const alice = await ua('alice');
      const call = alice.call(bob.aor);
      await until(() => call.statuses().includes(180));
      const cancelled = await call.cancel();
      expect(cancelled.status).toBe(200);
      expect((await call.final).status).toBe(487);
      await until(() => bob.methods().includes('CANCEL'));
    });

    it('answers an INVITE with Max-Forwards 0 with 483 and an unknown Proxy-Require with 420', async () => {
      const alice = await ua('alice');
      const send = async (headers: Array<{ name: string; value: string }>): Promise<SipResponse> => {
        const request = createRequest({
          method: 'OPTIONS',
          uri: `sip:bob@${server.domain}`,
          headers: [
            { name: 'Via', value: `SIP/2.0/${protocol.toUpperCase()} 127.0.0.1:${alice.port};branch=${generateBranch()}` },
            { name: 'From', value: `<sip:someone@elsewhere.test>;tag=x` },
            { name: 'To', value: `<sip:bob@${server.domain}>` },
            { name: 'Call-ID', value: `mf-${Math.random()}` },
            { name: 'CSeq', value: '1 OPTIONS' },
            ...headers,
          ],
        });
        return alice.sendNonInvite(request);
      };
      expect((await send([{ name: 'Max-Forwards', value: '0' }])).status).toBe(483);
      const bad = await send([{ name: 'Max-Forwards', value: '70' }, { name: 'Proxy-Require', value: 'x-unknown' }]);
      expect(bad.status).toBe(420);
      expect(bad.getHeader('Unsupported')).toBe('x-unknown');
    });

    it('answers OPTIONS to the server itself, and 405 for an INVITE to it', async () => {
      const alice = await ua('alice');
      const options = alice.buildRequest('OPTIONS', `sip:${server.domain}`, { callId: 'ping', cseq: 1, to: `<sip:${server.domain}>` });
      const pong = await alice.sendNonInvite(options);
      expect(pong.status).toBe(200);
      expect(pong.getHeader('Allow')).toContain('REGISTER');
      const invite = await alice.call(`sip:${server.domain}`).final;
      expect(invite.status).toBe(405);
      expect(invite.getHeader('Allow')).toBe('OPTIONS, REGISTER, ACK, CANCEL');
    });
  });
}

describe('proxy features beyond the basics', () => {
  let server: ProxyServer;
  const uas: TestUa[] = [];
  afterEach(async () => {
    await Promise.all(uas.splice(0).map((agent) => agent.stop()));
    await server.stop();
  });
  const ua = async (name: string, answer?: TestUa['answer']): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    uas.push(agent);
    return agent;
  };
  const users = ['alice', 'bob'].map((username) => ({ username, password: `pw-${username}` }));

  it('redirect mode for a domain: 302 with the registered contacts, q kept', async () => {
    server = await startProxyServer({ users, redirect: { domains: ['sb.test'] } });
    const bob = await ua('bob');
    await bob.register({ q: 0.7 });
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${server.domain}`).final;
    expect(final.status).toBe(302);
    expect(final.getHeaders('Contact')).toEqual([`<${bob.contact}>;q=0.7`]);
    expect(bob.methods()).toEqual([]);
  });

  it('blocks a source after repeated authentication failures with 403', async () => {
    server = await startProxyServer({ users, limiter: { maxFailures: 2, windowMs: 60_000, blockMs: 60_000 } });
    const mallory = await ua('bob');
    expect((await mallory.register({ password: 'guess1' })).status).toBe(401);
    expect((await mallory.register({ password: 'guess2' })).status).toBe(401);
    expect((await mallory.register({ password: 'pw-bob' })).status).toBe(403);
  });

  it('expires bindings: a sweep removes them and a call then gets 480', async () => {
    server = await startProxyServer({ users, registrar: { minExpires: 1, defaultExpires: 1, sweepIntervalMs: 100 } });
    const bob = await ua('bob');
    expect((await bob.register({ expires: 1 })).status).toBe(200);
    const expired: string[] = [];
    server.registrar.onBindingChange((change) => expired.push(change.type));
    await sleep(1300);
    expect(expired).toContain('expired');
    const alice = await ua('alice');
    expect((await alice.call(bob.aor).final).status).toBe(480);
  });

  it('double Record-Route when the caller uses UDP and the callee TCP', async () => {
    server = await startProxyServer({ users });
    const bob = await new TestUa({ name: 'bob', proxy: { host: server.host, port: server.port }, protocol: 'tcp', domain: server.domain, password: 'pw-bob' }).start();
    uas.push(bob);
    await bob.register();
    const alice = await ua('alice');
    const call = alice.call(bob.aor);
    expect((await call.final).status).toBe(200);
    expect((await call.final).getHeaders('Record-Route')).toEqual([
      `<sip:127.0.0.1:${server.port};transport=tcp;lr>`,
      `<sip:127.0.0.1:${server.port};lr>`,
    ]);
    await until(() => bob.methods().includes('ACK'));
    expect((await call.bye()).status).toBe(200);
    expect(bob.methods()).toEqual(['INVITE', 'ACK', 'BYE']);
  });
});
