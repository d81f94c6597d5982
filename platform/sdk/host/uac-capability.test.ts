/** `ctx.uac` input checks: what an app may not send is refused before anything reaches the core. */
import { describe, expect, it } from 'vitest';
import type { ServiceHost } from '../../services/index.js';
import { CallRegistry } from './call-registry.js';
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
    await expect(send({ method: 'INVITE', uri: 'sip:bob@127.0.0.1' })).rejects.toThrow(/cannot send INVITE: place calls with ctx\.uac\.invite/);
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

describe('uac capability: invite', () => {
  const registry = new CallRegistry();
  let started = 0;
  registry.listen({ started: () => (started += 1) > 0, connected: () => undefined, invited: () => undefined, ended: () => undefined });
  const inviter = new UacCapability({ current: host }, { calls: registry });
  const invite = (args: Record<string, unknown>) => inviter.call({ app: 'demo', method: 'invite', sessionKey: 's1', args: args as never });

  it('refuses a call without an offer, a bad ring time, a To with a tag, a bad From, core-owned headers — before anything starts', async () => {
    await expect(invite({ uri: 'sip:bob@127.0.0.1' })).rejects.toThrow(/needs the session offer in body/);
    for (const timeoutMs of [0, 300_001, 1.5, '10']) await expect(invite({ uri: 'sip:bob@127.0.0.1', body: 'v=0', timeoutMs })).rejects.toThrow(/timeoutMs must be/);
    await expect(invite({ uri: 'sip:bob@127.0.0.1', body: 'v=0', to: '<sip:bob@127.0.0.1>;tag=x' })).rejects.toThrow(/must not carry a tag/);
    await expect(invite({ uri: 'sip:bob@127.0.0.1', body: 'v=0', from: '<<nonsense' })).rejects.toThrow(/from .* is not a SIP address/);
    await expect(invite({ uri: 'sip:bob@127.0.0.1', body: 'v=0', headers: [{ name: 'Contact', value: '<sip:x@y>' }] })).rejects.toThrow(/writes Contact itself/);
    await expect(invite({ uri: 'tel:+123', body: 'v=0' })).rejects.toThrow(/not a sip: or sips: URI/);
    expect(started).toBe(0);
  });

  it('is refused without a call registry (nowhere to keep the call) or an app engine listening', async () => {
    await expect(capability.call({ app: 'demo', method: 'invite', sessionKey: 's1', args: { uri: 'sip:bob@127.0.0.1', body: 'v=0' } })).rejects.toThrow(/no call registry/);
    const deaf = new UacCapability({ current: host }, { calls: new CallRegistry() });
    await expect(deaf.call({ app: 'demo', method: 'invite', sessionKey: 's1', args: { uri: 'sip:bob@127.0.0.1', body: 'v=0' } })).rejects.toThrow(/no UA core or app engine/);
  });
});
