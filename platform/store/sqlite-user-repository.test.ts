import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { StoreError } from './errors.js';
import { computeHa1 } from './ha1.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import { makeTempDir } from './test-support.js';

describe('SqliteUserRepository', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  let now: number;
  const open = (): SqliteStore =>
    openSqliteStore({ dataDir: temp.dir, logger: silentLogger, clock: () => now });

  beforeEach(() => {
    temp = makeTempDir();
    now = 1_700_000_000_000;
    store = open();
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('adds a user keyed by user@domain with the domain lower-cased', async () => {
    const user = await store.users.add({ username: 'Alice', domain: 'Example.COM', password: 'pw', displayName: 'Alice A.' });
    expect(user).toEqual({
      aor: 'Alice@example.com',
      username: 'Alice',
      domain: 'example.com',
      displayName: 'Alice A.',
      ha1Md5: computeHa1('MD5', 'Alice', 'example.com', 'pw'),
      ha1Sha256: computeHa1('SHA-256', 'Alice', 'example.com', 'pw'),
      createdAt: now,
      updatedAt: now,
    });
    expect(await store.users.get('Alice@EXAMPLE.com')).toEqual(user);
    // The user part is case-sensitive (RFC 3261 §19.1.4).
    expect(await store.users.get('alice@example.com')).toBeUndefined();
  });

  it('refuses a second user with the same AOR', async () => {
    await store.users.add({ username: 'bob', domain: 'example.com', password: 'a' });
    await expect(store.users.add({ username: 'bob', domain: 'EXAMPLE.com', password: 'b' })).rejects.toMatchObject({
      code: 'user-exists',
    });
  });

  it('refuses usernames and domains that would make HA1 or the AOR ambiguous', async () => {
    for (const username of ['', 'a:b', 'a@b', 'a b', 'a"b']) {
      await expect(store.users.add({ username, domain: 'example.com', password: 'x' })).rejects.toBeInstanceOf(StoreError);
    }
    await expect(store.users.add({ username: 'a', domain: 'exa mple.com', password: 'x' })).rejects.toMatchObject({
      code: 'invalid-user',
    });
    await expect(store.users.add({ username: 'a', domain: 'example.com', password: '' })).rejects.toMatchObject({
      code: 'invalid-user',
    });
  });

  it('lists users, optionally of one domain, ordered by domain and username', async () => {
    await store.users.add({ username: 'zoe', domain: 'b.example', password: 'x' });
    await store.users.add({ username: 'carol', domain: 'a.example', password: 'x' });
    await store.users.add({ username: 'adam', domain: 'b.example', password: 'x' });
    expect((await store.users.list()).map((u) => u.aor)).toEqual(['carol@a.example', 'adam@b.example', 'zoe@b.example']);
    expect((await store.users.list('B.example')).map((u) => u.aor)).toEqual(['adam@b.example', 'zoe@b.example']);
  });

  it('replaces both HA1 values on setPassword and checks passwords with verifyPassword', async () => {
    await store.users.add({ username: 'dave', domain: 'example.com', password: 'old' });
    now += 1000;
    const updated = await store.users.setPassword('dave@example.com', 'new');
    expect(updated.ha1Md5).toBe(computeHa1('MD5', 'dave', 'example.com', 'new'));
    expect(updated.ha1Sha256).toBe(computeHa1('SHA-256', 'dave', 'example.com', 'new'));
    expect(updated.updatedAt).toBe(now);
    expect(updated.createdAt).toBe(now - 1000);
    expect(await store.users.verifyPassword('dave@example.com', 'new')).toBe(true);
    expect(await store.users.verifyPassword('dave@example.com', 'old')).toBe(false);
    expect(await store.users.verifyPassword('nobody@example.com', 'new')).toBe(false);
    expect(await store.users.verifyPassword('not an aor', 'new')).toBe(false);
    await expect(store.users.setPassword('nobody@example.com', 'x')).rejects.toMatchObject({ code: 'user-not-found' });
  });

  it('never writes the password to disk', async () => {
    const password = 'correct-horse-battery-staple';
    await store.users.add({ username: 'erin', domain: 'example.com', password });
    await store.users.setPassword('erin@example.com', `${password}-2`);
    for (const file of readdirSync(temp.dir)) {
      expect(readFileSync(join(temp.dir, file)).includes(password), file).toBe(false);
    }
  });

  it('deletes a user together with its registrations', async () => {
    await store.users.add({ username: 'fred', domain: 'example.com', password: 'x' });
    await store.bindings.upsert({ aor: 'fred@example.com', contactUri: 'sip:fred@192.0.2.1', expiresAt: now + 60_000, callId: 'c', cseq: 1, path: [] });
    expect(await store.users.delete('fred@example.com')).toBe(true);
    expect(await store.users.get('fred@example.com')).toBeUndefined();
    expect(await store.bindings.countActive('fred@example.com', now)).toBe(0);
    expect(await store.users.delete('fred@example.com')).toBe(false);
  });

  it('keeps users across close and reopen', async () => {
    const user = await store.users.add({ username: 'gina', domain: 'example.com', password: 'x' });
    await store.close();
    store = open();
    expect(await store.users.get('gina@example.com')).toEqual(user);
    expect(await store.users.verifyPassword('gina@example.com', 'x')).toBe(true);
  });
});
