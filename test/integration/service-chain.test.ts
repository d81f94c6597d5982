/**
 * CPL and SIP-CGI in one service chain (issue 5 §4): bob's CPL script forwards to carol; the
 * forwarded request goes on to carol's services — her SIP-CGI script — before any phone rings,
 * and the script's answer is the outcome of bob's proxy node (here: busy → dave). Real engines,
 * the in-process registrar + proxy, UDP user agents on 127.0.0.1.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager } from '../../cpl/service/index.js';
import { createCgiEngine } from '../../platform/cgi/index.js';
import { ScriptDir } from '../../platform/cgi/test-support.js';
import { silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa } from '../support/test-ua.js';

const NS = 'xmlns="urn:ietf:params:xml:ns:cpl"';
const DOMAIN = 'sb.test';

describe('one chain across engines: CPL forwards, the target user\'s SIP-CGI script decides', () => {
  let server: ProxyServer;
  let store: CplStore;
  let dataDir: string;
  const bin = new ScriptDir();
  const agents: TestUa[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-chain-'));
    store = openCplStore({ dataDir, logger: silentLogger });
    const cpl = createCplEngine({ scripts: store.scripts, logs: store.logs, logger: silentLogger });
    const cgi = createCgiEngine({ cgiBin: bin.root, scriptCacheMs: 0, timeoutMs: 2000 }, silentLogger, { serverName: DOMAIN });
    server = await startProxyServer({ domains: [DOMAIN], users: ['alice', 'bob', 'carol', 'dave'].map((u) => ({ username: u, password: `pw-${u}` })), engines: [cpl, cgi] });
    const uploaded = await new CplScriptManager(store.scripts, { cache: cpl.cache }).upload(
      `bob@${DOMAIN}`,
      `<cpl ${NS}><incoming><location url="sip:carol@${DOMAIN}"><proxy>
         <busy><location url="sip:dave@${DOMAIN}" clear="yes"><proxy/></location></busy>
       </proxy></location></incoming></cpl>`,
    );
    if (!uploaded.ok) throw new Error(uploaded.errors.map((e) => e.message).join('\n'));
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
    await server.stop();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(() => bin.remove());
  const ua = async (name: string): Promise<TestUa> => {
    const agent = await new TestUa({ name, proxy: { host: server.host, port: server.port }, domain: DOMAIN, password: `pw-${name}` }).start();
    agents.push(agent);
    return agent;
  };

  it("runs carol's script on the request bob's script forwarded; its 486 is bob's busy output", async () => {
    const marker = bin.path('carol-ran.txt');
    bin.write(`users/carol@${DOMAIN}.sh`, `#!/bin/sh\necho "$REQUEST_URI" > "${marker}"\necho "SIP/2.0 486 Busy Here"\n`);
    const carol = await ua('carol');
    await carol.register();
    const dave = await ua('dave');
    await dave.register();
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${DOMAIN}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(existsSync(marker) && readFileSync(marker, 'utf8')).toBe(`sip:carol@${DOMAIN}\n`);
    // The script answered for carol: her phone never rang; dave's did.
    expect(carol.methods()).not.toContain('INVITE');
    expect(dave.methods()).toContain('INVITE');
  });

  it("without a script for carol the chain ends at bob's script: carol's phone rings", async () => {
    rmSync(bin.path(`users/carol@${DOMAIN}.sh`), { force: true });
    const carol = await ua('carol');
    await carol.register();
    const alice = await ua('alice');
    const final = await alice.call(`sip:bob@${DOMAIN}`, { password: 'pw-alice' }).final;
    expect(final.status).toBe(200);
    expect(carol.methods()).toContain('INVITE');
  });
});
