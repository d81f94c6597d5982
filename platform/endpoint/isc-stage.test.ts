/**
 * Unit checks of the ISC stage's configuration and service host; its SIP behaviour is tested
 * on real sockets in test/integration/isc-as.test.ts and test/e2e/isc-as.e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { ServiceHost } from '../services/service-engine.js';
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
