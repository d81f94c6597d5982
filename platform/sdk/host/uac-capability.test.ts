/** `ctx.uac` input checks: what an app may not send is refused before anything reaches the core. */
import { describe, expect, it } from 'vitest';
import type { ServiceHost } from '../../services/index.js';
import { UacCapability } from './uac-capability.js';

/** A host whose UA must never be reached by these calls. */
const host: ServiceHost = {
  lookup: async () => ({ kind: 'not-ours' }),
  isLocalDomain: () => false,
  onRegistration: () => () => undefined,
  userAgent: {
    sendRequest: () => {
      throw new Error('reached the core');
    },
  },
};
const capability = new UacCapability({ current: host });
const send = (args: Record<string, unknown>) => capability.call({ app: 'demo', method: 'request', args: args as never });

describe('uac capability', () => {
  it('refuses dialog methods, bad URIs, core-owned and multi-line header fields', async () => {
    await expect(send({ method: 'INVITE', uri: 'sip:bob@127.0.0.1' })).rejects.toThrow(/cannot send INVITE/);
    await expect(send({ method: 'BYE', uri: 'sip:bob@127.0.0.1' })).rejects.toThrow(/cannot send BYE/);
    await expect(send({ method: 'MES SAGE', uri: 'sip:bob@127.0.0.1' })).rejects.toThrow(/not a SIP method/);
    await expect(send({ method: 'MESSAGE', uri: 'tel:+123' })).rejects.toThrow(/not a sip: or sips: URI/);
    await expect(send({ method: 'MESSAGE', uri: 'sip:bob@127.0.0.1', headers: [{ name: 'Via', value: 'x' }] })).rejects.toThrow(/writes Via itself/);
    await expect(send({ method: 'MESSAGE', uri: 'sip:bob@127.0.0.1', headers: [{ name: 'Subject', value: 'a\r\nVia: evil' }] })).rejects.toThrow(/one line/);
    await expect(capability.call({ app: 'demo', method: 'bye', args: {} })).rejects.toThrow(/no method "bye"/);
  });

  it('says so when the server has no UA core', async () => {
    const bare = new UacCapability({});
    await expect(bare.call({ app: 'demo', method: 'request', args: { method: 'MESSAGE', uri: 'sip:bob@127.0.0.1' } })).rejects.toThrow(/no UA core/);
  });
});
