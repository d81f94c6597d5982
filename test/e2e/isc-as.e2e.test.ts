/**
 * Switchboard as an Application Server on ISC (issue 7, deliverables 2 and 4): SIPp plays the
 * S-CSCF. It sends initial INVITEs with `Route: <Switchboard;lr>, <S-CSCF ODI URI;lr>` the way
 * an S-CSCF does after an iFC matched (TS 24.229 §5.4.3.2/§5.4.3.3), receives the request back
 * at its ODI address and answers it as the next hop would. The served users' CPL scripts are put
 * through the CPL store, as an operator would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager } from '../../cpl/service/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import type { SipRequest } from '../../platform/sip/index.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { receivedRequests, receivedStatuses, runSipp, sippKeys, type SippRun } from '../support/sipp.js';

const IMS = 'ims.test';
const CPL_NS = 'urn:ietf:params:xml:ns:cpl';
const cpl = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<cpl xmlns="${CPL_NS}">${body}</cpl>`;

interface Server {
  server: ProxyServer;
  cplStore: CplStore;
  manager: CplScriptManager;
  dataDir: string;
}

async function startAs(scscfPort: number, recordRoute: boolean): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-isc-e2e-'));
  const cplStore = openCplStore({ dataDir, logger: silentLogger });
  const engine = createCplEngine({ scripts: cplStore.scripts, logs: cplStore.logs, logger: silentLogger });
  const manager = new CplScriptManager(cplStore.scripts, { cache: engine.cache });
  const server = await startProxyServer({
    domains: ['as.test'],
    engines: [engine],
    isc: { trustedScscf: [`127.0.0.1:${scscfPort}`], recordRoute },
  });
  return { server, cplStore, manager, dataDir };
}

async function stopAs(as: Server): Promise<void> {
  await as.server.stop();
  as.cplStore.close();
  rmSync(as.dataDir, { recursive: true, force: true });
}

describe('Switchboard as ISC AS (SIPp as S-CSCF)', () => {
  let as: Server;
  let scscfPort: number;
  let odiRoute: string;

  beforeAll(async () => {
    scscfPort = await freePort();
    as = await startAs(scscfPort, false);
    odiRoute = `<sip:odi_Zm9vYmFy@127.0.0.1:${scscfPort};lr;service=scscf>`;
  });
  afterEach(async () => {
    for (const user of ['alice', 'bob']) await as.cplStore.scripts.remove(`${user}@${IMS}`);
  });
  afterAll(async () => stopAs(as));

  const asRoute = (params = ''): string => `<sip:127.0.0.1:${as.server.port};lr${params}>`;

  async function upload(user: string, xml: string): Promise<void> {
    const result = await as.manager.upload(`${user}@${IMS}`, xml);
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  }

  /** One S-CSCF round trip; ACK/BYE go back to the S-CSCF itself (the AS did not Record-Route). */
  function scscf(scenario: string, values: { ruri: string; caller: string; route: string; psu?: string }, port = scscfPort): Promise<SippRun> {
    return runSipp({
      scenario,
      remote: `127.0.0.1:${as.server.port}`,
      localPort: port,
      timeoutSeconds: 10,
      extraArgs: sippKeys({
        ruri: values.ruri,
        caller: values.caller,
        route: values.route,
        psu: values.psu ?? 'X-Served-User-Absent: 1',
        ack_host: '127.0.0.1',
        ack_port: String(port),
      }),
    });
  }

  it('terminating, no service: the request goes back to the S-CSCF unchanged but for our Route, Via and Max-Forwards', async () => {
    const route = `${asRoute()}, ${odiRoute}`;
    const run = await scscf('isc-scscf-call.xml', {
      ruri: `sip:bob@${IMS}`,
      caller: `alice@${IMS}`,
      route,
      psu: `P-Served-User: <sip:bob@${IMS}>;sescase=term;regstate=reg`,
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const [back] = receivedRequests(run, 'INVITE');
    expect(back).toBeDefined();
    const invite = back as SipRequest;
    expect(invite.startLine()).toBe(`INVITE sip:bob@${IMS} SIP/2.0`);
    // 24.229 §5.7.4: only our Route popped; the ODI Route exactly as the S-CSCF wrote it.
    expect(invite.getHeaders('Route')).toEqual([odiRoute]);
    expect(invite.hasHeader('Record-Route')).toBe(false);
    expect(invite.getHeaders('Via')).toHaveLength(2);
    expect(invite.maxForwards).toBe(68);
    expect(invite.getHeader('P-Asserted-Identity')).toBe(`<sip:alice@${IMS}>`);
    expect(invite.getHeader('P-Charging-Vector')).toMatch(/^icid-value=icid-.+;orig-ioi=ims\.test$/u);
    expect(invite.getHeader('P-Charging-Function-Addresses')).toBe('ccf=192.0.2.10');
    expect(invite.getHeader('P-Served-User')).toBe(`<sip:bob@${IMS}>;sescase=term;regstate=reg`);
    expect(invite.hasHeader('History-Info')).toBe(false);
    expect(receivedStatuses(run)).toEqual(expect.arrayContaining([180, 200]));
  });

  it("terminating: the served user's CPL script retargets — new Request-URI, History-Info (RFC 7044), ODI kept", async () => {
    await upload('bob', cpl(`<incoming><location url="sip:voicemail@${IMS}"><proxy/></location></incoming>`));
    const run = await scscf('isc-scscf-call.xml', {
      ruri: `sip:bob@${IMS}`,
      caller: `alice@${IMS}`,
      route: `${asRoute()}, ${odiRoute}`,
      psu: `P-Served-User: <sip:bob@${IMS}>;sescase=term;regstate=reg`,
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const invite = receivedRequests(run, 'INVITE')[0] as SipRequest;
    expect(invite.startLine()).toBe(`INVITE sip:voicemail@${IMS} SIP/2.0`);
    expect(invite.getHeaders('Route')).toEqual([odiRoute]);
    expect(invite.getHeaders('History-Info')).toEqual([`<sip:bob@${IMS}>;index=1`, `<sip:voicemail@${IMS}>;index=1.1;mp=1`]);
    expect(invite.getHeader('P-Asserted-Identity')).toBe(`<sip:alice@${IMS}>`);
    expect(invite.hasHeader('P-Charging-Vector')).toBe(true);
  });

  it("terminating, served user from the Request-URI (no P-Served-User): the script rejects — the AS answers 486 as terminating UA, nothing comes back", async () => {
    await upload('bob', cpl('<incoming><reject status="busy" reason="Busy Here"/></incoming>'));
    const run = await scscf('isc-scscf-expect-486.xml', { ruri: `sip:bob@${IMS}`, caller: `alice@${IMS}`, route: `${asRoute()}, ${odiRoute}` });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    expect(receivedRequests(run, 'INVITE')).toHaveLength(0);
  });

  it('originating by P-Served-User sescase=orig: the outgoing script of the served user runs without digest authentication', async () => {
    await upload('alice', cpl('<outgoing><reject status="busy"/></outgoing>'));
    const run = await scscf('isc-scscf-expect-486.xml', {
      ruri: `sip:bob@${IMS}`,
      caller: `alice@${IMS}`,
      route: `${asRoute()}, ${odiRoute}`,
      psu: `P-Served-User: <sip:alice@${IMS}>;sescase=orig;regstate=reg`,
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
  });

  it('originating by the orig parameter on our Route (no P-Served-User): P-Asserted-Identity is the served user; its script retargets', async () => {
    await upload('alice', cpl(`<outgoing><location url="sip:announcement@${IMS}" clear="yes"><proxy/></location></outgoing>`));
    await upload('bob', cpl('<incoming><reject status="busy"/></incoming>')); // must not run: not the served user
    const run = await scscf('isc-scscf-call.xml', { ruri: `sip:bob@${IMS}`, caller: `alice@${IMS}`, route: `${asRoute(';orig')}, ${odiRoute}` });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const invite = receivedRequests(run, 'INVITE')[0] as SipRequest;
    expect(invite.startLine()).toBe(`INVITE sip:announcement@${IMS} SIP/2.0`);
    expect(invite.getHeaders('Route')).toEqual([odiRoute]);
  });

  it("Kamailio ims_isc's mark (sip:iscmark@…;d=0;a=<hex IMPU>) gives the originating case and served user", async () => {
    await upload('alice', cpl('<outgoing><reject status="busy"/></outgoing>'));
    const hex = Buffer.from(`sip:alice@${IMS}`).toString('hex');
    const mark = `<sip:iscmark@127.0.0.1:${scscfPort};lr;s=1;h=0;d=0;a=${hex}>`;
    const run = await scscf('isc-scscf-expect-486.xml', { ruri: `sip:bob@${IMS}`, caller: `someone@${IMS}`, route: `${asRoute()}, ${mark}` });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
  });

  it('an untrusted S-CSCF Route gets no ISC treatment: P-Served-User is not believed, the pre-loaded Route is relaying (403)', async () => {
    await upload('bob', cpl(`<incoming><location url="sip:voicemail@${IMS}"><proxy/></location></incoming>`));
    const rogue = await freePort();
    const run = await scscf(
      'isc-scscf-expect-403.xml',
      { ruri: `sip:bob@${IMS}`, caller: `alice@${IMS}`, route: `${asRoute()}, <sip:odi_x@127.0.0.1:${rogue};lr>`, psu: `P-Served-User: <sip:bob@${IMS}>;sescase=term` },
      rogue,
    );
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    expect(receivedRequests(run, 'INVITE')).toHaveLength(0);
  });
});

describe('Switchboard as ISC AS staying in the dialog (isc.recordRoute)', () => {
  let as: Server;
  let scscfPort: number;

  beforeAll(async () => {
    scscfPort = await freePort();
    as = await startAs(scscfPort, true);
  });
  afterAll(async () => stopAs(as));

  it('Record-Routes the request it sends back; ACK and BYE follow the route set through it', async () => {
    const odiRoute = `<sip:odi_cnI@127.0.0.1:${scscfPort};lr>`;
    const run = await runSipp({
      scenario: 'isc-scscf-call.xml',
      remote: `127.0.0.1:${as.server.port}`,
      localPort: scscfPort,
      timeoutSeconds: 10,
      extraArgs: sippKeys({
        ruri: `sip:bob@${IMS}`,
        caller: `alice@${IMS}`,
        route: `<sip:127.0.0.1:${as.server.port};lr>, ${odiRoute}`,
        psu: `P-Served-User: <sip:bob@${IMS}>;sescase=term;regstate=unreg`,
        ack_host: '127.0.0.1',
        ack_port: String(as.server.port),
      }),
    });
    expect(run.exitCode, run.errors || run.stderr).toBe(0);
    const invite = receivedRequests(run, 'INVITE')[0] as SipRequest;
    expect(invite.getHeaders('Record-Route')).toEqual([`<sip:127.0.0.1:${as.server.port};lr>`]);
    expect(invite.getHeaders('Route')).toEqual([odiRoute]);
    // The in-dialog requests came through the AS: its Via is on top of the S-CSCF's.
    for (const method of ['ACK', 'BYE']) {
      const request = receivedRequests(run, method)[0] as SipRequest;
      expect(request.getHeaders('Via')).toHaveLength(2);
      expect(request.topVia?.port).toBe(as.server.port);
    }
  });
});
