/**
 * The CPL service engine in the in-process registrar + proxy, with in-process user agents:
 * what the SIPp tests do not cover — sequential ordering, 3xx without recursion into the
 * script, lookup outcomes, run limits, the best response of §10, and redirect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager, type CplEngineLimits } from '../../cpl/service/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const NS = 'xmlns="urn:ietf:params:xml:ns:cpl"';

describe('CPL engine on live calls (in-process UAs)', () => {
  let server: ProxyServer | undefined;
  let store: CplStore;
  let dataDir: string;
  const agents: TestUa[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cpl-int-'));
    store = openCplStore({ dataDir, logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await server?.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(script: string, limits?: CplEngineLimits): Promise<ProxyServer> {
    const engine = createCplEngine({ scripts: store.scripts, logs: store.logs, logger: silentLogger, ...(limits ? { limits } : {}) });
    server = await startProxyServer({ users: ['alice', 'bob', 'carol', 'dave'].map((u) => ({ username: u, password: `pw-${u}` })), engines: [engine] });
    const result = await new CplScriptManager(store.scripts, { cache: engine.cache }).upload(`bob@${server.domain}`, script);
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
    return server;
  }
  async function ua(name: string, answer?: TestUa['answer']): Promise<TestUa> {
    if (!server) throw new Error('start first');
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}`, ...(answer ? { answer } : {}) }).start();
    agents.push(agent);
    return agent;
  }

  it('sequential ordering tries locations by priority, one at a time (§6.1)', async () => {
    const s = await start(`<cpl ${NS}><incoming>
      <location url="sip:carol@sb.test" priority="0.4"><location url="sip:dave@sb.test" priority="0.9">
        <proxy ordering="sequential"/>
      </location></location></incoming></cpl>`);
    const carol = await ua('carol');
    const dave = await ua('dave', [{ status: 486 }]);
    await carol.register();
    await dave.register();
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(dave.methods()).toContain('INVITE');
    expect(carol.methods()).toContain('INVITE');
  });

  it('failure output when the proxy has nothing to try (an unregistered AOR): the script redirects (302 with the location set)', async () => {
    const s = await start(`<cpl ${NS}><incoming>
      <location url="sip:carol@sb.test"><proxy>
        <failure><location url="sip:voicemail@elsewhere.test" clear="yes"><redirect/></location></failure>
      </proxy></location></incoming></cpl>`);
    // carol is not registered: the proxy has nothing to try (480) → failure → redirect.
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(302);
    expect(final.getHeader('Contact')).toMatch(/sip:voicemail@elsewhere\.test/u);
  });

  it('lookup: success proxies to the registrations; notfound takes its output', async () => {
    const s = await start(`<cpl ${NS}><incoming>
      <lookup source="registration">
        <success><proxy/></success>
        <notfound><reject status="404" reason="Nobody registered"/></notfound>
      </lookup></incoming></cpl>`);
    const alice = await ua('alice');
    const none = await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final;
    expect(none.status).toBe(404);
    expect(none.reason).toBe('Nobody registered');
    const bob = await ua('bob');
    await bob.register();
    expect((await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final).status).toBe(200);
  });

  it('a run over the step limit is aborted: the call gets the default behaviour (no script)', async () => {
    const s = await start(`<cpl ${NS}><incoming>
      <address-switch field="origin" subfield="host"><address is="nowhere.test"><reject status="reject"/></address>
        <otherwise><address-switch field="origin" subfield="user"><address is="nobody"><reject status="reject"/></address>
          <otherwise><reject status="reject" reason="limit not hit"/></otherwise></address-switch></otherwise>
      </address-switch></incoming></cpl>`, { maxSteps: 1 });
    const bob = await ua('bob');
    await bob.register();
    const alice = await ua('alice');
    // Two nodes would run; the limit is 1, so the script is abandoned and bob's phone rings.
    expect((await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final).status).toBe(200);
  });

  it('no outputs after a busy proxy: the best response (486) goes to the caller (§10)', async () => {
    const s = await start(`<cpl ${NS}><incoming><location url="sip:bob@sb.test"><proxy/></location></incoming></cpl>`);
    const bob = await ua('bob', [{ status: 486 }]);
    await bob.register();
    const alice = await ua('alice');
    expect((await alice.call(`sip:bob@${s.domain}`, { password: 'pw-alice' }).final).status).toBe(486);
  });

  it('a MESSAGE (not a call set-up) never runs the script: no 603 from it', async () => {
    const s = await start(`<cpl ${NS}><incoming><reject status="reject"/></incoming></cpl>`);
    const bob = await ua('bob');
    await bob.register();
    const alice = await ua('alice');
    const message = alice.buildRequest('MESSAGE', `sip:bob@${s.domain}`, { callId: 'm1', cseq: 1, to: `<sip:bob@${s.domain}>`, extra: [{ name: 'Content-Type', value: 'text/plain' }] });
    message.body = Buffer.from('hi');
    const response = await alice.sendNonInvite(message);
    expect(response.status === 407 || response.status === 200).toBe(true);
  });
});
