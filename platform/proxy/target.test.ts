import { describe, expect, it } from 'vitest';
import { formatUri, parseUri } from '../sip/index.js';
import { groupTargets, normalizeQ, type ProxyTarget } from './target.js';

const t = (user: string, q?: number): ProxyTarget => ({ uri: parseUri(`sip:${user}@192.0.2.9`), ...(q !== undefined ? { q } : {}) });
const names = (groups: ProxyTarget[][]): string[][] => groups.map((group) => group.map((target) => formatUri(target.uri).slice(4, 5)));

describe('groupTargets (§16.6 forking by q)', () => {
  const targets = [t('a', 0.5), t('b'), t('c', 0.5), t('d', 0.1), t('e', 1)];
  it('by-q: equal q rings together, higher q first, groups in sequence', () => {
    expect(names(groupTargets(targets, 'by-q'))).toEqual([['b', 'e'], ['a', 'c'], ['d']]);
  });
  it('parallel: one group with everything', () => {
    expect(names(groupTargets(targets, 'parallel'))).toEqual([['a', 'b', 'c', 'd', 'e']]);
  });
  it('sequential: one target at a time in decreasing q, ties in given order', () => {
    expect(names(groupTargets(targets, 'sequential'))).toEqual([['b'], ['e'], ['a'], ['c'], ['d']]);
  });
  it('empty target set: no groups', () => {
    expect(groupTargets([])).toEqual([]);
  });
  it('q outside 0..1 counts as 1; three decimals', () => {
    expect(normalizeQ(7)).toBe(1);
    expect(normalizeQ(0.12345)).toBe(0.123);
    expect(normalizeQ(undefined)).toBe(1);
  });
});
