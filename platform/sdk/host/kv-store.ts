/**
 * The per-app key-value store behind `ctx.kv` (permission `kv`): one namespace per app, JSON
 * values, bounded sizes. Two backends: in memory (tests, ephemeral servers) and SQLite in the
 * apps database under the data dir (survives restarts; the CLI and HTTP API can edit it, e.g. a
 * call-screening block list).
 */
import type Database from 'better-sqlite3';
import type { CapabilityProvider, JsonValue } from '../../container/index.js';

export interface KvBackend {
  get(app: string, key: string): JsonValue | undefined;
  set(app: string, key: string, value: JsonValue): void;
  delete(app: string, key: string): boolean;
  list(app: string, prefix: string, limit: number): string[];
  count(app: string): number;
}

export const KV_LIMITS = { maxKeyChars: 256, maxValueChars: 64 * 1024, maxKeysPerApp: 10_000, maxList: 1000 } as const;

export function createMemoryKv(): KvBackend {
  const apps = new Map<string, Map<string, string>>();
  const of = (app: string): Map<string, string> => {
    let map = apps.get(app);
    if (map === undefined) apps.set(app, (map = new Map()));
    return map;
  };
  return {
    get: (app, key) => {
      const text = apps.get(app)?.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
    },
    set: (app, key, value) => void of(app).set(key, JSON.stringify(value)),
    delete: (app, key) => apps.get(app)?.delete(key) ?? false,
    list: (app, prefix, limit) => [...(apps.get(app)?.keys() ?? [])].filter((key) => key.startsWith(prefix)).sort().slice(0, limit),
    count: (app) => apps.get(app)?.size ?? 0,
  };
}

/** A backend over the `app_kv` table of the apps database (see apps-database.ts). */
export function createSqliteKv(db: Database.Database): KvBackend {
  const get = db.prepare<[string, string], { value: string }>('SELECT value FROM app_kv WHERE app = ? AND key = ?');
  const set = db.prepare('INSERT INTO app_kv (app, key, value) VALUES (?, ?, ?) ON CONFLICT (app, key) DO UPDATE SET value = excluded.value');
  const del = db.prepare('DELETE FROM app_kv WHERE app = ? AND key = ?');
  const list = db.prepare<[string, string, number], { key: string }>(
    "SELECT key FROM app_kv WHERE app = ? AND substr(key, 1, length(?2)) = ?2 ORDER BY key LIMIT ?3",
  );
  const count = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM app_kv WHERE app = ?');
  return {
    get: (app, key) => {
      const row = get.get(app, key);
      return row === undefined ? undefined : (JSON.parse(row.value) as JsonValue);
    },
    set: (app, key, value) => void set.run(app, key, JSON.stringify(value)),
    delete: (app, key) => del.run(app, key).changes > 0,
    list: (app, prefix, limit) => list.all(app, prefix, limit).map((row) => row.key),
    count: (app) => count.get(app)?.n ?? 0,
  };
}

/** The `kv` capability: methods get/set/delete/list with `{ key, value, prefix }` arguments. */
export class KvCapability implements CapabilityProvider {
  readonly name = 'kv';
  constructor(private readonly backend: KvBackend) {}

  call(call: { app: string; method: string; args: JsonValue }): JsonValue {
    const args = call.args !== null && typeof call.args === 'object' && !Array.isArray(call.args) ? call.args : {};
    switch (call.method) {
      case 'get':
        return this.backend.get(call.app, key(args.key)) ?? null;
      case 'set': {
        const k = key(args.key);
        const value = args.value ?? null;
        if (JSON.stringify(value).length > KV_LIMITS.maxValueChars) throw new Error(`kv values are limited to ${KV_LIMITS.maxValueChars} characters of JSON`);
        if (this.backend.get(call.app, k) === undefined && this.backend.count(call.app) >= KV_LIMITS.maxKeysPerApp) {
          throw new Error(`an app may store at most ${KV_LIMITS.maxKeysPerApp} keys`);
        }
        this.backend.set(call.app, k, value);
        return null;
      }
      case 'delete':
        return this.backend.delete(call.app, key(args.key));
      case 'list':
        return this.backend.list(call.app, typeof args.prefix === 'string' ? args.prefix : '', KV_LIMITS.maxList);
      default:
        throw new Error(`kv has no method "${call.method}"`);
    }
  }
}

function key(value: JsonValue | undefined): string {
  if (typeof value !== 'string' || value === '' || value.length > KV_LIMITS.maxKeyChars) {
    throw new Error(`kv keys are non-empty strings of at most ${KV_LIMITS.maxKeyChars} characters`);
  }
  return value;
}
