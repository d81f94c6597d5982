import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileCpl } from './compile-cpl.js';
import { NO_NODE, type CplNode } from './compiled-script.js';
import { CplScriptCache } from './script-cache.js';
import { hashScript } from './script-hash.js';

const NS = 'urn:ietf:params:xml:ns:cpl';
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/rfc3880/${name}`, import.meta.url), 'utf8');

function nodes(xml: string): readonly CplNode[] {
  const r = compileCpl(xml);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.script.nodes;
}

describe('compileCpl', () => {
  it('flattens Figure 20 into nodes with positions, labels and jumps', () => {
    const r = compileCpl(fixture('fig20-call-forward-busy-noanswer.cpl'));
    if (!r.ok) throw new Error('invalid');
    const s = r.script;
    expect(s.hash).toBe(hashScript(fixture('fig20-call-forward-busy-noanswer.cpl')));
    expect(s.subactions.get('voicemail')).toEqual({ line: 5, column: 3, entry: 0 });
    expect(s.incoming).toEqual({ line: 10, column: 3, entry: 2 });
    expect(s.outgoing).toBeNull();
    expect(s.nodes.map((n) => `${n.id}:${n.label}@${n.line}`)).toEqual([
      '0:<location url="sip:jones@voicemail.example.com">@6',
      '1:<proxy>@7',
      '2:<location url="sip:jones@jonespc.example.com">@11',
      '3:<proxy timeout="8">@12',
      '4:<sub ref="voicemail">@14',
      '5:<sub ref="voicemail">@17',
    ]);
    expect(s.nodes[3]).toMatchObject({ kind: 'proxy', timeoutSeconds: 8, recurse: true, ordering: 'parallel', busy: { next: 4, line: 13 }, noanswer: { next: 5 }, failure: null, default: null });
    expect(s.nodes[4]).toMatchObject({ kind: 'sub', target: 0, targetLine: 5 });
  });

  it('resolves the RFC defaults', () => {
    const n = nodes(`<cpl xmlns="${NS}"><incoming><location url="sip:a@b.example"><lookup source="registration"><success><redirect/></success></lookup></location></incoming></cpl>`);
    expect(n[0]).toMatchObject({ kind: 'location', priority: 1, clear: false });
    expect(n[1]).toMatchObject({ kind: 'lookup', timeoutSeconds: 30, clear: false, notfound: null });
    expect(n[2]).toMatchObject({ kind: 'redirect', permanent: false });
  });

  it('maps reject words and sanitises reasons', () => {
    const n = nodes(`<cpl xmlns="${NS}"><incoming><address-switch field="origin"><address is="sip:a@b.example"><reject status="busy"/></address><address is="sip:c@b.example"><reject status="notfound"/></address><address is="sip:d@b.example"><reject status="reject"/></address><address is="sip:e@b.example"><reject status="error"/></address><otherwise><reject status="488" reason="no&#13;&#10;X-Injected: 1"/></otherwise></address-switch></incoming></cpl>`);
    expect(n.filter((x) => x.kind === 'reject').map((x) => (x.kind === 'reject' ? `${x.status} ${x.reason}` : ''))).toEqual(['486 Busy Here', '404 Not Found', '603 Decline', '500 Server Internal Error', '488 no X-Injected: 1']);
  });

  it('empty outputs and empty top-level actions are NO_NODE', () => {
    const r = compileCpl(`<cpl xmlns="${NS}"><incoming/><outgoing><proxy><busy/></proxy></outgoing></cpl>`);
    if (!r.ok) throw new Error('invalid');
    expect(r.script.incoming?.entry).toBe(NO_NODE);
    expect(r.script.nodes[0]).toMatchObject({ kind: 'proxy', busy: { next: NO_NODE, label: '<busy>' } });
  });

  it('never inlines subactions: each <sub> is one node', () => {
    const n = 30;
    const subs = [`<subaction id="s0"><reject status="busy"/></subaction>`];
    for (let i = 1; i < n; i++) subs.push(`<subaction id="s${i}"><proxy><busy><sub ref="s${i - 1}"/></busy><default><sub ref="s${i - 1}"/></default></proxy></subaction>`);
    expect(nodes(`<cpl xmlns="${NS}">${subs.join('')}<incoming><sub ref="s${n - 1}"/></incoming></cpl>`)).toHaveLength(1 + (n - 1) * 3 + 1);
  });

  it('returns the validation errors for an invalid script', () => {
    const r = compileCpl(`<cpl xmlns="${NS}"><incoming><sub ref="x"/></incoming></cpl>`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]?.rule).toBe('sub-undefined');
  });

  it('refuses an unknown floating time zone in the server configuration', () => {
    expect(() => compileCpl(`<cpl xmlns="${NS}"/>`, { floatingTimeZone: 'Nowhere/Land' })).toThrow(/floatingTimeZone/);
  });
});

describe('CplScriptCache', () => {
  const a = `<cpl xmlns="${NS}"><incoming><redirect/></incoming></cpl>`;
  const b = `<cpl xmlns="${NS}"><incoming><reject status="busy"/></incoming></cpl>`;

  it('compiles once per (user, script hash)', () => {
    const cache = new CplScriptCache(10);
    const first = cache.compile('alice', a);
    const second = cache.compile('alice', a);
    expect(first.ok && second.ok && first.script === second.script).toBe(true);
    expect(cache.compile('bob', a).ok).toBe(true);
    expect(cache.size).toBe(2);
    expect(cache.get('alice', hashScript(a))).not.toBeNull();
  });

  it('invalidate(user) drops only that user', () => {
    const cache = new CplScriptCache(10);
    cache.compile('alice', a);
    cache.compile('alice', b);
    cache.compile('al', a);
    expect(cache.invalidate('alice')).toBe(2);
    expect(cache.get('al', hashScript(a))).not.toBeNull();
    expect(cache.get('alice', hashScript(a))).toBeNull();
  });

  it('evicts the least recently used entry', () => {
    const cache = new CplScriptCache(2);
    cache.compile('u1', a);
    cache.compile('u2', a);
    cache.get('u1', hashScript(a));
    cache.compile('u3', a);
    expect(cache.get('u2', hashScript(a))).toBeNull();
    expect(cache.get('u1', hashScript(a))).not.toBeNull();
  });

  it('does not cache invalid scripts', () => {
    const cache = new CplScriptCache(2);
    expect(cache.compile('u', '<cpl>').ok).toBe(false);
    expect(cache.size).toBe(0);
  });
});
