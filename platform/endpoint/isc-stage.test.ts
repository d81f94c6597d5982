/**
 * The ISC stage: its configuration and service host, and the service chain on ISC over real UDP
 * (a TestUa plays the S-CSCF: it sends the ISC request and answers what comes back at its ODI
 * address). More SIP behaviour: test/integration/isc-as.test.ts, test/e2e/isc-as.e2e.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProxyServer, type ProxyServer } from '../../test/support/proxy-server.js';
import { TestUa } from '../../test/support/test-ua.js';
import { iscFactsOf } from '../isc/as/index.js';
import { silentLogger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { BranchOutcome, Decision } from '../services/decision.js';
import type { ServiceCall, ServiceEngine, ServiceHost } from '../services/service-engine.js';
import { formatUri } from '../sip/index.js';
import { createIscStage, iscServiceHost } from './isc-stage.js';

const base: ServiceHost = {
  lookup: async () => ({ kind: 'unknown-user' }),
  isLocalDomain: (domain) => domain === 'as.test',
  onRegistration: () => () => undefined,
};
const parts = { proxy: {} as ProxyCore, engines: [], host: base, logger: silentLogger };

describe('ISC stage configuration', () => {
  it('refuses a trusted S-CSCF entry that is not host[:port], and a non-SIP asUri', () => {
    expect(() => createIscStage({ trustedScscf: ['scscf.ims.test:6060', 'not a host'] }, parts)).toThrow(/not host or host:port/u);
    expect(() => createIscStage({ trustedScscf: ['scscf.ims.test'], asUri: 'tel:+1555' }, parts)).toThrow(/SIP URI/u);
    expect(createIscStage({ trustedScscf: ['scscf.ims.test'], asUri: 'sip:as.ims.test' }, parts).name).toBe('isc');
  });
});

describe('iscServiceHost', () => {
  it('answers location lookups with the URI itself: the S-CSCF routes to the registered contacts', async () => {
    const host = iscServiceHost(base);
    const result = await host.lookup('sip:bob@ims.test');
    expect(result.kind).toBe('found');
    if (result.kind === 'found') {
      expect(result.contacts.map((c) => c.uri)).toEqual(['sip:bob@ims.test']);
      expect(result.contacts[0]?.expiresAt).toBeGreaterThan(Date.now());
    }
    expect(host.isLocalDomain('as.test')).toBe(true);
  });
});

describe('ISC stage: engines chain for the served user (issue 5 §4)', () => {
  const IMS = 'ims.test';
  let server: ProxyServer;
  let scscf: TestUa;
  /** What each engine decides, per test; both record the calls they get. */
  let firstDecides: (call: ServiceCall) => Decision;
  let secondDecides: (call: ServiceCall) => Decision;
  const seenBySecond: ServiceCall[] = [];
  const firstHeard: BranchOutcome[] = [];

  const first: ServiceEngine = { name: 'first', decide: (call) => firstDecides(call) };
  const second: ServiceEngine = {
    name: 'second',
    decide: (call) => {
      seenBySecond.push(call);
      return secondDecides(call);
    },
  };
  /** A single-target proxy whose outcome the first engine records. */
  const proxyTo = (uri: string): Decision => ({
    kind: 'proxy',
    targets: [{ uri }],
    onOutcome: (outcome) => {
      firstHeard.push(outcome);
      return { kind: 'continue' };
    },
  });

  beforeAll(async () => {
    server = await startProxyServer({ domains: ['as.test'], engines: [first, second], isc: { trustedScscf: ['127.0.0.1'] } });
    scscf = await new TestUa({ name: 'scscf', domain: IMS, proxy: { host: '127.0.0.1', port: server.port } }).start();
  });
  afterEach(() => {
    scscf.received.length = 0;
    seenBySecond.length = 0;
    firstHeard.length = 0;
  });
  afterAll(async () => {
    await scscf.stop();
    await server.stop();
  });

  const odi = (): string => `<sip:odi_ch41n@127.0.0.1:${scscf.port};lr>`;
  const iscCall = (user: string, uriParams = '') =>
    scscf.call(`sip:${user}@${IMS}${uriParams}`, {
      extra: [
        { name: 'Route', value: `<sip:127.0.0.1:${server.port};lr>, ${odi()}` },
        { name: 'P-Served-User', value: `<sip:${user}@${IMS}>;sescase=term;regstate=reg` },
      ],
    });
  const invitesBack = () => scscf.received.filter((r) => r.method === 'INVITE').map((r) => r.request);
  const settle = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it('first proxies to one target, second rejects 486 for it: the S-CSCF gets 486, the first engine hears busy', async () => {
    firstDecides = () => proxyTo(`sip:bob-office@${IMS}`);
    secondDecides = (call) => (call.request.uri.kind === 'sip' && call.request.uri.user === 'bob-office' ? { kind: 'reject', status: 486, reason: 'Busy Here' } : { kind: 'continue' });
    const call = iscCall('bob');
    expect((await call.final).status).toBe(486);
    await settle(() => firstHeard.length > 0);
    expect(firstHeard.map((o) => [o.kind, o.status])).toEqual([['busy', 486]]);
    // The second engine saw the proxied request, for the same served user and session case.
    const [seen] = seenBySecond;
    expect(seen && formatUri(seen.request.uri)).toBe(`sip:bob-office@${IMS}`);
    expect(seen?.aor).toBe(`bob@${IMS}`);
    expect(seen?.direction).toBe('terminating');
    expect(seen && iscFactsOf(seen.request)?.servedUser).toBe(`sip:bob@${IMS}`);
    // Nothing went back to the S-CSCF: the chain answered.
    expect(invitesBack()).toHaveLength(0);
  });

  it('first proxies to one target, second continues: the request goes back to the S-CSCF, retargeted, through the ODI Route', async () => {
    firstDecides = () => proxyTo(`sip:carol@${IMS}`);
    secondDecides = () => ({ kind: 'continue' });
    const call = iscCall('bob');
    expect((await call.final).status).toBe(200);
    expect(seenBySecond.map((c) => formatUri(c.request.uri))).toEqual([`sip:carol@${IMS}`]);
    const [back] = invitesBack();
    expect(back && formatUri(back.uri)).toBe(`sip:carol@${IMS}`);
    expect(back?.getHeaders('Route')).toEqual([odi()]);
    expect(back?.getHeaders('History-Info')).toEqual([`<sip:bob@${IMS}>;index=1`, `<sip:carol@${IMS}>;index=1.1;mp=1`]);
    await settle(() => firstHeard.length > 0);
    expect(firstHeard.map((o) => o.kind)).toEqual(['success']);
  });

  it('second proxies on too: its target goes back to the S-CSCF and its failure reaches the first engine', async () => {
    firstDecides = () => proxyTo(`sip:bob@${IMS}`);
    // The same identity is no retarget: the second engine sees the Request-URI as received.
    secondDecides = (call) => ({ kind: 'proxy', targets: [{ uri: formatUri(call.request.uri).replace('bob@', 'vm@'), edits: { headers: [{ name: 'X-Chain', value: 'second' }] } }] });
    scscf.answer = [{ status: 180 }, { status: 480 }];
    try {
      const call = iscCall('bob', ';x=1');
      expect((await call.final).status).toBe(480);
    } finally {
      scscf.answer = [{ status: 180 }, { status: 200 }];
    }
    expect(seenBySecond.map((c) => formatUri(c.request.uri))).toEqual([`sip:bob@${IMS};x=1`]);
    const [back] = invitesBack();
    expect(back && formatUri(back.uri)).toBe(`sip:vm@${IMS};x=1`);
    expect(back?.getHeader('X-Chain')).toBe('second');
    await settle(() => firstHeard.length > 0);
    expect(firstHeard.map((o) => [o.kind, o.status])).toEqual([['noanswer', 480]]);
  });
});
