/**
 * Application sessions on the host side (JSR 289 SipApplicationSession): attributes as plain
 * data, expiry, named timers. They live here, not in the isolate, so that they outlive a
 * redeploy (a new version sees the same attributes and timers) and an isolate restart after a
 * fault (spec §B.1 principle 2, §C.1). The guest gets a copy with every event and returns its
 * changes with the event's result. Given a SessionPersistence they outlive a restart too:
 * sessions that hold attributes or timers are written after they change (batched per event-loop
 * turn) and loaded back with `restore`.
 */
import type { PlainData, WireResult, WireSession, WireTimer } from '../protocol.js';
import type { SessionChanges, SessionPersistence, StoredSession } from './session-persistence.js';

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
  /** Pending timers by id; `dueAt` is absolute (stored, so a restart re-arms them). */
  readonly timers: Map<string, { timer: WireTimer; handle: HostTimer; dueAt: number }>;
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
  /** Keeps sessions and timers across a restart (default none: memory only). */
  readonly persistence?: SessionPersistence;
}

/** A session worth storing: it holds attributes or timers (empty ones are dropped anyway). */
const holdsState = (session: HostSession): boolean => session.timers.size > 0 || Object.keys(session.attributes).length > 0;

export class AppSessionStore {
  readonly #byApp = new Map<string, Map<string, HostSession>>();
  readonly #expiryMs: number;
  readonly #maxTimers: number;
  readonly #now: () => number;
  readonly #options: AppSessionStoreOptions;
  readonly #clock: HostClock;
  readonly #sweepMs: number;
  #sweep: HostTimer | undefined;
  readonly #persistence: SessionPersistence | undefined;
  /** Sessions that have rows in the persistence. */
  readonly #stored = new WeakSet<HostSession>();
  /** Sessions changed since the last flush, in order. */
  readonly #dirty = new Set<HostSession>();
  #flushing: NodeJS.Immediate | undefined;
  #closed = false;

  constructor(options: AppSessionStoreOptions) {
    this.#options = options;
    this.#expiryMs = options.expiryMs ?? 180_000;
    this.#maxTimers = options.maxTimersPerSession ?? 64;
    this.#clock = options.clock ?? realClock;
    this.#now = options.now ?? (() => this.#clock.now());
    this.#sweepMs = options.sweepMs ?? 1000;
    this.#persistence = options.persistence;
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
    this.#changed(session);
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
    else this.#changed(session);
    return problems;
  }

  cancelTimer(session: HostSession, id: string): void {
    const entry = session.timers.get(id);
    if (entry === undefined) return;
    entry.handle.cancel();
    session.timers.delete(id);
    this.#changed(session);
  }

  /** Drops the session: attributes go, timers are cancelled. */
  invalidate(session: HostSession): void {
    session.invalidated = true;
    for (const { handle } of session.timers.values()) handle.cancel();
    session.timers.clear();
    const sessions = this.#byApp.get(session.app);
    if (sessions?.get(session.key) === session) sessions.delete(session.key);
    this.#changed(session);
  }

