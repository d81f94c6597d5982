/**
 * The ISC AS role with an in-process S-CSCF peer (a TestUa that places the ISC request and
 * answers what comes back at its ODI address), for what SIPp scenarios express poorly: a
 * service that reacts to the answer (CPL busy → voicemail), CANCEL, redirect with an IM CN
 * subsystem XML body, hostile header combinations, §16.3 checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCplEngine, CplScriptManager } from '../../cpl/service/index.js';
import { silentLogger } from '../../platform/log/logger.js';
import type { HeaderField, SipRequest, SipResponse } from '../../platform/sip/index.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import type { ServerTransaction } from '../../platform/transaction/transaction-user.js';
import { freePort } from '../support/ports.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';
import { TestUa, type AnswerStep } from '../support/test-ua.js';
import { sleep } from '../support/until.js';

const IMS = 'ims.test';
const cpl = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<cpl xmlns="urn:ietf:params:xml:ns:cpl">${body}</cpl>`;

/** The S-CSCF: sends ISC requests to the AS and answers what comes back by Request-URI user. */
class Scscf extends TestUa {
  readonly answers = new Map<string, AnswerStep[]>();
  override onRequest(request: SipRequest, transaction: ServerTransaction): void {
    const user = request.uri.kind === 'sip' ? (request.uri.user ?? '') : '';
    this.answer = this.answers.get(user) ?? [{ status: 180 }, { status: 200 }];
    super.onRequest(request, transaction);
  }
  invitesBack(): SipRequest[] {
    return this.received.filter((r) => r.method === 'INVITE').map((r) => r.request);
  }
}

describe('ISC AS role (in-process S-CSCF peer)', () => {
  let server: ProxyServer;
  let scscf: Scscf;
  let cplStore: CplStore;
  let manager: CplScriptManager;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-isc-int-'));
    cplStore = openCplStore({ dataDir, logger: silentLogger });
    const engine = createCplEngine({ scripts: cplStore.scripts, logs: cplStore.logs, logger: silentLogger });
    manager = new CplScriptManager(cplStore.scripts, { cache: engine.cache });
    server = await startProxyServer({ domains: ['as.test'], engines: [engine], isc: { trustedScscf: ['127.0.0.1'] } });
    scscf = new Scscf({ name: 'scscf', domain: IMS, proxy: { host: '127.0.0.1', port: server.port } });
    await scscf.start();
  });
  afterEach(async () => {
    scscf.received.length = 0;
    scscf.answers.clear();
    for (const user of ['alice', 'bob']) await cplStore.scripts.remove(`${user}@${IMS}`);
  });
  afterAll(async () => {
    await scscf.stop();
    await server.stop();
    cplStore.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const odi = (): string => `<sip:odi_t0k3n@127.0.0.1:${scscf.port};lr>`;
  const iscHeaders = (extra: HeaderField[] = [], own = ''): HeaderField[] => [
    { name: 'Route', value: `<sip:127.0.0.1:${server.port};lr${own}>, ${odi()}` },
    { name: 'P-Asserted-Identity', value: `<sip:alice@${IMS}>` },
    ...extra,
  ];
  /** Sends an INVITE built by hand; resolves with its final response (ACK is the transaction's). */
  function finalOf(invite: SipRequest): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      scscf.transactions.sendRequest(invite, scscf.proxyDestination(), {
        onResponse: (r) => {
          if (r.status >= 200) resolve(r);
        },
        onTimeout: () => reject(new Error('timeout')),
        onTransportError: () => reject(new Error('transport error')),
      });
    });
  }
  async function upload(user: string, xml: string): Promise<void> {
    const result = await manager.upload(`${user}@${IMS}`, xml);
    if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  }

  it('CPL busy → voicemail: the AS tries the served user through the S-CSCF, then retargets on 486', async () => {
    await upload(
      'bob',
      cpl(`<incoming><location url="sip:bob@${IMS}"><proxy><busy><location url="sip:vm@${IMS}" clear="yes"><proxy/></location></busy></proxy></location></incoming>`),
    );
    scscf.answers.set('bob', [{ status: 180 }, { status: 486 }]);
    const call = scscf.call(`sip:bob@${IMS}`, { extra: iscHeaders([{ name: 'P-Served-User', value: `<sip:bob@${IMS}>;sescase=term;regstate=reg` }]) });
    const final = await call.final;
    expect(final.status).toBe(200);
    expect(call.statuses()).not.toContain(486);
    const [first, second] = scscf.invitesBack();
    expect(first?.uri.kind === 'sip' && first.uri.user).toBe('bob');
    expect(first?.hasHeader('History-Info')).toBe(false);
    expect(second?.uri.kind === 'sip' && second.uri.user).toBe('vm');
    expect(second?.getHeaders('History-Info')).toEqual([`<sip:bob@${IMS}>;index=1`, `<sip:vm@${IMS}>;index=1.1;mp=1`]);
    for (const back of [first, second]) expect(back?.getHeaders('Route')).toEqual([odi()]);
  });

  it('CANCEL from the S-CSCF while the returned request rings: the branch is CANCELled, 487', async () => {
    scscf.answers.set('bob', [{ status: 180 }]);
    const call = scscf.call(`sip:bob@${IMS}`, { extra: iscHeaders() });
    for (let i = 0; i < 50 && !call.statuses().includes(180); i++) await sleep(20);
    expect((await call.cancel()).status).toBe(200);
    expect((await call.final).status).toBe(487);
    const mine = () => scscf.received.filter((r) => r.request.callId === call.callId).map((r) => r.method);
    for (let i = 0; i < 50 && !mine().includes('CANCEL'); i++) await sleep(20);
    expect(mine()).toEqual(['INVITE', 'CANCEL']);
  });

  it('redirect (24.229 §5.7.2): 302 with the contact, carrying the application/3gpp-ims+xml body along', async () => {
    await upload('bob', cpl(`<incoming><location url="sip:vm@${IMS}"><redirect/></location></incoming>`));
    const invite = scscf.buildRequest('INVITE', `sip:bob@${IMS}`, { callId: 'isc-redirect-1', cseq: 1, to: `<sip:bob@${IMS}>`, extra: iscHeaders() });
    const xml = '<?xml version="1.0"?><ims-3gpp version="1"><service-info>x</service-info></ims-3gpp>';
    invite.setHeader('Content-Type', 'application/3gpp-ims+xml');
    invite.body = Buffer.from(xml);
    const response = await finalOf(invite);
    expect(response.status).toBe(302);
    expect(response.getHeaders('Contact')).toEqual([`<sip:vm@${IMS}>`]);
    expect(response.getHeader('Content-Type')).toBe('application/3gpp-ims+xml');
    expect(response.body.toString()).toBe(xml);
    expect(scscf.invitesBack()).toHaveLength(0);
  });

  it('a repeated P-Served-User is not believed: the Request-URI user is served (terminating)', async () => {
    await upload('alice', cpl('<outgoing><reject status="reject"/></outgoing>'));
    await upload('bob', cpl('<incoming><reject status="busy"/></incoming>'));
    const psu = { name: 'P-Served-User', value: `<sip:alice@${IMS}>;sescase=orig` };
    const call = scscf.call(`sip:bob@${IMS}`, { extra: iscHeaders([psu, psu]) });
    expect((await call.final).status).toBe(486);
  });

  it('§16.3 applies: Max-Forwards 0 → 483; OPTIONS goes back to the S-CSCF without services', async () => {
    const invite = scscf.buildRequest('INVITE', `sip:bob@${IMS}`, { callId: 'isc-mf-1', cseq: 1, to: `<sip:bob@${IMS}>`, extra: iscHeaders() });
    invite.setHeader('Max-Forwards', '0');
    expect((await finalOf(invite)).status).toBe(483);
    expect(scscf.invitesBack()).toHaveLength(0);
    const options = scscf.buildRequest('OPTIONS', `sip:bob@${IMS}`, { callId: 'isc-options-1', cseq: 1, to: `<sip:bob@${IMS}>`, extra: iscHeaders() });
    expect((await scscf.sendNonInvite(options)).status).toBe(200);
    const back = scscf.received.find((r) => r.method === 'OPTIONS')?.request;
    expect(back?.getHeaders('Route')).toEqual([odi()]);
  });
});

