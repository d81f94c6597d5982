/**
 * The `calls` capability: `ctx.calls.terminate(call)` ends one of the app's calls from any
 * event, typically a timer (a prepaid limit); `ctx.calls.connect(a, b)` starts a third-party
 * call (connect-calls.ts). Calls are looked up among the app's own calls in the CallRegistry;
 * an unknown or finished call answers false, so an app racing a hang-up needs no error handling.
 */
import type { CapabilityCall, CapabilityProvider, JsonValue } from '../../container/index.js';
import type { Logger } from '../../log/logger.js';
import type { CallRegistry } from './call-registry.js';
import type { CallConnector } from './connect-calls.js';

export class CallsCapability implements CapabilityProvider {
  readonly name = 'calls';
  constructor(
    private readonly registry: CallRegistry,
    private readonly logger?: Logger,
    /** Absent: `connect` is refused (no UA core to call from). */
    private readonly connector?: CallConnector,
  ) {}

  call(call: Pick<CapabilityCall, 'app' | 'method' | 'args'> & { sessionKey?: string }): JsonValue | Promise<JsonValue> {
    if (call.method === 'connect') {
      if (this.connector === undefined || call.sessionKey === undefined) throw new Error('this server cannot connect calls for apps (no UA core)');
      return this.connector.connect(call.app, call.sessionKey, call.args);
    }
    if (call.method !== 'terminate') throw new Error(`calls has no method "${call.method}"`);
    const args = call.args;
    const id = args !== null && typeof args === 'object' && !Array.isArray(args) ? args.id : undefined;
    if (typeof id !== 'string' || id === '' || id.length > 512) throw new Error('calls.terminate needs the id of a call');
    return this.registry.terminate(call.app, id, (error) => this.logger?.warn({ err: error, app: call.app, call: id }, 'ending a call failed'));
  }
}
