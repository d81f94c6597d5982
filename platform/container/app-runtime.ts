/**
 * The sandbox runtime under the app container: deploy/undeploy app bundles and deliver events to
 * them, with
 * - per-session serialisation: events of one application-session key run one at a time, in
 *   order, even across `await` inside the app (JSR 359 APPLICATIONSESSION, spec §B.1 principle 1);
 *   different keys interleave;
 * - budgets: CPU per event in the isolate, wall-clock per event here;
 * - faults as data (`DispatchResult`), a sliding fault window that disables a misbehaving app
 *   until it is redeployed (spec §D "per-app quarantine");
 * - side-by-side redeploy: a session stays on the version it started on until `endSession`, new
 *   sessions go to the newest version, a bundle that fails to load is refused and the running
 *   version stays (the OCCAS model, spec §A.2 "Versioning / zero-downtime upgrade").
 */
import type { Logger } from '../log/logger.js';
import { AppVersion, type VersionEnvironment } from './app-version.js';
import { createInProcessHost } from './app-isolate.js';
import type { AppBundle } from './bundle-app.js';
import type { CapabilityProvider } from './capabilities.js';
import { DeployError } from './deploy-error.js';
import { DEFAULT_FAULT_LIMIT, FaultWindow, type FaultLimit } from './fault-window.js';
import type { GuestLimits } from './guest-prelude.js';
import { PayloadCopyError, type EventOutcome, type IsolateHandle, type IsolateHost, type IsolateMemory } from './isolate-handle.js';
import { parseManifest, type AppManifest } from './manifest.js';
import { COUNTED_FAULTS, type AppEvent, type DispatchResult, type FaultKind } from './types.js';
import { WallClock } from './wall-clock.js';
import { createWorkerHost } from './worker-host.js';

export interface AppRuntimeOptions {
  readonly logger: Logger;
  /** Services apps may call, each reachable only when the app's manifest grants it. */
  readonly capabilities?: readonly CapabilityProvider[];
  /**
   * Where isolates run: `in-process` (default; guest code runs on isolated-vm's thread pool, so
   * this event loop never runs app code) or `worker` (a pool of worker threads using sync entries:
   * cheaper per event, but isolates sharing a worker wait for each other). See the README.
   */
  readonly hosting?: 'in-process' | 'worker';
  /** Worker threads when `hosting` is `worker` (default 2). */
  readonly workers?: number;
  /**
   * `in-process` only: after 5 pool entries, run an app version's entries on this thread with
   * `applySync` until one faults or the third one takes over 20 ms of CPU or 10 ms of wall time
   * (then isolated-vm's pool, for good). Default true (README "Fast path"); false: every entry
   * through the pool.
   */
  readonly fastPath?: boolean | { probationEntries: number };
  /** A custom isolate host (tests, other tiers); overrides `hosting`. */
  readonly host?: IsolateHost;
  readonly faultLimit?: FaultLimit;
  /** Time an app's top-level code may run while loading (default 1000 ms). */
  readonly loadTimeoutMs?: number;
  /** Events waiting behind a busy session before new ones are refused (default 1000). */
  readonly maxQueuedPerSession?: number;
  /**
   * After an app runs out of memory, its events are refused (fault `memory`, without running)
   * for this long, default 1000 ms. One out-of-memory event costs ~120 ms of CPU — the guest's
   * allocation and V8's last-resort collections on other threads, then a new isolate — so an app
   * that bombs on every event would otherwise take a CPU from everything else (BENCHMARKS.md
   * "App container": the other calls' p99).
   */
  readonly oomBackoffMs?: number;
  readonly maxHostCallsPerEvent?: number;
  readonly maxLogsPerEvent?: number;
  readonly guestLimits?: GuestLimits;
  /**
   * V8 lost control of an isolate (isolated-vm `onCatastrophicError`). isolated-vm's advice is
   * to stop serving and abort; the default logs and calls `process.abort()`.
   */
  readonly onCatastrophicError?: (app: string, version: string, message: string) => void;
  readonly now?: () => number;
}