describe('ISC AS role: ServerName by host name (isc.asUri) and S-CSCF by name', () => {
  let server: ProxyServer;
  let scscf: Scscf;
  let sbPort: number;

  beforeAll(async () => {
    sbPort = await freePort();
    scscf = new Scscf({ name: 'scscf', domain: IMS, proxy: { host: '127.0.0.1', port: sbPort } });
    await scscf.start();
    server = await startProxyServer({ port: sbPort, domains: ['as.test'], isc: { trustedScscf: [`localhost:${scscf.port}`], asUri: `sip:as.ims.test:${sbPort}` } });
  });
  afterAll(async () => {
    await scscf.stop();
    await server.stop();
  });

  it('a Route naming our ServerName host is ours; the S-CSCF listed by name is trusted from its resolved address', async () => {
    const odi = `<sip:odi_n4me@localhost:${scscf.port};lr>`;
    const call = scscf.call(`sip:bob@${IMS}`, { extra: [{ name: 'Route', value: `<sip:cpl@as.ims.test:${sbPort};lr>, ${odi}` }] });
    expect((await call.final).status).toBe(200);
    expect(scscf.invitesBack()[0]?.getHeaders('Route')).toEqual([odi]);
  });

  it('the same request whose next Route is not a listed S-CSCF gets no ISC treatment (403 Relaying Forbidden)', async () => {
    const call = scscf.call(`sip:bob@${IMS}`, { extra: [{ name: 'Route', value: `<sip:as.ims.test:${sbPort};lr>, <sip:odi_n4me@127.0.0.1:${scscf.port};lr>` }] });
    expect((await call.final).status).toBe(403);
  });
});
