/** Edits, undo/redo, templates and the recurrence form, checked against the server's validator. */
import { describe, expect, it } from 'vitest';
import { simulateCpl, validateCpl } from '../../../cpl/index.js';
import { emptyScript, makeNode, type CplNode, type CplScript } from './cpl-model.js';
import { nodeTitle, outputTitle } from './describe.js';
import { addableOutputs, addOutput, addSubaction, callableSubactions, canMoveOutput, cutNode, find, moveOutput, placeNode, removeNode, renameSubaction, reuid, setAttrs } from './edit.js';
import { scriptFromXml } from './from-xml.js';
import { History } from './history.js';
import { describeRecurrence, recurrenceFromAttrs, recurrenceProblems, recurrenceToAttrs } from './recurrence.js';
import { TEMPLATES } from './templates.js';
import { scriptToXml } from './to-xml.js';

const xml = (s: CplScript): string => scriptToXml(s).xml;
const top = (s: CplScript): CplNode => s.toplevel[0]?.node as CplNode;

/** The builder steps of the browser test: busy or no answer after 15 s → voicemail. */
function busyNoAnswerToVoicemail(): CplScript {
  let s = emptyScript();
  let r = addSubaction(s, 'voicemail');
  s = placeNode(r.script, r.uid, makeNode('location', { url: 'sip:vm@sb.test' }));
  const vmLocation = s.subactions[0]?.node as CplNode;
  s = placeNode(s, vmLocation.uid, makeNode('proxy'));
  s = placeNode(s, s.toplevel[0]?.uid as string, makeNode('lookup', { source: 'registration' }));
  r = addOutput(s, top(s).uid, 'success');
  s = placeNode(r.script, r.uid, makeNode('proxy', { timeout: '15' }));
  const proxy = top(s).outputs[0]?.node as CplNode;
  for (const kind of ['noanswer', 'busy']) {
    r = addOutput(s, proxy.uid, kind);
    s = placeNode(r.script, r.uid, makeNode('sub', { ref: 'voicemail' }));
  }
  return s;
}

