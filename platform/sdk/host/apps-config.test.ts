import { describe, expect, it } from 'vitest';
import { appsConfigSchema } from './apps-config.js';

describe('config section apps', () => {
  it('takes every selection form and fills the defaults', () => {
    expect(appsConfigSchema.parse({})).toEqual({ enabled: true, selection: 'all', hosting: 'in-process', fastPath: true, syncMs: 1000, sessionExpiryMs: 180_000 });
    for (const selection of [
      'all',
      [{ app: 'call-screening', users: ['bob@sb.test'], methods: ['INVITE'], direction: 'terminating' }],
      { initialFilterCriteria: [{ priority: 0, applicationServer: { serverName: 'sip:hello@apps' } }] },
      { ifcFile: 'apps-ifc.xml' },
      { dar: 'INVITE: ("hello", "DAR:To", "TERMINATING", "", "NO_ROUTE", "0")' },
      { darFile: 'dar.properties' },
    ]) {
      expect(appsConfigSchema.parse({ selection }).selection).toEqual(selection);
    }
  });

  it('names what is wrong', () => {
    expect(appsConfigSchema.safeParse({ selection: { ifcFile: 'a.xml', dar: 'x' } }).success).toBe(false);
    expect(appsConfigSchema.safeParse({ selection: 'some' }).success).toBe(false);
    expect(appsConfigSchema.safeParse({ fastpath: true }).success).toBe(false);
  });
});
