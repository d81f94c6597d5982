import { describe, expect, it } from 'vitest';
import { SessionCase } from '../../isc/index.js';
import { parseDarProperties } from './dar-properties.js';

describe('parseDarProperties (JSR 289 Default Application Router format)', () => {
  it('turns each tuple into an iFC: method AND the region’s session cases, in listed order', () => {
    const result = parseDarProperties(
      [
        '# comment',
        '! also a comment',
        'INVITE: ("screen", "DAR:To", "TERMINATING", "", "NO_ROUTE", "0"), \\',
        '        ("logger", "DAR:From", "NEUTRAL", "", "NO_ROUTE", "1")',
        '',
        'MESSAGE= ("hello", "DAR:From", "ORIGINATING", "", "", "0")',
      ].join('\n'),
    );
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.entries.map((e) => [e.method, e.app, e.region, e.line])).toEqual([
      ['INVITE', 'screen', 'TERMINATING', 3],
      ['INVITE', 'logger', 'NEUTRAL', 3],
      ['MESSAGE', 'hello', 'ORIGINATING', 6],
    ]);
    expect(result.criteria.map((c) => c.priority)).toEqual([0, 1, 2]);
    expect(result.criteria[0]).toMatchObject({
      applicationServer: { serverName: 'sip:screen@apps.invalid' },
      triggerPoint: {
        conditionTypeCnf: true,
        spts: [
          { kind: 'method', method: 'INVITE', groups: [0] },
          { kind: 'session-case', sessionCase: SessionCase.TERMINATING_REGISTERED, groups: [1] },
          { kind: 'session-case', sessionCase: SessionCase.TERMINATING_UNREGISTERED, groups: [1] },
        ],
      },
    });
    expect(result.criteria[1]?.triggerPoint?.spts).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it('warns when the subscriber field disagrees with the region (the core picks the served user)', () => {
    const result = parseDarProperties('INVITE: ("screen", "DAR:From", "TERMINATING", "", "NO_ROUTE", "0")');
    expect(result.ok && result.warnings[0]).toMatch(/subscriber "DAR:From" is ignored/u);
  });

  it('refuses what it cannot run, with line numbers', () => {
    const result = parseDarProperties(
      [
        'INVITE: ("screen", "DAR:To", "TERMINATING", "sip:as.example.com", "ROUTE", "0")',
        'BYE: ("Bad App", "DAR:To", "TERMINATING", "", "NO_ROUTE", "0")',
        'MESSAGE: ("a", "DAR:To", "SIDEWAYS", "", "NO_ROUTE", "0")',
        'INFO: ("a", "DAR:To", "TERMINATING", "")',
        'just words',
        'NOTIFY: garbage',
      ].join('\n'),
      'dar.properties',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(6);
    expect(result.problems[0]).toMatch(/^dar\.properties:1: "screen": external routes/u);
    expect(result.problems[1]).toMatch(/^dar\.properties:2: "Bad App" is not an app name/u);
    expect(result.problems[2]).toMatch(/^dar\.properties:3: routing region "SIDEWAYS"/u);
    expect(result.problems[3]).toMatch(/^dar\.properties:4: a DAR tuple has 6 fields/u);
    expect(result.problems[4]).toMatch(/^dar\.properties:5: expected/u);
    expect(result.problems[5]).toMatch(/^dar\.properties:6: the NOTIFY line/u);
  });
});
