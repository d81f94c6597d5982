/**
 * Parses a script with libxml2 (libxmljs2) in its safest mode: no entity substitution
 * (`noent: false`), no DTD loading (`dtdload: false`), no network (`nonet: true`), libxml2's
 * normal hard limits (`huge: false`), no XInclude. The text is pre-scanned first (source-scan.ts),
 * so DOCTYPE internal subsets, entities and over-limit documents never reach libxml2.
 */
import libxml, { type Document, type Element } from 'libxmljs2';
import { diagnostic, type CplDiagnostic } from '../diagnostics/diagnostic.js';
import { resolveLimits, type CplParseLimits } from './limits.js';
import type { RawAttribute, RawElement, RawNamespaceDeclaration } from './raw-tree.js';
import { scanSource, type ScannedElement } from './source-scan.js';

export const PARSE_OPTIONS = { noent: false, dtdload: false, dtdvalid: false, nonet: true, huge: false, xinclude: false, recover: true } as const;

export type ParseOutcome =
  | { readonly ok: true; readonly root: RawElement; readonly document: Document; readonly elementCount: number }
  | { readonly ok: false; readonly errors: CplDiagnostic[] };

export function parseCplXml(text: string, partialLimits?: Partial<CplParseLimits>): ParseOutcome {
  const limits = resolveLimits(partialLimits);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) {
    return fail(diagnostic('xml-too-large', 0, 0, `The script is ${formatBytes(bytes)}; this server accepts at most ${formatBytes(limits.maxBytes)}.`));
  }
  if (text.trim().length === 0) return fail(diagnostic('xml-not-well-formed', 0, 0, 'The script is empty.'));

  const scan = scanSource(text, limits);
  if (scan.errors.length > 0) return { ok: false, errors: scan.errors };

  let document: Document;
  try {
    document = libxml.parseXml(text, PARSE_OPTIONS);
  } catch (e) {
    return fail(diagnostic('xml-not-well-formed', 0, 0, `The script is not well-formed XML: ${cleanMessage(e instanceof Error ? e.message : String(e))}.`));
  }
  const first = document.errors.find((e) => (e.level ?? 2) >= 2);
  if (first !== undefined) {
    const line = first.line ?? 0;
    return fail(diagnostic('xml-not-well-formed', line, first.column ?? 0, `the XML is not well-formed: ${cleanMessage(first.message)}`));
  }
  const root = document.root();
  if (root === null) return fail(diagnostic('xml-not-well-formed', 0, 0, 'The script has no root element.'));

  const errors: CplDiagnostic[] = [];
  let index = 0;
  const build = (el: Element): RawElement => {
    const scanned: ScannedElement | undefined = scan.elements[index++];
    const line = scanned?.line ?? el.line();
    const column = scanned?.column ?? 0;
    const attributes: RawAttribute[] = el.attrs().map((a) => {
      const ns = a.namespace();
      const qname = ns !== null && ns.prefix() ? `${ns.prefix()}:${a.name()}` : a.name();
      const pos = scanned?.attributes.find((s) => s.qname === qname);
      return { localName: a.name(), namespace: ns?.href() ?? null, qname, value: a.value(), line: pos?.line ?? line, column: pos?.column ?? column };
    });
    const namespaceDeclarations: RawNamespaceDeclaration[] = el.namespaces(true).map((ns) => {
      const prefix = ns.prefix() || null;
      const pos = scanned?.attributes.find((s) => s.qname === (prefix === null ? 'xmlns' : `xmlns:${prefix}`));
      return { prefix, href: ns.href(), line: pos?.line ?? line, column: pos?.column ?? column };
    });
    const children: RawElement[] = [];
    let textLine: number | null = null;
    for (const child of el.childNodes()) {
      const type = child.type() as string;
      if (type === 'element') children.push(build(child as Element));
      else if ((type === 'text' || type === 'cdata') && textLine === null && (child as unknown as { text(): string }).text().trim().length > 0) textLine = child.line();
      else if (type === 'entity_ref') errors.push(diagnostic('xml-entity-reference', child.line(), 0, 'entity references are not allowed'));
    }
    const ns = el.namespace();
    const qname = ns !== null && ns.prefix() ? `${ns.prefix()}:${el.name()}` : el.name();
    return { localName: el.name(), namespace: ns?.href() ?? null, qname, line, column, attributes, namespaceDeclarations, children, textLine };
  };
  const tree = build(root);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, root: tree, document, elementCount: index };
}

function fail(d: CplDiagnostic): ParseOutcome {
  return { ok: false, errors: [d] };
}

function cleanMessage(message: string): string {
  return message.trim().replace(/\s+/g, ' ');
}

function formatBytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB` : `${n} bytes`;
}