export interface DeployedApp {
  readonly name: string;
  readonly version: string;
  readonly generation: number;
  /** Event names the app handles (empty when it exports one dispatch function). */
  readonly handlers: readonly string[];
}

export interface AppVersionStatus {
  readonly version: string;
  readonly generation: number;
  readonly current: boolean;
  /** Pinned sessions plus queued and running events. */
  readonly refs: number;
}

export interface AppStatus {
  readonly name: string;
  readonly version: string;
  readonly disabled: boolean;
  /** Faults inside the current fault window. */
  readonly recentFaults: number;
  readonly sessions: number;
  readonly versions: readonly AppVersionStatus[];
}

interface QueuedEvent {
  readonly event: AppEvent;
  readonly version: AppVersion;
  readonly resolve: (result: DispatchResult) => void;
}

interface Session {
  readonly key: string;
  /** The version new events of this session go to; unset after `endSession`. */
  pinned: AppVersion | undefined;
  readonly queue: QueuedEvent[];
  running: boolean;
}

interface DeployedEntry {
  readonly name: string;
  current: AppVersion;
  readonly versions: Set<AppVersion>;
  readonly sessions: Map<string, Session>;
  readonly faults: FaultWindow;
  disabled: boolean;
  undeployed: boolean;
  /** Until when (epoch ms) events are refused after an out-of-memory fault (oomBackoffMs). */
  recoveringUntil: number;
}

export class AppRuntime {
  readonly #logger: Logger;
  readonly #host: IsolateHost;
  readonly #env: VersionEnvironment;
  readonly #faultLimit: FaultLimit;
  readonly #maxQueued: number;
  readonly #oomBackoffMs: number;
  readonly #now: () => number;
  readonly #apps = new Map<string, DeployedEntry>();
  /** Wall-clock budgets of running events, behind one timer (wall-clock.ts). */
  readonly #wallClock = new WallClock();
  /** Deploys and undeploys of one app run one after another. */
  readonly #deployTails = new Map<string, Promise<unknown>>();
  #generation = 0;
  #nextEventId = 0;
  #closed = false;