describe('editing the model', () => {
  it('builds "busy or no answer after 15 s → voicemail" block by block into a valid script', () => {
    const s = busyNoAnswerToVoicemail();
    const text = xml(s);
    expect(validateCpl(text)).toMatchObject({ ok: true, errors: [] });
    // proxy outputs are kept in RFC order even when added the other way round
    expect(top(s).outputs[0]?.node?.outputs.map((o) => o.kind)).toEqual(['busy', 'noanswer']);
    const sim = simulateCpl(text, { from: '<sip:bob@sb.test>', to: '<sip:alice@sb.test>', registrations: 'sip:alice@192.0.2.7' }, { 'sip:alice@192.0.2.7': 'busy', 'sip:vm@sb.test': '200' });
    expect(sim.actions.filter((a) => a.kind === 'proxy').map((a) => (a as { targets: readonly string[] }).targets)).toEqual([['sip:alice@192.0.2.7'], ['sip:vm@sb.test']]);
  });

  it('keeps otherwise last, not-present single, and moves conditions', () => {
    let s = emptyScript();
    s = placeNode(s, s.toplevel[0]?.uid as string, makeNode('address-switch', { field: 'origin', subfield: 'host' }));
    const sw = top(s).uid;
    s = addOutput(s, sw, 'otherwise').script;
    const a = addOutput(s, sw, 'address', { is: 'a.example' });
    const b = addOutput(a.script, sw, 'address', { 'subdomain-of': 'b.example' });
    s = b.script;
    expect(top(s).outputs.map((o) => o.kind)).toEqual(['address', 'address', 'otherwise']);
    expect(addableOutputs(top(s))).toEqual(['address', 'not-present']);
    expect(canMoveOutput(s, b.uid, 1)).toBe(false);
    s = moveOutput(s, b.uid, -1);
    expect(top(s).outputs.map((o) => o.attrs)).toEqual([{ 'subdomain-of': 'b.example' }, { is: 'a.example' }, {}]);
    expect(() => addOutput(s, sw, 'otherwise')).toThrow();
    expect(outputTitle(top(s).outputs[0]!, top(s))).toBe('If it is in "b.example"');
    expect(nodeTitle(top(s))).toBe("Check the host of the caller's address");
  });

  it('inserts a location before existing content, removes a block keeping what it contained, cuts and pastes', () => {
    let s = emptyScript();
    const slot = s.toplevel[0]?.uid as string;
    s = placeNode(s, slot, makeNode('proxy'));
    s = placeNode(s, slot, makeNode('location', { url: 'sip:a@b.c' }));
    expect(top(s)).toMatchObject({ kind: 'location', next: { kind: 'proxy' } });
    s = removeNode(s, top(s).uid);
    expect(top(s).kind).toBe('proxy');
    const cut = cutNode(s, top(s).uid);
    expect(cut.script.toplevel[0]?.node).toBeNull();
    const pasted = placeNode(cut.script, slot, reuid(cut.node));
    expect(top(pasted).kind).toBe('proxy');
    expect(top(pasted).uid).not.toBe(cut.node.uid);
    expect(find(pasted, top(pasted).uid)?.node?.kind).toBe('proxy');
    expect(setAttrs(pasted, top(pasted).uid, { timeout: '9' }).toplevel[0]?.node?.attrs).toEqual({ timeout: '9' });
  });

  it('renames subactions with their references and offers only earlier ones to sub (§8)', () => {
    let s = busyNoAnswerToVoicemail();
    s = addSubaction(s, 'later').script;
    expect(callableSubactions(s, s.subactions[1]?.uid as string)).toEqual(['voicemail']);
    expect(callableSubactions(s, s.subactions[0]?.uid as string)).toEqual([]);
    expect(callableSubactions(s, s.toplevel[0]?.uid as string)).toEqual(['voicemail', 'later']);
    s = renameSubaction(s, s.subactions[0]?.uid as string, 'vm');
    expect(xml(s).match(/ref="vm"/g)).toHaveLength(2);
    expect(() => addSubaction(s, 'vm')).toThrow(/already/);
  });

  it('undoes and redoes', () => {
    const h = new History(emptyScript());
    const first = h.present;
    const second = placeNode(first, first.toplevel[0]?.uid as string, makeNode('redirect'));
    h.push(second);
    expect(h.undo()).toBe(first);
    expect(h.canRedo).toBe(true);
    expect(h.redo()).toBe(second);
    h.undo();
    h.push(placeNode(first, first.toplevel[0]?.uid as string, makeNode('reject', { status: 'busy' })));
    expect(h.canRedo).toBe(false);
  });
});

describe('templates', () => {
  for (const template of TEMPLATES) {
    it(`${template.id} builds a valid script that round-trips`, () => {
      const values = Object.fromEntries(template.params('alice@sb.test').map((p) => [p.name, p.value]));
      const s = template.build(values);
      const text = xml(s);
      const result = validateCpl(text);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(xml(scriptFromXml(text))).toBe(text);
    });
  }

  it('forward when busy or not answered: 20 s, then the mobile', () => {
    const t = TEMPLATES.find((x) => x.id === 'forward-busy-noanswer')!;
    const text = xml(t.build({ target: 'sip:mobile@sb.test', timeout: '20', busy: 'yes' }));
    const sim = simulateCpl(text, { from: '<sip:bob@sb.test>', to: '<sip:alice@sb.test>', registrations: 'sip:alice@192.0.2.7' }, { 'sip:alice@192.0.2.7': 'noanswer', 'sip:mobile@sb.test': '200' });
    const proxies = sim.actions.filter((a) => a.kind === 'proxy') as Array<{ targets: readonly string[]; timeoutSeconds: number | null }>;
    expect(proxies.map((p) => p.targets)).toEqual([['sip:alice@192.0.2.7'], ['sip:mobile@sb.test']]);
    expect(proxies[0]?.timeoutSeconds).toBe(20);
    expect(sim.decision?.kind).toBe('proceed');
  });

  it('office hours: rings on a weekday at 10:00, refuses on Sunday', () => {
    const t = TEMPLATES.find((x) => x.id === 'office-hours')!;
    const text = xml(t.build({ start: '09:00', end: '17:00', tzid: 'Europe/Berlin' }));
    const call = { from: '<sip:bob@sb.test>', to: '<sip:alice@sb.test>', registrations: 'sip:alice@192.0.2.7' };
    expect(simulateCpl(text, { ...call, time: '2026-12-02T09:00:00Z' }, { '*': '200' }).decision?.kind).toBe('proceed');
    expect(simulateCpl(text, { ...call, time: '2026-12-06T09:00:00Z' }, { '*': '200' }).decision).toMatchObject({ kind: 'reject', status: 486 });
  });
});

