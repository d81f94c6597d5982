/**
 * Application sessions and timers in the apps database (real SQLite in a temp folder): what is
 * written and when, and a "restart" — a new store on a new connection to the same file — that
 * gets attributes, expiry and timers back, overdue timers firing once at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/logger.js';
import type { WireResult, WireTimer } from '../protocol.js';
import { AppSessionStore, type HostClock, type HostSession } from './app-sessions.js';
import { APPS_SCHEMA_VERSION, openAppsDatabase } from './apps-database.js';
import { createSqliteSessionPersistence } from './sqlite-session-persistence.js';

/** A clock that moves only when told (the store's timers and expiry sweep run on it). */
function virtualClock(start: number): HostClock & { advance(ms: number): void } {
  let now = start;
  let seq = 0;
  const due = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = ++seq;
      due.set(id, { at: now + ms, callback });
      return { cancel: () => due.delete(id) };
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = [...due.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (next === undefined) break;
        due.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].callback();
      }
      now = until;
    },
  };
}

const T0 = Date.UTC(2026, 11, 3, 9, 0, 0);

describe('session persistence (apps.sqlite)', () => {
  let dir: string;
  let dbs: Database.Database[];
  let stores: AppSessionStore[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-sessions-'));
    dbs = [];
    stores = [];
  });
  afterEach(() => {
    for (const store of stores) store.close();
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A store over its own connection to `<dir>/apps.sqlite`: a server process. */
  function server(clock: HostClock) {
    const db = openAppsDatabase(dir);
    dbs.push(db);
    const fired: Array<{ key: string; timer: WireTimer; at: number }> = [];
    const expired: HostSession[] = [];
    const store = new AppSessionStore({
      clock,
      expiryMs: 60_000,
      persistence: createSqliteSessionPersistence(db, silentLogger),
      onTimer: (session, timer) => fired.push({ key: session.key, timer, at: clock.now() }),
      onExpired: (session) => expired.push(session),
    });
    stores.push(store);
    const rows = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { db, store, fired, expired, rows };
  }

  const startTimer = (id: string, delayMs: number, payload: WireTimer['payload'], repeatMs?: number): WireResult => ({
    timers: { start: [{ id, name: id.split('.')[0]!, payload, delayMs, ...(repeatMs === undefined ? {} : { repeatMs }) }], cancel: [] },
  });

  it('a session that holds nothing is never written; one with attributes is, at the end of the turn', async () => {
    const clock = virtualClock(T0);
    const { store, rows } = server(clock);
    const empty = store.open('app', 'empty', 10)!;
    store.apply(empty, {}, true);
    store.touch(empty);
    store.invalidate(empty);
    const kept = store.open('app', 'kept', 10)!;
    store.apply(kept, { session: { attributes: { n: 1 } } }, true);
    expect(rows('app_sessions')).toBe(0); // batched: nothing written inside the turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows('app_sessions')).toBe(1);
    expect(rows('app_session_timers')).toBe(0);
  });

  it('a restart gets structured-clone attributes, expiry and timers back; due times are kept', () => {
    const clock = virtualClock(T0);
    const first = server(clock);
    const session = first.store.open('hello', 'call-1', 10)!;
    const attributes = { count: 2, seen: new Map<string, number>([['alice', 1]]), tags: new Set(['a']), at: new Date(T0), big: 10n ** 20n, bytes: new Uint8Array([1, 2]) };
    first.store.apply(session, { session: { attributes, expiresInMs: 600_000 } }, true);
    first.store.apply(session, startTimer('remind.1', 5000, { who: 'sip:alice@sb.test' }), true);
    first.store.apply(session, startTimer('tick.1', 2000, null, 2000), true);
    first.store.flush();
    expect(first.rows('app_session_timers')).toBe(2);
    clock.advance(1000);
    first.store.close(); // a stop keeps what is stored
    first.db.close();

    // The server is back 500 ms later: remind is due in 3.5 s, tick in 0.5 s (absolute due times).
    clock.advance(500);
    const second = server(clock);
    expect(second.store.restore(() => true)).toEqual({ sessions: 1, timers: 2, dropped: [] });
    const back = second.store.get('hello', 'call-1')!;
    expect(back.attributes).toEqual(attributes);
    expect(back.attributes.seen).toBeInstanceOf(Map);
    expect(back.createdAt).toBe(T0);
    expect(back.expiresAt).toBe(T0 + 600_000);
    clock.advance(499);
    expect(second.fired).toEqual([]);
    clock.advance(1);
    expect(second.fired.map((f) => [f.timer.id, f.at - T0])).toEqual([['tick.1', 2000]]);
    clock.advance(3000);
    expect(second.fired.map((f) => [f.timer.id, f.at - T0])).toEqual([
      ['tick.1', 2000],
      ['tick.1', 4000],
      ['remind.1', 5000],
    ]);
    expect(second.fired[2]?.timer.payload).toEqual({ who: 'sip:alice@sb.test' });
    // The one-shot timer is gone from the store once it fired; the repeating one moved on.
    second.store.flush();
    const timers = second.db.prepare('SELECT id, due_at FROM app_session_timers').all();
    expect(timers).toEqual([{ id: 'tick.1', due_at: T0 + 6000 }]);
  });

  it('a timer that fell due while the server was down fires at once, once; a repeating one goes on from now', () => {
    const clock = virtualClock(T0);
    const first = server(clock);
    const session = first.store.open('hello', 'call-2', 10)!;
    first.store.apply(session, startTimer('once.1', 1000, 1), true);
    first.store.apply(session, startTimer('every.1', 1000, 2, 1000), true);
    first.store.close();

    clock.advance(10_500); // down for 10.5 s: ten periods of `every` missed
    const second = server(clock);
    second.store.restore(() => true);
    clock.advance(0);
    expect(second.fired.map((f) => [f.timer.id, f.at - T0]).sort()).toEqual([
      ['every.1', 10_500],
      ['once.1', 10_500],
    ]);
    clock.advance(1000);
    expect(second.fired.map((f) => [f.timer.id, f.at - T0]).slice(2)).toEqual([['every.1', 11_500]]);
  });

  it('invalidation and expiry delete the stored session; restore drops sessions of apps no longer deployed', () => {
    const clock = virtualClock(T0);
    const first = server(clock);
    for (const [app, key] of [['a', 'k1'], ['a', 'k2'], ['gone', 'k3']] as const) {
      const session = first.store.open(app, key, 10)!;
      first.store.apply(session, { session: { attributes: { key } } }, true);
      first.store.apply(session, startTimer(`t.${key}`, 60_000, key), true);
    }
    first.store.flush();
    expect(first.rows('app_sessions')).toBe(3);
    first.store.apply(first.store.get('a', 'k1')!, { session: { invalidate: true } }, true);
    first.store.flush();
    expect(first.rows('app_sessions')).toBe(2);
    expect(first.rows('app_session_timers')).toBe(2);
    first.store.close();

    const second = server(clock);
    expect(second.store.restore((app) => app === 'a')).toEqual({ sessions: 1, timers: 1, dropped: ['gone'] });
    expect(second.rows('app_sessions')).toBe(1);
    expect(second.store.get('gone', 'k3')).toBeUndefined();
    // Idle past its expiry (the pending timer keeps it alive until it fired).
    const k2 = second.store.get('a', 'k2')!;
    second.store.cancelTimer(k2, 't.k2');
    clock.advance(61_000);
    expect(second.expired[0]).toBe(k2);
    second.store.invalidate(k2); // what the engine does when onSessionExpired did not extend it
    second.store.flush();
    expect(second.rows('app_sessions')).toBe(0);
    expect(second.rows('app_session_timers')).toBe(0);
  });

  it('undeploying an app deletes its stored sessions, including ones not loaded', () => {
    const clock = virtualClock(T0);
    const { store, rows } = server(clock);
    store.apply(store.open('a', 'k1', 10)!, { session: { attributes: { x: 1 } } }, true);
    store.apply(store.open('b', 'k2', 10)!, { session: { attributes: { x: 2 } } }, true);
    store.flush();
    store.dropApp('a');
    store.flush();
    expect(rows('app_sessions')).toBe(1);
  });

  it('without a persistence the store keeps everything in memory, as before', () => {
    const clock = virtualClock(T0);
    const fired: string[] = [];
    const store = new AppSessionStore({ clock, onTimer: (_s, timer) => fired.push(timer.id), onExpired: () => undefined });
    stores.push(store);
    store.apply(store.open('a', 'k', 10)!, startTimer('t.1', 100, null), true);
    expect(store.restore(() => true)).toEqual({ sessions: 0, timers: 0, dropped: [] });
    clock.advance(100);
    expect(fired).toEqual(['t.1']);
  });

  it('migrates an apps database from before schema versions, keeping its apps and kv data', () => {
    const old = new Database(join(dir, 'apps.sqlite'));
    old.exec(`CREATE TABLE apps (name TEXT PRIMARY KEY, version TEXT NOT NULL, hash TEXT NOT NULL, bundle TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'refused')), error TEXT, active_hash TEXT, updated_at INTEGER NOT NULL);
              CREATE TABLE app_kv (app TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (app, key));
              INSERT INTO app_kv VALUES ('hello', 'k', '"v"');`);
    old.close();
    const db = openAppsDatabase(dir);
    dbs.push(db);
    expect(db.pragma('user_version', { simple: true })).toBe(APPS_SCHEMA_VERSION);
    expect(db.prepare('SELECT value FROM app_kv').get()).toEqual({ value: '"v"' });
    expect(db.prepare('SELECT COUNT(*) AS n FROM app_sessions').get()).toEqual({ n: 0 });
    // Opening again (CLI and server) is a no-op.
    const again = openAppsDatabase(dir);
    dbs.push(again);
    expect(again.pragma('user_version', { simple: true })).toBe(APPS_SCHEMA_VERSION);
  });
});
