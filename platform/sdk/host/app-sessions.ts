/**
 * Application sessions on the host side (JSR 289 SipApplicationSession): attributes as plain
 * data, expiry, named timers. They live here, not in the isolate, so that they outlive a
 * redeploy (a new version sees the same attributes and timers) and an isolate restart after a
 * fault (spec §B.1 principle 2, §C.1). The guest gets a copy with every event and returns its
 * changes with the event's result.
 */
import type { PlainData, WireResult, WireSession, WireTimer } from '../protocol.js';

/** A timer started on a HostClock. */
export interface HostTimer {
  cancel(): void;
}

/**
 * Where the host takes time from: session expiry, app timers. Real time by default; the test kit
 * (platform/testkit) passes a virtual clock so that a 3-minute expiry runs in milliseconds.
 */
export interface HostClock {
  now(): number;
  /** Runs `callback` once after `ms`; must not keep the process alive (real time: unref'd). */
  setTimeout(callback: () => void, ms: number): HostTimer;
}

/** Wall-clock time and Node timers. */
export const realClock: HostClock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

export interface HostSession {
  readonly app: string;
  /** The runtime session key (the Call-ID of the call that created it). */
  readonly key: string;
  attributes: { [key: string]: PlainData };
  readonly createdAt: number;
  expiresAt: number;
  /** Calls (requests still being decided) using the session. */
  activeCalls: number;
  invalidated: boolean;
  readonly timers: Map<string, { timer: WireTimer; handle: HostTimer }>;
}

export interface AppSessionStoreOptions {
  /** Idle time before a session expires (JSR 289 default: 3 minutes). */
  readonly expiryMs?: number;
  readonly maxTimersPerSession?: number;
  readonly now?: () => number;
  /** Time and timers (default real time; `now` above wins for the time when given). */
  readonly clock?: HostClock;
  /** A timer is due: deliver it to the app. */
  readonly onTimer: (session: HostSession, timer: WireTimer) => void;
  /** A session with no calls in progress passed its expiry. */
  readonly onExpired: (session: HostSession) => void;
  /** How often expiry is checked (default 1000 ms). */
  readonly sweepMs?: number;
}

export class AppSessionStore {
  readonly #byApp = new Map<string, Map<string, HostSession>>();
  readonly #expiryMs: number;
  readonly #maxTimers: number;
  readonly #now: () => number;
  readonly #options: AppSessionStoreOptions;
  readonly #clock: HostClock;
  readonly #sweepMs: number;
  #sweep: HostTimer | undefined;

  constructor(options: AppSessionStoreOptions) {
    this.#options = options;
    this.#expiryMs = options.expiryMs ?? 180_000;
    this.#maxTimers = options.maxTimersPerSession ?? 64;
    this.#clock = options.clock ?? realClock;
    this.#now = options.now ?? (() => this.#clock.now());
    this.#sweepMs = options.sweepMs ?? 1000;
    this.#armSweep();
  }

  /** The expiry sweep re-arms itself on the clock (a virtual clock has no setInterval). */
  #armSweep(): void {
    this.#sweep = this.#clock.setTimeout(() => {
      this.#armSweep();
      this.#expire();
    }, this.#sweepMs);
  }

  /** The session `key` of `app`, created if needed; undefined when the app has `max` sessions. */
  open(app: string, key: string, max: number): HostSession | undefined {
    let sessions = this.#byApp.get(app);
    if (sessions === undefined) {
      sessions = new Map();
      this.#byApp.set(app, sessions);
    }
    const existing = sessions.get(key);
    if (existing !== undefined && !existing.invalidated) return existing;
    if (sessions.size >= max) return undefined;
    const now = this.#now();
    const session: HostSession = { app, key, attributes: {}, createdAt: now, expiresAt: now + this.#expiryMs, activeCalls: 0, invalidated: false, timers: new Map() };
    sessions.set(key, session);
    return session;
  }

  get(app: string, key: string): HostSession | undefined {
    return this.#byApp.get(app)?.get(key);
  }

  count(app: string): number {
    return this.#byApp.get(app)?.size ?? 0;
  }

  snapshot(session: HostSession): WireSession {
    return { id: session.key, attributes: session.attributes, createdAt: session.createdAt, expiresAt: session.expiresAt };
  }

  /** Keeps an accessed session alive for the default expiry from now (never shortens). */
  touch(session: HostSession): void {
    session.expiresAt = Math.max(session.expiresAt, this.#now() + this.#expiryMs);
  }

  /** Applies what an event returned. Returns problems to log (e.g. too many timers). */
  apply(session: HostSession, result: WireResult, timersGranted: boolean): string[] {
    const problems: string[] = [];
    if (session.invalidated) return problems;
    const changes = result.session;
    if (changes?.attributes !== undefined) session.attributes = changes.attributes;
    if (changes?.expiresInMs !== undefined) session.expiresAt = this.#now() + changes.expiresInMs;
    for (const id of result.timers?.cancel ?? []) this.cancelTimer(session, id);
    for (const start of result.timers?.start ?? []) {
      if (!timersGranted) {
        problems.push('timers are not granted to this app; add "timers" to "permissions" in manifest.json');
        break;
      }
      if (session.timers.size >= this.#maxTimers) {
        problems.push(`a session may hold at most ${this.#maxTimers} timers; timer "${start.name}" was not started`);
        continue;
      }
      const { delayMs, ...timer } = start;
      this.#schedule(session, timer, delayMs);
    }
    if (changes?.invalidate === true) this.invalidate(session);
    return problems;
  }

  cancelTimer(session: HostSession, id: string): void {
    const entry = session.timers.get(id);
    if (entry === undefined) return;
    entry.handle.cancel();
    session.timers.delete(id);
  }

  /** Drops the session: attributes go, timers are cancelled. */
  invalidate(session: HostSession): void {
    session.invalidated = true;
    for (const { handle } of session.timers.values()) handle.cancel();
    session.timers.clear();
    const sessions = this.#byApp.get(session.app);
    if (sessions?.get(session.key) === session) sessions.delete(session.key);
  }

  /** Drops every session of an undeployed app. */
  dropApp(app: string): void {
    for (const session of [...(this.#byApp.get(app)?.values() ?? [])]) this.invalidate(session);
    this.#byApp.delete(app);
  }

  close(): void {
    this.#sweep?.cancel();
    this.#sweep = undefined;
    for (const app of [...this.#byApp.keys()]) this.dropApp(app);
  }

  #schedule(session: HostSession, timer: WireTimer, delayMs: number): void {
    const handle = this.#clock.setTimeout(() => {
      if (session.invalidated) return;
      if (timer.repeatMs !== undefined) this.#schedule(session, timer, timer.repeatMs);
      else session.timers.delete(timer.id);
      this.#options.onTimer(session, timer);
    }, delayMs);
    session.timers.set(timer.id, { timer, handle });
  }

  #expire(): void {
    const now = this.#now();
    for (const sessions of this.#byApp.values()) {
      for (const session of [...sessions.values()]) {
        // A session with a call in progress or a timer pending is not idle (JSR 289 invalidateWhenReady).
        if (session.expiresAt > now || session.activeCalls > 0) continue;
        if (session.timers.size > 0) {
          session.expiresAt = now + this.#expiryMs;
          continue;
        }
        this.#options.onExpired(session);
      }
    }
  }
}
