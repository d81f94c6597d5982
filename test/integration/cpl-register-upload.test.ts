/**
 * CPL upload through REGISTER (as Kamailio's cplc does): the in-process registrar + proxy with
 * the CPL engine and the same REGISTER hook the server's composition root installs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager, handleCplRegister } from '../../cpl/service/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const REJECT_ALL = `<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="busy" reason="Uploaded by REGISTER"/></incoming></cpl>`;

describe('CPL script uploaded in a REGISTER body', () => {
  let dataDir: string;
  let store: CplStore;
  let server: ProxyServer;
  const agents: TestUa[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sb-cpl-register-'));
    store = openCplStore({ dataDir, logger: silentLogger });
    const engine = createCplEngine({ scripts: store.scripts, logs: store.logs, logger: silentLogger });
    const manager = new CplScriptManager(store.scripts, { cache: engine.cache });
    server = await startProxyServer({
      users: ['alice', 'bob'].map((u) => ({ username: u, password: `pw-${u}` })),
      engines: [engine],
      registerHook: (request, aor, who) => handleCplRegister(manager, request, aor, who),
    });
  });

  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.stop();
    await server.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ua = async (name: string): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: server.domain, password: `pw-${name}` }).start();
    agents.push(agent);
    return agent;
  };

  it('stores the script, registers the contact, and the next call runs the script', async () => {
    const bob = await ua('bob');
    const registered = await bob.register({ body: { contentType: 'application/cpl+xml', content: REJECT_ALL } });
    expect(registered.status).toBe(200);
    expect(registered.getHeaders('Contact').join(',')).toContain(bob.contact);
    expect((await store.scripts.get(`bob@${server.domain}`))?.xml).toContain('Uploaded by REGISTER');

    const alice = await ua('alice');
    const call = await alice.call(bob.aor, { password: 'pw-alice' }).final;
    expect(call.status).toBe(486);
    expect(call.reason).toBe('Uploaded by REGISTER');
  });

  it('refuses a bad script with 400 naming the problem, and keeps the bindings untouched', async () => {
    const bob = await ua('bob');
    const refused = await bob.register({ body: { contentType: 'application/cpl+xml', content: '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><nonsense/></incoming></cpl>' } });
    expect(refused.status).toBe(400);
    expect(refused.reason).toBe('Bad CPL script');
    expect(refused.body.toString()).toMatch(/nonsense/);
    expect(await store.scripts.get(`bob@${server.domain}`)).toBeUndefined();
    expect((await server.registrar.location.lookup(`sip:bob@${server.domain}`)).kind).toBe('no-bindings');
  });
});
