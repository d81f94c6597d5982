/**
 * The RFC 3880 XML Schema (Appendix C, with schema-patches.ts) as a backstop after the table
 * driven checks. The script is first normalised (cpl.md §1: a no-namespace script "fails raw
 * XSD validation ... Normalise first"): every CPL element is written in the CPL namespace (§11
 * makes the global namespace equivalent), xsi hints and supported extension attributes are
 * dropped, and a supported extension element is replaced by the CPL node it contains.
 *
 * The normalised copy is re-serialised from the parsed tree with each element on its original
 * line (instead of mutating the libxml2 DOM, whose namespace calls can crash the process), so
 * schema errors keep the script's line numbers. libxml2 messages are rewritten in plain words.
 */
import libxml from 'libxmljs2';
import { diagnostic, type CplDiagnostic } from '../diagnostics/diagnostic.js';
import { PARSE_OPTIONS } from '../parse/parse-xml.js';
import type { RawElement } from '../parse/raw-tree.js';
import { CPL_NAMESPACE, cplSchema } from '../schema/load-schema.js';

export function validateAgainstSchema(root: RawElement, supportedExtensions: ReadonlySet<string>): CplDiagnostic[] {
  const text = normalisedXml(root, supportedExtensions);
  const document = libxml.parseXml(text, PARSE_OPTIONS);
  if (document.validate(cplSchema())) return [];
  const positions = indexByLine(root);
  return document.validationErrors.map((e) => {
    const line = e.line ?? 0;
    const name = /Element '(?:\{[^}]*\})?([^']+)'/.exec(e.message)?.[1];
    const column = positions.get(line)?.find((el) => el.localName === name)?.column ?? 0;
    return diagnostic('schema', line, column, translate(e.message));
  });
}

export function normalisedXml(root: RawElement, supported: ReadonlySet<string>): string {
  const out: string[] = [];
  let line = 1;
  const isCpl = (el: RawElement): boolean => el.namespace === null || el.namespace === CPL_NAMESPACE;
  const emit = (el: RawElement, isRoot: boolean): void => {
    if (!isCpl(el)) {
      if (!supported.has(el.namespace ?? '')) return;
      const inner = el.children.find(isCpl);
      if (inner !== undefined) emit(inner, false);
      return;
    }
    while (line < el.line) {
      out.push('\n');
      line++;
    }
    out.push(`<${el.localName}`);
    if (isRoot) out.push(` xmlns="${CPL_NAMESPACE}"`);
    for (const a of el.attributes) {
      if (a.namespace !== null && a.namespace !== CPL_NAMESPACE) continue;
      out.push(` ${a.localName}="${escapeAttribute(a.value)}"`);
    }
    out.push('>');
    for (const c of el.children) emit(c, false);
    out.push(`</${el.localName}>`);
  };
  emit(root, true);
  return out.join('');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function indexByLine(root: RawElement): Map<number, RawElement[]> {
  const out = new Map<number, RawElement[]>();
  const walk = (el: RawElement): void => {
    const list = out.get(el.line) ?? [];
    list.push(el);
    out.set(el.line, list);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** Turns "Element '{urn:...}proxy', attribute 'x': ..." into "<proxy> attribute x: ...". */
export function translate(message: string): string {
  let m = message.trim().replace(/\{[^}]*\}/g, '');
  m = m.replace(/Element '([^']+)', attribute '([^']+)': /, '<$1> attribute $2: ');
  m = m.replace(/Element '([^']+)': /, '<$1>: ');
  m = m.replace(/This element is not expected\. Expected is one of \( ([^)]*) \)\./, (_s, list: string) => `this element is not allowed here; expected one of ${list.split(',').map((x) => `<${x.trim()}>`).join(', ')}.`);
  m = m.replace(/This element is not expected\. Expected is \( ([^)]*) \)\./, (_s, x: string) => `this element is not allowed here; expected <${x.trim()}>.`);
  m = m.replace(/This element is not expected\./, 'this element is not allowed here.');
  m = m.replace(/The attribute '([^']+)' is not allowed\./, 'this attribute is not allowed here.');
  m = m.replace(/The attribute '([^']+)' is required but missing\./, 'the required attribute $1 is missing.');
  m = m.replace(/'([^']*)' is not a valid value of the (?:atomic|union|local atomic) type '([^']+)'\./, '"$1" is not a valid value ($2).');
  return `the script does not follow the CPL schema (RFC 3880 Appendix C): ${m}`;
}
