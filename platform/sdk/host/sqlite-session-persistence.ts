/**
 * SessionPersistence in the apps database (`app_sessions`, `app_session_timers`, schema in
 * apps-database.ts). Attributes and timer payloads are structured-clone data, so they are
 * written with node:v8's serializer (the structured-clone wire format), not JSON, which would
 * turn a Map into `{}` and a Date into a string. Statements are prepared once and a batch is one
 * transaction.
 */
import { deserialize, serialize } from 'node:v8';
import type Database from 'better-sqlite3';
import type { Logger } from '../../log/logger.js';
import type { PlainData } from '../protocol.js';
import type { SessionChanges, SessionPersistence, StoredSession, StoredTimer } from './session-persistence.js';

interface SessionRow {
  app: string;
  key: string;
  attributes: Buffer;
  created_at: number;
  expires_at: number;
}

interface TimerRow {
  app: string;
  key: string;
  id: string;
  name: string;
  payload: Buffer;
  due_at: number;
  repeat_ms: number | null;
}

export function createSqliteSessionPersistence(db: Database.Database, logger: Logger): SessionPersistence {
  const log = logger.child({ component: 'app-sessions' });
  const upsert = db.prepare(
    `INSERT INTO app_sessions (app, key, attributes, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (app, key) DO UPDATE SET attributes = excluded.attributes, created_at = excluded.created_at, expires_at = excluded.expires_at`,
  );
  const deleteSession = db.prepare('DELETE FROM app_sessions WHERE app = ? AND key = ?');
  const deleteTimers = db.prepare('DELETE FROM app_session_timers WHERE app = ? AND key = ?');
  const insertTimer = db.prepare('INSERT INTO app_session_timers (app, key, id, name, payload, due_at, repeat_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const deleteAppSessions = db.prepare('DELETE FROM app_sessions WHERE app = ?');
  const deleteAppTimers = db.prepare('DELETE FROM app_session_timers WHERE app = ?');
  const allSessions = db.prepare<[], SessionRow>('SELECT app, key, attributes, created_at, expires_at FROM app_sessions');
  const allTimers = db.prepare<[], TimerRow>('SELECT app, key, id, name, payload, due_at, repeat_ms FROM app_session_timers ORDER BY due_at');

  const remove = (app: string, key: string): void => {
    deleteTimers.run(app, key);
    deleteSession.run(app, key);
  };
  const writeBatch = db.transaction((changes: SessionChanges) => {
    for (const { app, key } of changes.remove) remove(app, key);
    for (const session of changes.save) {
      let attributes: Buffer;
      let timers: Array<[StoredTimer, Buffer]>;
      try {
        attributes = serialize(session.attributes);
        timers = session.timers.map((timer) => [timer, serialize(timer.payload)]);
      } catch (error) {
        // Cannot happen for data that crossed the isolate boundary; never lose the whole batch.
        log.warn({ err: error, app: session.app, sessionKey: session.key }, 'application session not stored: not serializable');
        continue;
      }
      upsert.run(session.app, session.key, attributes, Math.round(session.createdAt), Math.round(session.expiresAt));
      deleteTimers.run(session.app, session.key);
      for (const [timer, payload] of timers) {
        insertTimer.run(session.app, session.key, timer.id, timer.name, payload, Math.round(timer.dueAt), timer.repeatMs ?? null);
      }
    }
  });

  return {
    load() {
      const timersOf = new Map<string, StoredTimer[]>();
      for (const row of allTimers.all()) {
        const payload = decode(row.payload);
        if (!payload.ok) {
          log.warn({ app: row.app, sessionKey: row.key, timer: row.name }, 'stored timer payload unreadable; timer dropped');
          continue;
        }
        const id = `${row.app}\n${row.key}`;
        const list = timersOf.get(id) ?? [];
        list.push({ id: row.id, name: row.name, payload: payload.value, dueAt: row.due_at, ...(row.repeat_ms === null ? {} : { repeatMs: row.repeat_ms }) });
        timersOf.set(id, list);
      }
      const sessions: StoredSession[] = [];
      for (const row of allSessions.all()) {
        const attributes = decode(row.attributes);
        if (!attributes.ok || !isRecord(attributes.value)) {
          log.warn({ app: row.app, sessionKey: row.key }, 'stored application session unreadable; dropped');
          remove(row.app, row.key);
          continue;
        }
        sessions.push({ app: row.app, key: row.key, attributes: attributes.value, createdAt: row.created_at, expiresAt: row.expires_at, timers: timersOf.get(`${row.app}\n${row.key}`) ?? [] });
      }
      return sessions;
    },
    write(changes) {
      if (changes.save.length === 0 && changes.remove.length === 0) return;
      try {
        writeBatch(changes);
      } catch (error) {
        log.error({ err: error, sessions: changes.save.length, removed: changes.remove.length }, 'storing application sessions failed');
      }
    },
    removeApp(app) {
      try {
        db.transaction(() => {
          deleteAppTimers.run(app);
          deleteAppSessions.run(app);
        })();
      } catch (error) {
        log.error({ err: error, app }, 'removing stored application sessions failed');
      }
    },
  };
}

function decode(blob: Buffer): { ok: true; value: PlainData } | { ok: false } {
  try {
    return { ok: true, value: deserialize(blob) as PlainData };
  } catch {
    return { ok: false };
  }
}

function isRecord(value: PlainData): value is { readonly [key: string]: PlainData } {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
