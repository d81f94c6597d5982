/**
 * Every RFC 3880 §12 example (and the §2 sample and §4.4 time-switch example) in
 * cpl/fixtures/rfc3880 goes XML → model → XML and comes back as the same element tree, the
 * same model, and a script the server's validator accepts and simulates the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulateCpl, validateCpl } from '../../../cpl/index.js';
import { CPL_NAMESPACE, type CplNode, type CplScript } from './cpl-model.js';
import { CplModelError, scriptFromXml } from './from-xml.js';
import { scriptToXml } from './to-xml.js';
import { parseXml, XmlSyntaxError, type XmlElement } from './xml-tree.js';

const dir = fileURLToPath(new URL('../../../cpl/fixtures/rfc3880/', import.meta.url));
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.cpl'));
const EXTENSIONS = { supportedExtensions: ['http://www.example.com/distinctive-ring', 'http://www.example.com/regex'] };

/** Element tree with namespaces resolved and whitespace, comments and prefixes dropped. */
function canonical(el: XmlElement, scope: Map<string, string> = new Map()): unknown {
  const inner = new Map(scope);
  for (const a of el.attributes) if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) inner.set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
  const [prefix, local] = el.name.includes(':') ? el.name.split(':') : ['', el.name];
  const ns = inner.get(prefix as string) ?? '';
  return {
    name: `{${ns === '' ? CPL_NAMESPACE : ns}}${local}`,
    attrs: el.attributes.filter((a) => a.name !== 'xmlns').map((a) => `${a.name}=${a.value}`).sort(),
    children: el.children.map((c) => canonical(c, inner)),
  };
}

/** The model without UI ids and source lines. */
function strip(script: CplScript): unknown {
  return JSON.parse(JSON.stringify(script, (key, value: unknown) => (key === 'uid' || key === 'line' || key === 'column' ? undefined : value)));
}

describe('CPL model round trip (RFC 3880 §12 examples)', () => {
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  for (const file of fixtures) {
    it(`${file}: XML → model → XML keeps the tree, the model and the behaviour`, () => {
      const original = readFileSync(`${dir}${file}`, 'utf8');
      const model = scriptFromXml(original);
      const { xml } = scriptToXml(model);
      expect(canonical(parseXml(xml))).toEqual(canonical(parseXml(original)));
      expect(strip(scriptFromXml(xml))).toEqual(strip(model));
      // The regenerated script is as valid as the original for the server's validator …
      const before = validateCpl(original, EXTENSIONS);
      const after = validateCpl(xml, EXTENSIONS);
      expect(after.ok).toBe(before.ok);
      expect(after.errors.map((e) => e.rule)).toEqual(before.errors.map((e) => e.rule));
      // … and makes the same decision on a sample call.
      if (before.ok) {
        const call = { from: '<sip:boss@example.com>', to: '<sip:jones@example.com>', time: '2026-01-05T15:00:00Z', registrations: 'sip:jones@192.0.2.7' };
        const outcomes = { '*': 'busy' };
        const a = simulateCpl(original, call, outcomes, EXTENSIONS);
        const b = simulateCpl(xml, call, outcomes, EXTENSIONS);
        expect(b.decision).toEqual(a.decision);
        expect(b.actions.length).toBe(a.actions.length);
      }
    });
  }

  it('keeps extension elements and foreign attributes (§11) verbatim', () => {
    const ring = scriptFromXml(readFileSync(`${dir}fig28-extension-distinctive-ring.cpl`, 'utf8'));
    const address = ring.toplevel[0]?.node?.outputs[0];
    expect(address?.node).toMatchObject({ kind: 'extension', qname: 'dr:ring', attrs: { ringstyle: 'warble' } });
    const regex = scriptFromXml(readFileSync(`${dir}fig29-extension-regex.cpl`, 'utf8'));
    expect(regex.toplevel[0]?.node?.outputs[0]?.attrs).toEqual({ 're:regex': '(.*.smith|.*.jones)' });
  });

  it('maps every line of the generated XML to the block written there', () => {
    const model = scriptFromXml(readFileSync(`${dir}fig20-call-forward-busy-noanswer.cpl`, 'utf8'));
    const { xml, lineOwners } = scriptToXml(model);
    const lines = xml.split('\n');
    const proxy = model.toplevel[0]?.node?.next as CplNode;
    const proxyLine = [...lineOwners].find(([, uid]) => uid === proxy.uid)?.[0] as number;
    expect(lines[proxyLine - 1]?.trim()).toBe('<proxy timeout="8">');
    const busy = proxy.outputs[0];
    const busyLine = [...lineOwners].find(([, uid]) => uid === busy?.uid)?.[0] as number;
    expect(lines[busyLine - 1]?.trim()).toBe('<busy>');
  });

  it('accepts scripts without the CPL namespace and with a cpl: prefix', () => {
    const plain = scriptFromXml('<cpl><incoming><reject status="busy"/></incoming></cpl>');
    expect(plain.toplevel[0]?.node?.kind).toBe('reject');
    const prefixed = scriptFromXml(`<c:cpl xmlns:c="${CPL_NAMESPACE}"><c:incoming><c:redirect permanent="yes"/></c:incoming></c:cpl>`);
    expect(prefixed.toplevel[0]?.node).toMatchObject({ kind: 'redirect', attrs: { permanent: 'yes' } });
    expect(validateCpl(scriptToXml(prefixed).xml).ok).toBe(true);
  });

  it('reports misplaced elements and bad XML with line and column', () => {
    expect(() => scriptFromXml('<cpl>\n  <incoming>\n    <busy/>\n  </incoming>\n</cpl>')).toThrow(CplModelError);
    const thrown = (() => {
      try {
        scriptFromXml('<cpl>\n  <incoming>\n    <proxy><busy/><ringing/></proxy>\n  </incoming>\n</cpl>');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toMatchObject({ line: 3, column: 19 });
    expect(() => parseXml('<cpl><incoming></cpl>')).toThrow(XmlSyntaxError);
    expect(() => parseXml('<!DOCTYPE cpl [<!ENTITY a "b">]><cpl/>')).toThrow(/internal subset/);
    expect(() => parseXml('<cpl a="&ext;"/>')).toThrow(/not allowed/);
    expect(parseXml('<cpl a="&lt;&#65;&amp;"/>').attributes[0]?.value).toBe('<A&');
  });
});
