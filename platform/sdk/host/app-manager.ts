/**
 * Deploy, undeploy and list apps on a running server (issue 5 §2): bundles an app folder with
 * esbuild (the SDK bundled in for `@switchboard/sdk`), loads it into the sandbox runtime side by
 * side with the running version, and records it in the apps database so that it is loaded again
 * at the next start. A bundle that fails to compile or throws while loading is refused with its
 * error and the running version stays. Bundles the CLI submitted (`pending`) are picked up by
 * `sync()`, which the server runs periodically.
 */
import { AppRuntime, bundleApp, DeployError, type AppBundle, type AppLimits, type AppStatus, type DeployedApp } from '../../container/index.js';
import type { AppEngineStats } from './app-engine.js';
import type { Logger } from '../../log/logger.js';
import type { AppRepository } from './app-repository.js';
import { sdkEntryPath } from './sdk-entry.js';

export interface AppManagerOptions {
  readonly runtime: AppRuntime;
  readonly logger: Logger;
  /** Without one, deploys last until the process ends. */
  readonly repository?: AppRepository;
  /** Called after an app is undeployed (the engine drops its sessions and timers). */
  readonly onUndeployed?: (name: string) => void;
  /** Per-app counters shown in `list()` (the engine's `stats`). */
  readonly stats?: (name: string) => AppEngineStats;
}

export interface AppListing extends AppStatus {
  readonly hash: string | undefined;
  /** The manifest's limits and permissions of the current version. */
  readonly limits: AppLimits | undefined;
  readonly permissions: readonly string[];
  /** Requests, events, faults by kind, CPU time, live sessions (when an engine is attached). */
  readonly stats: AppEngineStats | undefined;
  /** The last refused deploy's error, if the last deploy was refused. */
  readonly lastError: string | undefined;
}

/** What the HTTP routes and tests need (platform/http/app-routes.ts). */
export interface AppAdmin {
  deployDir(dir: string): Promise<DeployedApp>;
  undeploy(name: string): Promise<boolean>;
  list(): AppListing[];
}

export class AppManager implements AppAdmin {
  readonly #runtime: AppRuntime;
  readonly #logger: Logger;
  readonly #repository: AppRepository | undefined;
  readonly #onUndeployed: ((name: string) => void) | undefined;
  readonly #stats: ((name: string) => AppEngineStats) | undefined;
  /** Bundles running now, by app name. */
  readonly #running = new Map<string, AppBundle>();
  readonly #errors = new Map<string, string>();
  #syncing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AppManagerOptions) {
    this.#runtime = options.runtime;
    this.#logger = options.logger.child({ component: 'app-manager' });
    this.#repository = options.repository;
    this.#onUndeployed = options.onUndeployed;
    this.#stats = options.stats;
  }

  /** Bundles `dir` and deploys it. Throws DeployError (the running version stays). */
  async deployDir(dir: string): Promise<DeployedApp> {
    return this.deployBundle(await bundleApp(dir, { sdkEntry: sdkEntryPath() }));
  }

  async deployBundle(bundle: AppBundle): Promise<DeployedApp> {
    const name = bundle.manifest.name;
    try {
      const deployed = await this.#runtime.deploy(bundle);
      this.#running.set(name, bundle);
      this.#errors.delete(name);
      this.#repository?.submit(bundle, 'active');
      return deployed;
    } catch (error) {
      this.#errors.set(name, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  async undeploy(name: string): Promise<boolean> {
    const removed = await this.#runtime.undeploy(name);
    const stored = this.#repository?.remove(name) ?? false;
    this.#running.delete(name);
    this.#errors.delete(name);
    if (removed) this.#onUndeployed?.(name);
    return removed || stored;
  }

  list(): AppListing[] {
    return this.#runtime.list().map((status) => ({
      ...status,
      hash: this.#running.get(status.name)?.hash,
      limits: this.#runtime.manifest(status.name)?.limits,
      permissions: this.#runtime.manifest(status.name)?.permissions ?? [],
      stats: this.#stats?.(status.name),
      lastError: this.#errors.get(status.name),
    }));
  }

  /**
   * Brings the runtime in line with the apps database: loads new or changed bundles (recording
   * `active`/`refused`), undeploys apps whose record was removed. Runs one at a time.
   */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = undefined));
    return this.#syncing;
  }

  /** Runs `sync()` every `ms` (the CLI's deploys reach the server this way). */
  startSync(ms = 1000): void {
    this.stopSync();
    this.#timer = setInterval(() => {
      void this.sync().catch((error: unknown) => this.#logger.error({ err: error }, 'app sync failed'));
    }, ms);
    this.#timer.unref();
  }

  stopSync(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #sync(): Promise<void> {
    const repository = this.#repository;
    if (repository === undefined) return;
    const records = repository.all();
    const names = new Set(records.map((record) => record.name));
    for (const record of records) {
      if (this.#running.get(record.name)?.hash === record.hash) continue;
      // A refused bundle is not retried; a record that kept the running version after a refusal
      // (hash = active hash) is loaded at start like an active one.
      if (record.state === 'refused' && record.hash !== record.activeHash) continue;
      try {
        await this.#runtime.deploy(record.bundle);
        this.#running.set(record.name, record.bundle);
        this.#errors.delete(record.name);
        repository.settle(record.name, record.hash, { ok: true });
      } catch (error) {
        const message = error instanceof DeployError || error instanceof Error ? error.message : String(error);
        this.#errors.set(record.name, message);
        this.#logger.warn({ app: record.name, version: record.version }, `deploy refused: ${message}`);
        const keep = this.#running.get(record.name);
        repository.settle(record.name, record.hash, { ok: false, error: message, ...(keep === undefined ? {} : { keep }) });
      }
    }
    for (const name of [...this.#running.keys()]) {
      if (names.has(name)) continue;
      await this.#runtime.undeploy(name);
      this.#running.delete(name);
      this.#onUndeployed?.(name);
    }
  }
}
