/**
 * Host calls from apps (`sdk.hostCall(capability, method, jsonArgs)`) routed to the services the
 * server binds (store, timers, HTTP egress, metrics…). An app reaches a capability only if its
 * manifest grants it (spec §B.1 principle 4: no ambient authority); everything else is refused
 * with a message that names the fix. Arguments and results are JSON text parsed by the host's
 * own `JSON.parse`, so no guest object ever reaches a provider.
 */
import type { CapabilityGrants } from './manifest.js';
import type { JsonValue } from './types.js';

export interface CapabilityCall {
  readonly app: string;
  readonly version: string;
  readonly sessionKey: string;
  /** Name of the event during which the app made the call. */
  readonly event: string;
  readonly method: string;
  readonly args: JsonValue;
  /** Scopes granted with the capability (`http-egress:api.example.com` → `['api.example.com']`). */
  readonly scopes: readonly string[];
}

/** A service apps may call. Throw to reject; the app sees the error's message only. */
export interface CapabilityProvider {
  readonly name: string;
  call(call: CapabilityCall): Promise<JsonValue> | JsonValue;
}

export type HostCallAnswer = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

export interface HostCallRequest {
  readonly app: string;
  readonly version: string;
  readonly sessionKey: string;
  readonly event: string;
  readonly capability: string;
  readonly method: string;
  readonly jsonArgs: string;
}

/** Checks the grant, parses the arguments, calls the provider; never throws. */
export async function answerHostCall(
  providers: ReadonlyMap<string, CapabilityProvider>,
  grants: CapabilityGrants,
  request: HostCallRequest,
): Promise<HostCallAnswer> {
  const scopes = grants.get(request.capability);
  if (scopes === undefined) {
    return refuse(`capability "${request.capability}" is not granted to app "${request.app}"; add it to "permissions" in manifest.json`);
  }
  const provider = providers.get(request.capability);
  if (provider === undefined) return refuse(`capability "${request.capability}" is not available on this server`);
  let args: JsonValue;
  try {
    args = JSON.parse(request.jsonArgs) as JsonValue;
  } catch {
    return refuse(`arguments of ${request.capability}.${request.method} are not valid JSON`);
  }
  let result: JsonValue;
  try {
    result = await provider.call({
      app: request.app,
      version: request.version,
      sessionKey: request.sessionKey,
      event: request.event,
      method: request.method,
      args,
      scopes,
    });
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
  try {
    return { ok: true, text: JSON.stringify(result ?? null) };
  } catch {
    return refuse(`${request.capability}.${request.method} returned a value that is not JSON`);
  }
}

function refuse(text: string): HostCallAnswer {
  return { ok: false, text };
}
