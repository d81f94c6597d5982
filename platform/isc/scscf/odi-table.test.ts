import { describe, expect, it } from 'vitest';
import { OdiTable, odiTokenOf } from './odi-table.js';

describe('OdiTable (TS 24.229 §5.4.3.4 original-dialog identifiers)', () => {
  it('issues distinct 128-bit tokens, consumed once', () => {
    const table = new OdiTable<string>();
    const a = table.create('a');
    const b = table.create('b');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(table.take(a)).toBe('a');
    expect(table.take(a)).toBeUndefined();
    expect(table.get(b)).toBe('b');
    expect(table.size).toBe(1);
  });

  it('expires entries after the TTL and reports them', () => {
    let now = 1000;
    const expired: string[] = [];
    const table = new OdiTable<string>({ ttlMs: 100, clock: () => now, onExpire: (s) => expired.push(s) });
    const a = table.create('a');
    now = 1050;
    const b = table.create('b');
    now = 1100;
    expect(table.get(a)).toBeUndefined();
    expect(table.get(b)).toBe('b');
    now = 1200;
    table.sweep();
    expect(table.size).toBe(0);
    expect(expired).toEqual(['a', 'b']);
  });

  it('evicts the oldest beyond maxEntries', () => {
    const table = new OdiTable<number>({ maxEntries: 2 });
    const first = table.create(1);
    table.create(2);
    table.create(3);
    expect(table.size).toBe(2);
    expect(table.get(first)).toBeUndefined();
  });

  it('reads the token only from a well-formed odi_ user part', () => {
    expect(odiTokenOf(`odi_${'ab'.repeat(16)}`)).toBe('ab'.repeat(16));
    expect(odiTokenOf('odi_xyz')).toBeUndefined();
    expect(odiTokenOf('alice')).toBeUndefined();
    expect(odiTokenOf(undefined)).toBeUndefined();
  });
});
