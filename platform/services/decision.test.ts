import { describe, expect, it } from 'vitest';
import { classifyOutcome } from './decision.js';

describe('classifyOutcome (CPL proxy outputs, RFC 3880 §6.1)', () => {
  const table: Array<[number, boolean, string]> = [
    [200, false, 'success'],
    [486, false, 'busy'],
    [600, false, 'busy'],
    [408, false, 'noanswer'],
    [480, false, 'noanswer'],
    [500, true, 'noanswer'],
    [302, false, 'redirection'],
    [404, false, 'failure'],
    [603, false, 'failure'],
    [500, false, 'failure'],
  ];
  for (const [status, timedOut, kind] of table) {
    it(`${status}${timedOut ? ' (timed out)' : ''} → ${kind}`, () => {
      expect(classifyOutcome(status, timedOut)).toBe(kind);
    });
  }
});
