import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS } from './limits.js';
import { parseCplXml } from './parse-xml.js';
import { scanSource } from './source-scan.js';

describe('scanSource', () => {
  it('records element and attribute positions, skipping comments, CDATA and PIs', () => {
    const text = '<?xml version="1.0"?>\n<!-- <fake/> -->\n<cpl>\n  <incoming><![CDATA[<nope/>]]>\n    <reject\n       status="busy"/>\n  </incoming>\n</cpl>';
    const r = scanSource(text, DEFAULT_PARSE_LIMITS);
    expect(r.errors).toEqual([]);
    expect(r.elements.map((e) => `${e.qname}@${e.line}:${e.column}`)).toEqual(['cpl@3:1', 'incoming@4:3', 'reject@5:5']);
    expect(r.elements[2]?.attributes).toEqual([{ qname: 'status', line: 6, column: 8 }]);
  });

  it('handles quotes, comments and ] inside a DOCTYPE internal subset', () => {
    const r = scanSource('<!DOCTYPE cpl [ <!-- ] --> <!ATTLIST cpl x CDATA "]"> ]><cpl/>', DEFAULT_PARSE_LIMITS);
    expect(r.errors[0]).toMatchObject({ rule: 'xml-internal-subset' });
    const e = scanSource('<!DOCTYPE cpl [ <!-- ] --> <!ENTITY x "]"> ]><cpl/>', DEFAULT_PARSE_LIMITS);
    expect(e.errors[0]).toMatchObject({ rule: 'xml-entity-declaration', column: 28 });
  });

  it('ignores a bare DOCTYPE and an empty internal subset', () => {
    expect(scanSource('<!DOCTYPE cpl SYSTEM "cpl.dtd"><cpl/>', DEFAULT_PARSE_LIMITS).errors).toEqual([]);
    expect(scanSource('<!DOCTYPE cpl [ ]><cpl/>', DEFAULT_PARSE_LIMITS).errors).toEqual([]);
  });

  it('accepts predefined and character references, refuses others', () => {
    expect(scanSource('<cpl a="&lt;&#60;&#x3C;&amp;"/>', DEFAULT_PARSE_LIMITS).errors).toEqual([]);
    expect(scanSource('<cpl>&nbsp;</cpl>', DEFAULT_PARSE_LIMITS).errors[0]).toMatchObject({ rule: 'xml-entity-reference', line: 1, column: 6 });
  });
});

describe('parseCplXml', () => {
  it('builds the tree with namespaces and positions', () => {
    const r = parseCplXml('<cpl xmlns="urn:ietf:params:xml:ns:cpl" xmlns:x="urn:x">\n <incoming x:a="1">\n  <redirect/>\n </incoming>\n</cpl>');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const incoming = r.root.children[0];
    expect(r.root.namespaceDeclarations).toEqual([
      { prefix: null, href: 'urn:ietf:params:xml:ns:cpl', line: 1, column: 6 },
      { prefix: 'x', href: 'urn:x', line: 1, column: 41 },
    ]);
    expect(incoming).toMatchObject({ localName: 'incoming', namespace: 'urn:ietf:params:xml:ns:cpl', line: 2, column: 2 });
    expect(incoming?.attributes[0]).toMatchObject({ localName: 'a', namespace: 'urn:x', qname: 'x:a', line: 2, column: 12 });
    expect(r.elementCount).toBe(3);
  });

  it('reports the first well-formedness error with its line', () => {
    const r = parseCplXml('<cpl>\n<incoming>\n</cpl>');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatchObject({ rule: 'xml-not-well-formed', line: 3 });
  });

  it('refuses empty scripts and content after the root', () => {
    expect(parseCplXml('   ')).toMatchObject({ ok: false, errors: [{ rule: 'xml-not-well-formed', message: 'The script is empty.' }] });
    expect(parseCplXml('<cpl/>\n<cpl/>')).toMatchObject({ ok: false, errors: [{ rule: 'xml-not-well-formed', line: 2 }] });
  });
});
