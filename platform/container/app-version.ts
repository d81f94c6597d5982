/**
 * One deployed version of an app: its bundle, its isolate (created at deploy, recreated from the
 * bundle after an OOM disposal), and the plumbing from its guest to the host — host calls routed
 * to granted capabilities, log lines tagged with app, version and session. Versions are
 * reference-counted by pinned sessions and queued events so a redeploy can drain the old one
 * (the OCCAS side-by-side model, spec §A.2) and dispose it when the last session ends.
 */
import type { Logger } from '../log/logger.js';
import type { AppBundle } from './bundle-app.js';
import { answerHostCall, type CapabilityProvider } from './capabilities.js';
import type { GuestLimits } from './guest-prelude.js';
import type { GuestHostCall, IsolateCallbacks, IsolateHandle, IsolateHost } from './isolate-handle.js';
import { grantsOf, type AppManifest, type CapabilityGrants } from './manifest.js';
import type { AppLogLevel } from './types.js';

export interface VersionEnvironment {
  readonly host: IsolateHost;
  readonly logger: Logger;
  readonly providers: ReadonlyMap<string, CapabilityProvider>;
  readonly loadTimeoutMs: number;
  readonly maxHostCallsPerEvent: number;
  readonly maxLogsPerEvent: number;
  readonly guestLimits?: GuestLimits;
  readonly catastrophic: (app: string, version: string, message: string) => void;
}

/** An event running in this version, as host calls and log lines need to see it. */
interface RunningEvent {
  readonly sessionKey: string;
  readonly name: string;
  readonly handle: IsolateHandle;
  hostCalls: number;
  logs: number;
}

export class AppVersion {
  readonly bundle: AppBundle;
  readonly manifest: AppManifest;
  /** Deploy counter, unique per runtime: tells two deployments of the same version apart. */
  readonly generation: number;
  /** Pinned sessions plus queued and running events; a retired version is disposed at zero. */
  refs = 0;
  retired = false;
  readonly #env: VersionEnvironment;
  readonly #grants: CapabilityGrants;
  readonly #log: Logger;
  readonly #running = new Map<number, RunningEvent>();
  #handle: IsolateHandle | undefined;
  #creating: Promise<IsolateHandle> | undefined;
  #disposed = false;

  constructor(bundle: AppBundle, manifest: AppManifest, generation: number, env: VersionEnvironment) {
    this.bundle = bundle;
    this.manifest = manifest;
    this.generation = generation;
    this.#env = env;
    this.#grants = grantsOf(manifest);
    this.#log = env.logger.child({ app: manifest.name, version: manifest.version });
  }

  get name(): string {
    return this.manifest.name;
  }

  get version(): string {
    return this.manifest.version;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Event names the bundle handles (known once its isolate has loaded). */
  get handlers(): readonly string[] {
    return this.#handle?.handlers ?? [];
  }

  /** The live isolate, created (or recreated after an OOM) from the bundle when needed. */
  isolate(): Promise<IsolateHandle> {
    if (this.#disposed) return Promise.reject(new Error(`app "${this.name}" ${this.version} is disposed`));
    if (this.#handle !== undefined && !this.#handle.disposed) return Promise.resolve(this.#handle);
    this.#creating ??= this.#env.host
      .create(
        {
          appName: this.name,
          version: this.version,
          code: this.bundle.code,
          memoryMb: this.manifest.limits.memoryMb,
          loadTimeoutMs: this.#env.loadTimeoutMs,
          ...(this.#env.guestLimits === undefined ? {} : { guestLimits: this.#env.guestLimits }),
        },
        this.#callbacks(),
      )
      .then(
        (handle) => {
          this.#creating = undefined;
          if (this.#disposed) {
            handle.dispose(`app "${this.name}" ${this.version} is disposed`);
            throw new Error(`app "${this.name}" ${this.version} is disposed`);
          }
          this.#handle = handle;
          return handle;
        },
        (error: unknown) => {
          this.#creating = undefined;
          throw error;
        },
      );
    return this.#creating;
  }

  /** Registers an event about to run so its host calls and logs can be attributed. */
  track(eventId: number, sessionKey: string, name: string, handle: IsolateHandle): void {
    this.#running.set(eventId, { sessionKey, name, handle, hostCalls: 0, logs: 0 });
  }

  untrack(eventId: number): void {
    this.#running.delete(eventId);
  }

  dispose(reason: string): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#handle?.dispose(reason);
  }

  /** Resolves once no guest code of this version runs any more (see `IsolateHandle.whenIdle`). */
  async whenIdle(): Promise<void> {
    await this.#handle?.whenIdle();
  }

  #callbacks(): IsolateCallbacks {
    return {
      hostCall: (call) => this.#hostCall(call),
      log: (eventId, level, message) => this.#appLog(eventId, level, message),
      catastrophic: (message) => this.#env.catastrophic(this.name, this.version, message),
    };
  }

  #hostCall(call: GuestHostCall): void {
    const event = this.#running.get(call.eventId);
    if (event === undefined) return;
    event.hostCalls += 1;
    if (event.hostCalls > this.#env.maxHostCallsPerEvent) {
      event.handle.settle(call.eventId, call.callId, false, `more than ${this.#env.maxHostCallsPerEvent} host calls in one event`);
      return;
    }
    void answerHostCall(this.#env.providers, this.#grants, {
      app: this.name,
      version: this.version,
      sessionKey: event.sessionKey,
      event: event.name,
      capability: call.capability,
      method: call.method,
      jsonArgs: call.jsonArgs,
    }).then((answer) => {
      // An event that timed out or ended meanwhile is not resumed.
      if (this.#running.get(call.eventId) === event) event.handle.settle(call.eventId, call.callId, answer.ok, answer.text);
    });
  }

  #appLog(eventId: number, level: AppLogLevel, message: string): void {
    const event = this.#running.get(eventId);
    if (event !== undefined) {
      event.logs += 1;
      if (event.logs > this.#env.maxLogsPerEvent) return;
    }
    const fields = event === undefined ? { source: 'app' } : { source: 'app', sessionKey: event.sessionKey, event: event.name };
    this.#log[level](fields, message);
  }
}
