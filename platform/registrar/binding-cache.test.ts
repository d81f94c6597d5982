/**
 * The location service's lookup cache against a real SQLite store. The change probe here is
 * `PRAGMA data_version` on a second connection to the same file: it moves whenever another
 * connection commits — the store's own (this process) or the CLI's (another process).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { parseUri } from '../sip/index.js';
import { DEFAULT_DATABASE_FILE } from '../store/database.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { makeTempDir } from '../store/test-support.js';
import { BindingCache } from './binding-cache.js';
import { LocationService } from './location-service.js';

const HOUR = 3_600_000;

describe('LocationService with a binding cache', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  let probe: Database.Database;
  let reads: number;
  let location: LocationService;
  let now: number;

  beforeEach(async () => {
    temp = makeTempDir();
    store = openSqliteStore({ dataDir: temp.dir, logger: silentLogger });
    probe = new Database(join(temp.dir, DEFAULT_DATABASE_FILE), { readonly: true });
    const dataVersion = probe.prepare('PRAGMA data_version').pluck();
    await store.users.add({ username: 'bob', domain: 'sb.test', password: 'pw' });
    await store.users.add({ username: 'carol', domain: 'sb.test', password: 'pw' });
    now = Date.now();
    reads = 0;
    const bindings = store.bindings;
    // Count the store reads that reach SQLite.
    const counting = Object.create(bindings) as typeof bindings;
    counting.listActive = (aor, at) => {
      reads++;
      return bindings.listActive(aor, at);
    };
    location = new LocationService({
      bindings: counting,
      users: store.users,
      domains: ['sb.test'],
      clock: () => now,
      cache: { version: () => dataVersion.get() },
    });
  });

  afterEach(async () => {
    probe.close();
    await store.close();
    temp.cleanup();
  });

  const bob = parseUri('sip:bob@sb.test');
  const register = (contact: string, expiresAt = now + HOUR) =>
    store.bindings.upsert({ aor: 'bob@sb.test', contactUri: contact, expiresAt, callId: `c-${contact}`, cseq: 1, path: [] }, now);

  it('answers repeated lookups from memory', async () => {
    await register('sip:bob@192.0.2.1');
    for (let i = 0; i < 5; i++) {
      const result = await location.lookup(bob);
      expect(result.kind === 'found' && result.bindings.map((b) => b.contactUri)).toEqual(['sip:bob@192.0.2.1']);
    }
    expect(reads).toBe(1);
  });

  it('sees every committed write: added, removed, and a user deleted by another connection', async () => {
    expect((await location.lookup(bob)).kind).toBe('no-bindings');
    await register('sip:bob@192.0.2.1');
    expect((await location.lookup(bob)).kind).toBe('found');
    await store.bindings.removeAll('bob@sb.test');
    expect((await location.lookup(bob)).kind).toBe('no-bindings');
    await register('sip:bob@192.0.2.2');
    expect((await location.lookup(bob)).kind).toBe('found');

    // `switchboard user del` in another process: its own connection deletes user and bindings.
    const cli = new Database(join(temp.dir, DEFAULT_DATABASE_FILE));
    cli.pragma('foreign_keys = ON');
    cli.prepare('DELETE FROM bindings WHERE aor = ?').run('bob@sb.test');
    cli.prepare("DELETE FROM users WHERE username = 'bob'").run();
    cli.close();
    expect((await location.lookup(bob)).kind).toBe('unknown-user');
  });

  it('drops an entry when its first binding expires', async () => {
    await register('sip:bob@192.0.2.1', now + 1000);
    await register('sip:bob@192.0.2.2', now + HOUR);
    expect((await location.lookup(bob)).kind).toBe('found');
    now += 1000;
    const result = await location.lookup(bob);
    expect(result.kind === 'found' && result.bindings.map((b) => b.contactUri)).toEqual(['sip:bob@192.0.2.2']);
    expect(reads).toBe(2);
  });

  it('caches unknown users and users without bindings alike', async () => {
    const nobody = parseUri('sip:nobody@sb.test');
    expect((await location.lookup(nobody)).kind).toBe('unknown-user');
    expect((await location.lookup(nobody)).kind).toBe('unknown-user');
    expect((await location.lookup(parseUri('sip:carol@sb.test'))).kind).toBe('no-bindings');
    expect((await location.lookup(parseUri('sip:carol@sb.test'))).kind).toBe('no-bindings');
    expect(reads).toBe(2);
  });
});

describe('BindingCache', () => {
  it('does not keep an answer read while the store changed', () => {
    let version = 1;
    const cache = new BindingCache({ version: () => version });
    const readAt = cache.version();
    version = 2; // a write committed while the answer was being read
    cache.set('bob@sb.test', [], true, readAt);
    expect(cache.get('bob@sb.test', 0)).toBeUndefined();
  });

  it('keeps at most maxEntries AORs, dropping the oldest', () => {
    const cache = new BindingCache({ version: () => 0, maxEntries: 2 });
    for (const aor of ['a@x', 'b@x', 'c@x']) cache.set(aor, [], true, cache.version());
    expect(cache.size).toBe(2);
    expect(cache.get('a@x', 0)).toBeUndefined();
    expect(cache.get('c@x', 0)?.known).toBe(true);
  });
});
