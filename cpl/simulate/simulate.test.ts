import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCpl } from '../compile/compile-cpl.js';
import { formatSimulation, simulationJson } from './format-simulation.js';
import { parseContacts, parseLookupOutcome, parseTargetOutcome } from './outcome-spec.js';
import { simulateCpl } from './simulate-cpl.js';

const NS = 'urn:ietf:params:xml:ns:cpl';
const fig20 = readFileSync(new URL('../fixtures/rfc3880/fig20-call-forward-busy-noanswer.cpl', import.meta.url), 'utf8');
const CALL = { from: '"Alice" <sip:alice@atlanta.example.com>', to: '<sip:jones@example.com>', time: '2024-07-03T14:00:00Z' };

describe('outcome specs', () => {
  it.each([
    ['486', { kind: 'response', status: 486, reason: 'Busy Here' }],
    ['486 Occupied', { kind: 'response', status: 486, reason: 'Occupied' }],
    ['busy', { kind: 'response', status: 486, reason: 'Busy Here' }],
    ['noanswer', { kind: 'noanswer' }],
    ['timeout', { kind: 'noanswer' }],
    ['unreachable', { kind: 'unreachable' }],
    ['302:sip:c@d', { kind: 'response', status: 302, reason: 'Moved Temporarily', contacts: [{ uri: 'sip:c@d' }] }],
    ['301:sip:a@b;q=0.5, <sip:c@d>', { kind: 'response', status: 301, reason: 'Moved Permanently', contacts: [{ uri: 'sip:a@b', q: 0.5 }, { uri: 'sip:c@d' }] }],
  ])('%s', (spec, outcome) => {
    expect(parseTargetOutcome(spec)).toEqual(outcome);
  });

  it('refuses what it cannot read', () => {
    expect(parseTargetOutcome('maybe')).toBeNull();
    expect(parseTargetOutcome('180')).toBeNull();
    expect(parseLookupOutcome('notfound')).toEqual({ kind: 'notfound' });
    expect(parseLookupOutcome('sip:a@b, sip:c@d;q=0.1')).toEqual({ kind: 'found', locations: parseContacts('sip:a@b, sip:c@d;q=0.1') });
  });
});