describe('recurrence form', () => {
  it('reads and writes weekly office hours', () => {
    const attrs = { dtstart: '20000703T090000', duration: 'PT8H', freq: 'weekly', byday: 'MO,TU,WE,TH,FR' };
    const r = recurrenceFromAttrs(attrs);
    expect(r).toMatchObject({ simple: true, startDate: '2000-07-03', startTime: '09:00', endTime: '17:00', freq: 'weekly' });
    expect(recurrenceToAttrs(r)).toEqual(attrs);
    expect(describeRecurrence(attrs)).toBe('Between 09:00 and 17:00 on weekdays, from 2000-07-03');
  });

  it('writes overnight periods, until and count, and flags what it cannot edit', () => {
    const r = recurrenceFromAttrs({ dtstart: '20260101T220000Z', duration: 'PT8H', freq: 'daily' });
    expect(r.utc).toBe(true);
    expect(recurrenceToAttrs({ ...r, until: '2026-03-01' })).toMatchObject({ duration: 'PT8H', until: '20260301T235959Z' });
    expect(recurrenceFromAttrs({ dtstart: '19970105T083000', duration: 'PT10M', freq: 'yearly', byhour: '8,9' }).simple).toBe(false);
    expect(recurrenceFromAttrs({ dtstart: '19970105T083000', duration: 'PT10M', freq: 'yearly', byhour: '8,9' }).other).toEqual({ byhour: '8,9' });
    expect(recurrenceProblems({ ...r, freq: 'weekly', byday: [] })).toContain('Pick at least one weekday.');
  });

  it('every form state it writes is accepted by the server validator', () => {
    for (const freq of ['', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
      const r = { ...recurrenceFromAttrs({ dtstart: '20260105T090000', duration: 'PT1H' }), freq, byday: ['MO'], bymonthday: [5], bymonth: [1, 7], count: '10' };
      const s = emptyScript();
      const withSwitch = placeNode(s, s.toplevel[0]?.uid as string, makeNode('time-switch'));
      const out = addOutput(withSwitch, top(withSwitch).uid, 'time', recurrenceToAttrs(r));
      const final = placeNode(out.script, out.uid, makeNode('reject', { status: 'busy' }));
      expect(validateCpl(xml(final)).errors, freq).toEqual([]);
    }
  });
});

describe('XML completion context', () => {
  it('offers the elements allowed where the cursor is, and attribute names and values', async () => {
    const { childElements, completionContext, elementAttributes } = await import('./xml-grammar.js');
    const head = '<cpl xmlns="urn:ietf:params:xml:ns:cpl">\n  <incoming>\n    <proxy timeout="15">\n      ';
    const inProxy = completionContext(`${head}<`);
    expect(inProxy).toEqual({ kind: 'element', parent: 'proxy' });
    expect(childElements('proxy')).toEqual(['busy', 'noanswer', 'redirection', 'failure', 'default']);
    expect(completionContext(`${head}<busy>\n<`)).toEqual({ kind: 'element', parent: 'busy' });
    expect(childElements('busy')).toContain('sub');
    expect(childElements('address-switch')).toEqual(['address', 'not-present', 'otherwise']);
    expect(completionContext(`${head}<busy/>\n<`)).toEqual({ kind: 'element', parent: 'proxy' });
    expect(completionContext('<cpl><incoming><proxy timeout="5" ')).toEqual({ kind: 'attribute', element: 'proxy', present: ['timeout'] });
    expect(completionContext('<cpl><incoming><proxy ordering="')).toEqual({ kind: 'value', element: 'proxy', attribute: 'ordering' });
    expect(elementAttributes('proxy').ordering).toEqual(['parallel', 'sequential', 'first-only']);
    expect(completionContext('<cpl><incoming/>')).toEqual({ kind: 'none' });
  });
});
