/**
 * Registration changes through the app engine over a real sandbox: delivered as
 * `onRegistration` only to apps granted `registrations`, in the kinds of the SDK
 * (added → registered, removed → unregistered), with the seconds left; unsubscribing stops them.
 * The real REGISTER path: apps/registration-logger.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppRuntime } from '../../container/index.js';
import { buildApp, removeAppFolders } from '../../container/test-support.js';
import { silentLogger } from '../../log/logger.js';
import type { RegistrationEvent, ServiceHost } from '../../services/index.js';
import { createAppEngine, type AppEngine } from './app-engine.js';
import { capabilityProviders, createCapabilityContainer } from './capability-bindings.js';
import { createMemoryKv, type KvBackend } from './kv-store.js';

const SDK = new URL('../index.ts', import.meta.url).pathname;
const APP = `import { defineApp } from ${JSON.stringify(SDK)};
export default defineApp({
  async onRegistration(event, ctx) {
    const log = (await ctx.kv.get('log')) ?? [];
    await ctx.kv.set('log', [...log, { kind: event.kind, aor: event.aor, contact: event.contact, expires: event.expires, q: event.q, dated: event.at instanceof Date }]);
  },
});`;

describe('registration events through the app engine', () => {
  let runtime: AppRuntime;
  let engine: AppEngine;
  let kv: KvBackend;
  const listeners = new Set<(event: RegistrationEvent) => void>();
  const host: ServiceHost = {
    lookup: async () => ({ kind: 'not-ours' }),
    isLocalDomain: () => true,
    onRegistration(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (event: RegistrationEvent): void => listeners.forEach((listener) => listener(event));

  beforeEach(async () => {
    kv = createMemoryKv();
    runtime = new AppRuntime({ logger: silentLogger, capabilities: capabilityProviders(createCapabilityContainer({ kv })) });
    engine = createAppEngine({ runtime, logger: silentLogger });
    await runtime.deploy(await buildApp(APP, { name: 'granted', permissions: ['kv', 'registrations'] }));
    await runtime.deploy(await buildApp(APP, { name: 'not-granted', permissions: ['kv'] }));
  });
  afterEach(async () => {
    engine.close();
    await runtime.close();
    await removeAppFolders();
  });

  it('reaches only apps granted registrations, in order per AOR, until unsubscribed', async () => {
    const unwatch = engine.watchRegistrations(host);
    const contact = { uri: 'sip:alice@192.0.2.1:5070', q: 1, expiresAt: Date.now() + 300_000 };
    emit({ type: 'added', aor: 'alice@sb.test', contact });
    emit({ type: 'refreshed', aor: 'alice@sb.test', contact });
    emit({ type: 'removed', aor: 'alice@sb.test', contact });
    await vi.waitFor(() => expect((kv.get('granted', 'log') as unknown[] | undefined)?.length).toBe(3));
    expect(kv.get('granted', 'log')).toEqual([
      { kind: 'registered', aor: 'alice@sb.test', contact: contact.uri, expires: 300, q: 1, dated: true },
      { kind: 'refreshed', aor: 'alice@sb.test', contact: contact.uri, expires: 300, q: 1, dated: true },
      { kind: 'unregistered', aor: 'alice@sb.test', contact: contact.uri, expires: 0, q: 1, dated: true },
    ]);
    expect(kv.get('not-granted', 'log')).toBeUndefined();
    unwatch();
    expect(listeners.size).toBe(0);
    await vi.waitFor(() => expect(engine.sessions.count('granted')).toBe(0));
  });
});