describe('simulateCpl', () => {
  it('returns the decision path and the actions in order (busy → voicemail)', () => {
    const sim = simulateCpl(fig20, CALL, { 'sip:jones@jonespc.example.com': '486', 'sip:jones@voicemail.example.com': '200' });
    expect(sim.steps.map((s) => [s.nodeId, s.line])).toEqual([
      [null, 10],
      [2, 11],
      [3, 12],
      [4, 14],
      [0, 6],
      [1, 7],
    ]);
    expect(sim.steps[2]?.sentence).toBe('proxied to sip:jones@jonespc.example.com (parallel, timeout 8 s) → 486 Busy Here → busy → took <busy>');
    expect(sim.actions).toEqual([
      expect.objectContaining({ kind: 'proxy', targets: ['sip:jones@jonespc.example.com'], timeoutSeconds: 8, result: '486 Busy Here' }),
      expect.objectContaining({ kind: 'proxy', targets: ['sip:jones@voicemail.example.com'], timeoutSeconds: null, result: '200 OK' }),
    ]);
    expect(JSON.parse(JSON.stringify(sim))).toEqual(sim);
  });

  it('accepts a compiled script and reports invalid ones without running', () => {
    const r = compileCpl(fig20);
    if (!r.ok) throw new Error('invalid');
    expect(simulateCpl(r.script, CALL, { '*': '200' }).decision?.kind).toBe('proceed');
    const bad = simulateCpl(`<cpl xmlns="${NS}"><incoming><sub ref="nope"/></incoming></cpl>`, CALL);
    expect(bad.ok).toBe(false);
    expect(bad.steps).toEqual([]);
    expect(formatSimulation(bad)).toContain('Line 1: <sub ref="nope"> refers to a subaction that is not defined [sub-undefined]');
  });

  it('parallel forking: a 2xx wins, a 6xx ends it, else the best response', () => {
    const two = `<cpl xmlns="${NS}"><incoming><location url="sip:a@x.example"><location url="sip:b@x.example"><proxy/></location></location></incoming></cpl>`;
    expect(simulateCpl(two, CALL, { 'sip:a@x.example': '486', 'sip:b@x.example': '200' }).decision?.kind).toBe('proceed');
    expect(simulateCpl(two, CALL, { 'sip:a@x.example': '603', 'sip:b@x.example': '486' }).decision).toMatchObject({ kind: 'best-response', response: { status: 603 } });
    expect(simulateCpl(two, CALL, { 'sip:a@x.example': '480', 'sip:b@x.example': '404' }).decision).toMatchObject({ kind: 'best-response', response: { status: 480 } });
    expect(simulateCpl(two, CALL, { 'sip:a@x.example': 'noanswer', 'sip:b@x.example': '486' }).decision).toMatchObject({ kind: 'best-response', response: { status: 486 } });
  });

  it('sequential: in priority order until one answers; noanswer uses up the timeout on the virtual clock', () => {
    const seq = `<cpl xmlns="${NS}"><incoming><location url="sip:a@x.example" priority="0.4"><location url="sip:b@x.example" priority="0.9"><proxy ordering="sequential" timeout="15"><noanswer><time-switch><time dtstart="20240101T000000" dtend="20240101T000010" freq="daily"><reject status="404"/></time><otherwise><reject status="603"/></otherwise></time-switch></noanswer></proxy></location></location></incoming></cpl>`;
    const sim = simulateCpl(seq, { ...CALL, time: '2024-07-03T23:59:35Z' }, { '*': 'noanswer' });
    const proxy = sim.actions[0];
    expect(proxy?.kind === 'proxy' && proxy.attempts.map((a) => a.uri)).toEqual(['sip:b@x.example', 'sip:a@x.example']);
    // 30 s later it is past midnight: the daily 00:00:00-00:00:10 period matches.
    expect(sim.decision).toMatchObject({ kind: 'reject', status: 404 });
  });

  it('recursion follows 3xx contacts, at most maxRedirects levels, never the same URI twice', () => {
    const s = `<cpl xmlns="${NS}"><incoming><location url="sip:a@x.example"><proxy/></location></incoming></cpl>`;
    const loop = simulateCpl(s, CALL, { 'sip:a@x.example': '302:sip:b@x.example', 'sip:b@x.example': '302:sip:a@x.example' });
    expect(loop.actions[0]?.kind === 'proxy' && loop.actions[0].attempts.length).toBe(2);
    const deep = simulateCpl(s, CALL, { '*': '302:sip:z@x.example', 'sip:a@x.example': '302:sip:b@x.example', 'sip:b@x.example': '302:sip:c@x.example' }, { maxRedirects: 1 });
    expect(deep.actions[0]?.kind === 'proxy' && deep.actions[0].attempts.map((a) => a.uri)).toEqual(['sip:a@x.example', 'sip:b@x.example']);
  });

  it('records mail and log actions', () => {
    const s = `<cpl xmlns="${NS}"><incoming><log name="calls" comment="seen"><mail url="mailto:me@example.com?subject=Call"><redirect/></mail></log></incoming></cpl>`;
    const sim = simulateCpl(s, CALL);
    expect(sim.actions).toEqual([
      { kind: 'log', nodeId: 0, name: 'calls', comment: 'seen' },
      expect.objectContaining({ kind: 'mail', to: ['me@example.com'], subject: 'Call' }),
    ]);
    expect(sim.decision).toMatchObject({ kind: 'reject', status: 404 });
  });

  it('formats text and versioned JSON', () => {
    const sim = simulateCpl(fig20, CALL, { 'sip:jones@jonespc.example.com': 'noanswer', 'sip:jones@voicemail.example.com': '200' });
    const text = formatSimulation(sim);
    expect(text).toContain('Steps:');
    expect(text).toContain('   3. line 12  proxied to sip:jones@jonespc.example.com (parallel, timeout 8 s) → no answer before the timeout → noanswer → took <noanswer>');
    expect(text).toContain('Decision: the call is answered (200 OK); the script ends and the call proceeds');
    expect(simulationJson(sim)).toMatchObject({ format: 'switchboard.cpl.simulation/1', ok: true, summary: 'the call is answered (200 OK); the script ends and the call proceeds' });
  });

  it('complains about outcomes it cannot read', () => {
    expect(() => simulateCpl(fig20, CALL, { '*': 'sometimes' })).toThrow(/not understood/);
  });
});
