import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openDatabase } from './database.js';
import { cplRepositories } from './cpl-store.js';

function repos(clock = () => 1_000, maxLogEntriesPerUser?: number) {
  const db = openDatabase({ dataDir: '/unused', fileName: ':memory:', logger: silentLogger });
  return { db, ...cplRepositories(db, { clock, ...(maxLogEntriesPerUser !== undefined ? { maxLogEntriesPerUser } : {}) }) };
}

describe('SqliteCplScriptRepository', () => {
  it('stores per AOR with upload time, counts versions, answers head cheaply, removes', async () => {
    let now = 1_000;
    const { scripts } = repos(() => now);
    expect(await scripts.head('bob@sb.test')).toBeUndefined();
    const first = await scripts.put('bob@SB.TEST', '<cpl/>', 'h1');
    expect(first).toEqual({ created: true, record: { aor: 'bob@sb.test', xml: '<cpl/>', hash: 'h1', version: 1, size: 6, uploadedAt: 1_000 } });
    now = 2_000;
    const second = await scripts.put('bob@sb.test', '<cpl>é</cpl>', 'h2');
    expect(second.created).toBe(false);
    expect(second.record).toMatchObject({ version: 2, hash: 'h2', size: 13, uploadedAt: 2_000 });
    expect(await scripts.head('bob@sb.test')).toEqual({ hash: 'h2', version: 2 });
    expect((await scripts.get('bob@sb.test'))?.xml).toBe('<cpl>é</cpl>');
    // The user part is case-sensitive (RFC 3261 §19.1.4): Bob is someone else.
    expect(await scripts.get('Bob@sb.test')).toBeUndefined();
    expect(await scripts.remove('bob@sb.test')).toBe(true);
    expect(await scripts.remove('bob@sb.test')).toBe(false);
  });

  it('refuses keys that are not AORs', async () => {
    const { scripts } = repos();
    await expect(scripts.put('no-at-sign', '<cpl/>', 'h')).rejects.toThrow(/address-of-record/u);
  });
});

describe('SqliteCplLogRepository', () => {
  const entry = (aor: string, comment: string) => ({ aor, time: 5, name: null, comment, origin: 'sip:a@b', destination: `sip:${aor}`, callId: 'c' });

  it('appends per user, lists newest first with paging, keeps at most N per user', async () => {
    const { logs } = repos(undefined, 3);
    for (let i = 1; i <= 5; i++) await logs.append(entry('bob@sb.test', `b${i}`));
    await logs.append(entry('alice@sb.test', 'a1'));
    const bob = await logs.list('bob@sb.test');
    expect(bob.map((e) => e.comment)).toEqual(['b5', 'b4', 'b3']);
    expect((await logs.list('bob@sb.test', { limit: 1, before: bob[0]?.id })).map((e) => e.comment)).toEqual(['b4']);
    expect((await logs.list('alice@sb.test')).map((e) => e.comment)).toEqual(['a1']);
    expect(await logs.clear('bob@sb.test')).toBe(3);
  });

  it('cuts script-controlled text to 1024 characters', async () => {
    const { logs } = repos();
    const stored = await logs.append(entry('bob@sb.test', 'x'.repeat(5000)));
    expect(stored.comment).toHaveLength(1024);
  });
});