  constructor(options: AppRuntimeOptions) {
    this.#logger = options.logger.child({ component: 'app-runtime' });
    this.#host =
      options.host ??
      (options.hosting === 'worker' ? createWorkerHost(options.workers === undefined ? {} : { workers: options.workers }) : createInProcessHost({ fastPath: options.fastPath ?? true }));
    this.#faultLimit = options.faultLimit ?? DEFAULT_FAULT_LIMIT;
    this.#maxQueued = options.maxQueuedPerSession ?? 1000;
    this.#oomBackoffMs = options.oomBackoffMs ?? 1000;
    this.#now = options.now ?? Date.now;
    const catastrophic =
      options.onCatastrophicError ??
      ((app: string, version: string, message: string) => {
        this.#logger.fatal({ app, version, message }, 'isolate failed catastrophically; aborting');
        process.abort();
      });
    this.#env = {
      host: this.#host,
      logger: options.logger,
      providers: new Map((options.capabilities ?? []).map((provider) => [provider.name, provider])),
      loadTimeoutMs: options.loadTimeoutMs ?? 1000,
      maxHostCallsPerEvent: options.maxHostCallsPerEvent ?? 1000,
      maxLogsPerEvent: options.maxLogsPerEvent ?? 200,
      ...(options.guestLimits === undefined ? {} : { guestLimits: options.guestLimits }),
      catastrophic,
    };
  }

  /** `in-process` or `worker`. */
  get hosting(): IsolateHost['kind'] {
    return this.#host.kind;
  }

  /**
   * Loads `bundle` in a fresh isolate and makes it the version new sessions use. Throws
   * `DeployError` (and leaves any running version in place) if the manifest is invalid or the
   * bundle throws, times out or runs out of memory while loading.
   */
  deploy(bundle: AppBundle): Promise<DeployedApp> {
    let manifest: AppManifest;
    try {
      manifest = parseManifest(bundle.manifest);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#serialDeploy(manifest.name, async () => {
      if (this.#closed) throw new Error('the app runtime is closed');
      const version = new AppVersion(bundle, manifest, ++this.#generation, this.#env);
      let handle: IsolateHandle;
      try {
        handle = await version.isolate();
      } catch (error) {
        version.dispose('refused at deploy');
        throw new DeployError(`app "${manifest.name}" ${manifest.version} was refused: it failed while loading`, [
          { text: error instanceof Error ? error.message : String(error) },
        ]);
      }
      const entry = this.#apps.get(manifest.name);
      if (entry === undefined) {
        this.#apps.set(manifest.name, {
          name: manifest.name,
          current: version,
          versions: new Set([version]),
          sessions: new Map(),
          faults: new FaultWindow(this.#faultLimit, this.#now),
          disabled: false,
          recoveringUntil: 0,
          undeployed: false,
        });
      } else {
        const previous = entry.current;
        entry.current = version;
        entry.versions.add(version);
        entry.disabled = false;
        entry.recoveringUntil = 0;
        entry.faults.reset();
        previous.retired = true;
        this.#release(entry, previous, 0);
      }
      this.#logger.info({ app: manifest.name, version: manifest.version, generation: version.generation, hash: bundle.hash }, 'app deployed');
      return { name: manifest.name, version: manifest.version, generation: version.generation, handlers: handle.handlers };
    });
  }

  /** Removes an app: its isolates are disposed, events in flight or queued end with fault `disposed`. */
  undeploy(name: string): Promise<boolean> {
    return this.#serialDeploy(name, async () => {
      const entry = this.#apps.get(name);
      if (entry === undefined) return false;
      this.#apps.delete(name);
      entry.undeployed = true;
      const versions = [...entry.versions];
      for (const version of versions) version.dispose(`app "${name}" was undeployed`);
      entry.versions.clear();
      await Promise.all(versions.map((version) => version.whenIdle()));
      this.#logger.info({ app: name }, 'app undeployed');
      return true;
    });
  }

  /** Delivers one event; resolves with the handler's value or a fault, never rejects for app behaviour. */
  dispatch(appName: string, event: AppEvent): Promise<DispatchResult> {
    const entry = this.#apps.get(appName);
    if (entry === undefined) return Promise.resolve(fault('not-found', `no app "${appName}" is deployed`));
    if (entry.disabled) return Promise.resolve(disabledFault(entry));
    let session = entry.sessions.get(event.sessionKey);
    if (session === undefined || session.pinned === undefined) {
      if (session === undefined && entry.sessions.size >= entry.current.manifest.limits.maxSessions) {
        return Promise.resolve(fault('overloaded', `app "${appName}" has reached its limit of ${entry.current.manifest.limits.maxSessions} sessions`));
      }
      if (session === undefined) {
        session = { key: event.sessionKey, pinned: undefined, queue: [], running: false };
        entry.sessions.set(event.sessionKey, session);
      }
      session.pinned = entry.current;
      entry.current.refs += 1;
    }
    if (session.queue.length >= this.#maxQueued) {
      return Promise.resolve(fault('overloaded', `session "${event.sessionKey}" of app "${appName}" has ${this.#maxQueued} events waiting`));
    }
    const version = session.pinned;
    version.refs += 1;
    const queued = session;
    return new Promise<DispatchResult>((resolve) => {
      queued.queue.push({ event, version, resolve });
      void this.#pump(entry, queued);
    });
  }

  /**
   * Ends an application session: events already queued for it still run on its version; the
   * next event with this key starts a new session on the newest version. False if no such session.
   */
  endSession(appName: string, sessionKey: string): boolean {
    const entry = this.#apps.get(appName);
    const session = entry?.sessions.get(sessionKey);
    if (entry === undefined || session === undefined || session.pinned === undefined) return false;
    const version = session.pinned;
    session.pinned = undefined;
    this.#release(entry, version, 1);
    if (!session.running && session.queue.length === 0) entry.sessions.delete(sessionKey);
    return true;
  }

  status(name: string): AppStatus | undefined {
    const entry = this.#apps.get(name);
    if (entry === undefined) return undefined;
    return {
      name,
      version: entry.current.version,
      disabled: entry.disabled,
      recentFaults: entry.faults.count,
      sessions: [...entry.sessions.values()].filter((session) => session.pinned !== undefined).length,
      versions: [...entry.versions].map((version) => ({
        version: version.version,
        generation: version.generation,
        current: version === entry.current,
        refs: version.refs,
      })),
    };
  }

  /** Deployed app names in deploy order (cheap: for per-request selection). */
  names(): string[] {
    return [...this.#apps.keys()];
  }

  /** Whether `name` is disabled after repeated faults (undefined: not deployed). */
  disabled(name: string): boolean | undefined {
    return this.#apps.get(name)?.disabled;
  }

  /** The manifest of the version new sessions of `name` go to (its limits and permissions). */
  manifest(name: string): AppManifest | undefined {
    return this.#apps.get(name)?.current.manifest;
  }

  list(): AppStatus[] {
    return [...this.#apps.keys()].flatMap((name) => this.status(name) ?? []);
  }

  /** Heap statistics of the current version's isolate (creating it if it was disposed). */
  async memory(name: string): Promise<IsolateMemory | undefined> {
    const entry = this.#apps.get(name);
    if (entry === undefined) return undefined;
    return (await entry.current.isolate()).memory();
  }

  /**
   * Undeploys every app and stops the isolate host (worker threads). Call it before the process
   * exits: isolated-vm crashes the process if it exits while an isolate is still running.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#apps.keys()].map((name) => this.undeploy(name)));
    await this.#host.close();
  }

  async #pump(entry: DeployedEntry, session: Session): Promise<void> {
    if (session.running) return;
    session.running = true;
    for (let item = session.queue.shift(); item !== undefined; item = session.queue.shift()) {
      let result: DispatchResult;
      if (entry.undeployed) result = fault('disposed', `app "${entry.name}" was undeployed`, item.version.version);
      else if (entry.disabled) result = disabledFault(entry);
      else if (this.#now() < entry.recoveringUntil) result = recoveringFault(entry, item.version);
      else result = await this.#run(entry, item.version, session.key, item.event).catch((error: unknown) => this.#hostError(entry, error));
      this.#release(entry, item.version, 1);
      item.resolve(result);
    }
    session.running = false;
    if (session.pinned === undefined) entry.sessions.delete(session.key);
  }

  async #run(entry: DeployedEntry, version: AppVersion, sessionKey: string, event: AppEvent): Promise<DispatchResult> {
    const started = performance.now();
    const limits = version.manifest.limits;
    let handle: IsolateHandle;
    try {
      handle = await version.isolate();
    } catch (error) {
      const message = `the app could not be restarted: ${error instanceof Error ? error.message : String(error)}`;
      return this.#faulted(entry, version, sessionKey, event, { ok: false, fault: 'error', message, cpuMs: 0 }, started);
    }
    const eventId = ++this.#nextEventId;
    version.track(eventId, sessionKey, event.name, handle);
    let outcome: EventOutcome;
    try {
      outcome = await this.#withWallClock(
        handle.dispatch({ eventId, name: event.name, sessionKey, payload: event.payload, cpuBudgetMs: limits.cpuMsPerEvent }),
        limits.wallMsPerEvent,
        handle,
        eventId,
      );
    } catch (error) {
      if (!(error instanceof PayloadCopyError)) throw error;
      // The caller's payload, not the app, is at fault: reported, not counted.
      return { ok: false, fault: 'error', message: error.message, version: version.version };
    } finally {
      version.untrack(eventId);
    }
    if (outcome.ok) {
      return { ok: true, value: outcome.value, version: version.version, cpuMs: outcome.cpuMs, wallMs: performance.now() - started };
    }
    return this.#faulted(entry, version, sessionKey, event, outcome, started);
  }

  /** Resolves with a timeout fault once `ms` pass, after telling the isolate to forget the event. */
  #withWallClock(work: Promise<EventOutcome>, ms: number, handle: IsolateHandle, eventId: number): Promise<EventOutcome> {
    return new Promise<EventOutcome>((resolve, reject) => {
      let settled = false;
      const budget = this.#wallClock.arm(ms, () => {
        if (settled) return;
        // Settle first: abandoning may resolve `work` synchronously.
        settled = true;
        resolve({ ok: false, fault: 'timeout', message: `wall-clock budget of ${ms} ms per event exceeded`, cpuMs: 0 });
        handle.abandon(eventId);
      });
      work.then(
        (outcome) => {
          if (settled) return;
          settled = true;
          this.#wallClock.disarm(budget);
          resolve(outcome);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          this.#wallClock.disarm(budget);
          reject(error);
        },
      );
    });
  }

  #faulted(
    entry: DeployedEntry,
    version: AppVersion,
    sessionKey: string,
    event: AppEvent,
    outcome: Extract<EventOutcome, { ok: false }>,
    started: number,
  ): DispatchResult {
    const wallMs = performance.now() - started;
    const fields = {
      app: entry.name,
      version: version.version,
      sessionKey,
      event: event.name,
      fault: outcome.fault,
      cpuMs: outcome.cpuMs,
      wallMs,
      ...(outcome.stack === undefined ? {} : { stack: outcome.stack }),
    };
    if (outcome.fault === 'memory' && this.#oomBackoffMs > 0) entry.recoveringUntil = this.#now() + this.#oomBackoffMs;
    if (outcome.fault === 'unhandled') {
      this.#logger.debug(fields, outcome.message);
    } else {
      this.#logger.warn(fields, `app event faulted: ${outcome.message}`);
    }
    if (COUNTED_FAULTS.has(outcome.fault) && !entry.undeployed && entry.versions.has(version) && entry.faults.record() && !entry.disabled) {
      entry.disabled = true;
      this.#logger.error(
        { app: entry.name, version: version.version, maxFaults: this.#faultLimit.maxFaults, windowMs: this.#faultLimit.windowMs },
        'app disabled after repeated faults; redeploy it to enable it again',
      );
    }
    return { ok: false, fault: outcome.fault, message: outcome.message, version: version.version, cpuMs: outcome.cpuMs, wallMs };
  }

  /** A bug on the host side fails the event but never wedges the session queue. */
  #hostError(entry: DeployedEntry, error: unknown): DispatchResult {
    this.#logger.error({ app: entry.name, err: error }, 'sandbox host error');
    return fault('error', `sandbox host error: ${error instanceof Error ? error.message : String(error)}`);
  }

  /** Drops `count` references to `version`; a retired version with none left is disposed. */
  #release(entry: DeployedEntry, version: AppVersion, count: number): void {
    version.refs -= count;
    if (version.retired && version.refs <= 0 && !version.disposed) {
      version.dispose(`app "${entry.name}" ${version.version} retired`);
      entry.versions.delete(version);
      this.#logger.info({ app: entry.name, version: version.version, generation: version.generation }, 'old app version drained and disposed');
    }
  }

  #serialDeploy<T>(name: string, step: () => Promise<T>): Promise<T> {
    const previous = this.#deployTails.get(name) ?? Promise.resolve();
    const next = previous.then(step, step);
    const tail = next.catch(() => undefined);
    this.#deployTails.set(name, tail);
    void tail.then(() => {
      if (this.#deployTails.get(name) === tail) this.#deployTails.delete(name);
    });
    return next;
  }
}

function fault(kind: FaultKind, message: string, version?: string): DispatchResult {
  return version === undefined ? { ok: false, fault: kind, message } : { ok: false, fault: kind, message, version };
}

/** An event refused during the back-off after an out-of-memory fault: not run, not counted
 *  again (the fault that started the back-off was), not logged per event. */
function recoveringFault(entry: DeployedEntry, version: AppVersion): DispatchResult {
  return fault('memory', `app "${entry.name}" ran out of memory just before; its events are refused for a moment`, version.version);
}

function disabledFault(entry: DeployedEntry): DispatchResult {
  return fault('disabled', `app "${entry.name}" is disabled after repeated faults; redeploy it to enable it`, entry.current.version);
}
