/**
 * The services behind `ctx`, bound in an inversify container (issue 5 §1). The container stays
 * on the host: the runtime asks it for every `CapabilityProvider` once, and an app reaches a
 * provider only through `sdk.hostCall` when its manifest grants that capability
 * (platform/container/capabilities.ts). Add a capability by binding another provider here.
 */
import { Container } from 'inversify';
import type { CapabilityProvider } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import type { HostClock } from './app-sessions.js';
import { CallRegistry } from './call-registry.js';
import { CallsCapability } from './calls-capability.js';
import { CallConnector } from './connect-calls.js';
import { KvCapability, type KvBackend } from './kv-store.js';
import { UacCapability, type ServiceHostRef } from './uac-capability.js';

export const SDK_TYPES = {
  KvBackend: Symbol.for('switchboard.sdk.KvBackend'),
  Capability: Symbol.for('switchboard.sdk.Capability'),
  CallRegistry: Symbol.for('switchboard.sdk.CallRegistry'),
} as const;

export interface CapabilityBindings {
  readonly kv: KvBackend;
  /** The core's ServiceHost once the pipeline exists: `ctx.uac` sends requests through it. */
  readonly host?: ServiceHostRef;
  /** The engine's live calls (`AppEngineOptions.calls`): `ctx.calls` ends them, and with
   *  `host` connects new ones (third-party calls) and `ctx.uac.invite` places calls. Absent:
   *  `calls` is not offered, nor `ctx.uac.invite`. */
  readonly calls?: CallRegistry;
  /** Ring timeouts of `ctx.uac.invite` (default real time; the engine's clock in the test kit). */
  readonly clock?: HostClock;
  /** Where capabilities log what apps cannot see (a failed BYE). */
  readonly logger?: Logger;
  /** More providers (e.g. HTTP egress, metrics) offered to apps that are granted them. */
  readonly extra?: readonly CapabilityProvider[];
}

export function createCapabilityContainer(bindings: CapabilityBindings): Container {
  const container = new Container();
  container.bind<KvBackend>(SDK_TYPES.KvBackend).toConstantValue(bindings.kv);
  container.bind<CapabilityProvider>(SDK_TYPES.Capability).toDynamicValue((context) => new KvCapability(context.get<KvBackend>(SDK_TYPES.KvBackend)));
  const { host } = bindings;
  if (host !== undefined) {
    const uac = new UacCapability(host, {
      ...(bindings.calls === undefined ? {} : { calls: bindings.calls }),
      ...(bindings.clock === undefined ? {} : { clock: bindings.clock }),
      ...(bindings.logger === undefined ? {} : { logger: bindings.logger }),
    });
    container.bind<CapabilityProvider>(SDK_TYPES.Capability).toConstantValue(uac);
  }
  if (bindings.calls !== undefined) {
    container.bind<CallRegistry>(SDK_TYPES.CallRegistry).toConstantValue(bindings.calls);
    const connector = host === undefined ? undefined : new CallConnector(host, bindings.calls);
    container
      .bind<CapabilityProvider>(SDK_TYPES.Capability)
      .toDynamicValue((context) => new CallsCapability(context.get<CallRegistry>(SDK_TYPES.CallRegistry), bindings.logger, connector));
  }
  for (const provider of bindings.extra ?? []) container.bind<CapabilityProvider>(SDK_TYPES.Capability).toConstantValue(provider);
  return container;
}

/** Every provider bound in `container`, for `AppRuntimeOptions.capabilities`. */
export function capabilityProviders(container: Container): CapabilityProvider[] {
  return container.getAll<CapabilityProvider>(SDK_TYPES.Capability);
}
