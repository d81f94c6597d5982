/**
 * Deployed app bundles in the apps database. `switchboard app deploy` (CLI, no sandbox in its
 * process) submits a bundle as `pending`; the server's AppManager loads it, and records
 * `active` or `refused` with the load error, which the CLI waits for and prints. The server's
 * own deploys (HTTP API) are written `active` directly. `active_hash` is the bundle a refused
 * redeploy left running.
 */
import type Database from 'better-sqlite3';
import type { AppBundle } from '../../container/index.js';

export type AppRecordState = 'pending' | 'active' | 'refused';

export interface AppRecord {
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  readonly bundle: AppBundle;
  readonly state: AppRecordState;
  readonly error: string | undefined;
  readonly activeHash: string | undefined;
  readonly updatedAt: number;
}

interface Row {
  name: string;
  version: string;
  hash: string;
  bundle: string;
  state: AppRecordState;
  error: string | null;
  active_hash: string | null;
  updated_at: number;
}

export class AppRepository {
  constructor(private readonly db: Database.Database) {}

  submit(bundle: AppBundle, state: 'pending' | 'active', now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO apps (name, version, hash, bundle, state, error, active_hash, updated_at)
         VALUES (@name, @version, @hash, @bundle, @state, NULL, CASE WHEN @state = 'active' THEN @hash END, @now)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, hash = excluded.hash, bundle = excluded.bundle,
           state = excluded.state, error = NULL,
           active_hash = CASE WHEN excluded.state = 'active' THEN excluded.hash ELSE apps.active_hash END,
           updated_at = excluded.updated_at`,
      )
      .run({ name: bundle.manifest.name, version: bundle.manifest.version, hash: bundle.hash, bundle: JSON.stringify(bundle), state, now });
  }

  /**
   * Records the server's verdict on a submitted bundle. A refused bundle is replaced by `keep`
   * (the version that stays running), so a restart loads that one again; the error stays for
   * the CLI to print.
   */
  settle(name: string, hash: string, verdict: { ok: true } | { ok: false; error: string; keep?: AppBundle }, now = Date.now()): void {
    if (verdict.ok) {
      this.db.prepare("UPDATE apps SET state = 'active', error = NULL, active_hash = hash, updated_at = ? WHERE name = ? AND hash = ?").run(now, name, hash);
    } else if (verdict.keep !== undefined) {
      this.db
        .prepare("UPDATE apps SET state = 'refused', error = ?, version = ?, hash = ?, bundle = ?, active_hash = ?, updated_at = ? WHERE name = ? AND hash = ?")
        .run(verdict.error, verdict.keep.manifest.version, verdict.keep.hash, JSON.stringify(verdict.keep), verdict.keep.hash, now, name, hash);
    } else {
      this.db.prepare("UPDATE apps SET state = 'refused', error = ?, updated_at = ? WHERE name = ? AND hash = ?").run(verdict.error, now, name, hash);
    }
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM apps WHERE name = ?').run(name).changes > 0;
  }

  get(name: string): AppRecord | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM apps WHERE name = ?').get(name);
    return row === undefined ? undefined : toRecord(row);
  }

  all(): AppRecord[] {
    return this.db.prepare<[], Row>('SELECT * FROM apps ORDER BY name').all().map(toRecord);
  }
}

function toRecord(row: Row): AppRecord {
  return {
    name: row.name,
    version: row.version,
    hash: row.hash,
    bundle: JSON.parse(row.bundle) as AppBundle,
    state: row.state,
    error: row.error ?? undefined,
    activeHash: row.active_hash ?? undefined,
    updatedAt: row.updated_at,
  };
}