  /** Drops every session of an undeployed app, stored ones included. */
  dropApp(app: string): void {
    for (const session of [...(this.#byApp.get(app)?.values() ?? [])]) this.invalidate(session);
    this.#byApp.delete(app);
    this.#persistence?.removeApp(app);
  }

  /**
   * Loads the stored sessions back (at start, once the stored apps are loaded): attributes and
   * expiry as they were; timers re-armed at their due time — one that fell due while the server
   * was down fires at once, once, and a repeating one goes on every `repeatMs` from then. A
   * session of an app for which `deployed` is false is deleted from the persistence (its app was
   * undeployed while the server was down, or no longer loads), as an undeploy would have. A key
   * already live here (a request came first) keeps its live session.
   */
  restore(deployed: (app: string) => boolean): { sessions: number; timers: number; dropped: string[] } {
    const counts = { sessions: 0, timers: 0, dropped: [] as string[] };
    const persistence = this.#persistence;
    if (persistence === undefined || this.#closed) return counts;
    const dropped = new Set<string>();
    const now = this.#now();
    for (const stored of persistence.load()) {
      if (!deployed(stored.app)) {
        dropped.add(stored.app);
        continue;
      }
      let sessions = this.#byApp.get(stored.app);
      if (sessions === undefined) this.#byApp.set(stored.app, (sessions = new Map()));
      const live = sessions.get(stored.key);
      if (live !== undefined && !live.invalidated) {
        // The live session's state replaces the stored one (or deletes it, if it holds nothing).
        this.#stored.add(live);
        this.#changed(live);
        continue;
      }
      const session: HostSession = {
        app: stored.app,
        key: stored.key,
        attributes: { ...stored.attributes },
        createdAt: stored.createdAt,
        expiresAt: stored.expiresAt,
        activeCalls: 0,
        invalidated: false,
        timers: new Map(),
      };
      sessions.set(stored.key, session);
      this.#stored.add(session);
      for (const { dueAt, ...timer } of stored.timers) this.#schedule(session, timer, Math.max(0, dueAt - now));
      counts.sessions += 1;
      counts.timers += stored.timers.length;
    }
    for (const app of dropped) persistence.removeApp(app);
    counts.dropped = [...dropped];
    return counts;
  }

  /** Writes the pending changes now (otherwise at the end of the event-loop turn). */
  flush(): void {
    if (this.#flushing !== undefined) clearImmediate(this.#flushing);
    this.#flushing = undefined;
    const persistence = this.#persistence;
    if (persistence === undefined || this.#dirty.size === 0) return;
    const changes: { save: StoredSession[]; remove: Array<{ app: string; key: string }> } = { save: [], remove: [] };
    for (const session of this.#dirty) {
      const live = !session.invalidated && this.#byApp.get(session.app)?.get(session.key) === session;
      if (live && holdsState(session)) {
        changes.save.push(toStored(session));
        this.#stored.add(session);
      } else if (this.#stored.has(session)) {
        changes.remove.push({ app: session.app, key: session.key });
        this.#stored.delete(session);
      }
    }
    this.#dirty.clear();
    persistence.write(changes satisfies SessionChanges);
  }

  /** Stops: pending changes are written, timers cancelled; stored sessions stay stored. */
  close(): void {
    this.#sweep?.cancel();
    this.#sweep = undefined;
    this.flush();
    this.#closed = true;
    for (const sessions of this.#byApp.values()) {
      for (const session of sessions.values()) {
        session.invalidated = true;
        for (const { handle } of session.timers.values()) handle.cancel();
      }
    }
    this.#byApp.clear();
  }

  /**
   * Notes a change to write. Cheap on the hot path: a session that holds nothing and was never
   * stored is skipped (the engine drops it once its call is decided); the rest are written
   * together at the end of the event-loop turn.
   */
  #changed(session: HostSession): void {
    if (this.#persistence === undefined || this.#closed) return;
    if (!this.#stored.has(session) && !holdsState(session)) return;
    this.#dirty.add(session);
    this.#flushing ??= setImmediate(() => {
      this.#flushing = undefined;
      this.flush();
    });
  }

  #schedule(session: HostSession, timer: WireTimer, delayMs: number): void {
    session.timers.get(timer.id)?.handle.cancel();
    const handle = this.#clock.setTimeout(() => {
      if (session.invalidated) return;
      if (timer.repeatMs !== undefined) this.#schedule(session, timer, timer.repeatMs);
      else session.timers.delete(timer.id);
      this.#changed(session);
      this.#options.onTimer(session, timer);
    }, delayMs);
    session.timers.set(timer.id, { timer, handle, dueAt: this.#now() + delayMs });
    this.#changed(session);
  }

  #expire(): void {
    const now = this.#now();
    for (const sessions of this.#byApp.values()) {
      for (const session of [...sessions.values()]) {
        // A session with a call in progress or a timer pending is not idle (JSR 289 invalidateWhenReady).
        if (session.expiresAt > now || session.activeCalls > 0) continue;
        if (session.timers.size > 0) {
          session.expiresAt = now + this.#expiryMs;
          this.#changed(session);
          continue;
        }
        this.#options.onExpired(session);
      }
    }
  }
}

function toStored(session: HostSession): StoredSession {
  return {
    app: session.app,
    key: session.key,
    attributes: session.attributes,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    timers: [...session.timers.values()].map(({ timer, dueAt }) => ({ ...timer, dueAt })),
  };
}
