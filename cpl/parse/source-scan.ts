/**
 * One linear pass over the script text BEFORE libxml2 sees it (cpl.md §11.2):
 * - refuses DOCTYPEs with an internal subset, naming entity declarations (billion laughs,
 *   external entities such as file:///etc/passwd) — a bare DOCTYPE is ignored (RFC 3880 App. C);
 * - refuses references to entities other than the five predefined ones;
 * - enforces depth, element-count and attribute limits with positions;
 * - records where each element and attribute starts, so every diagnostic has a line and column
 *   (libxml2 only keeps line numbers).
 * It never loops back, so it is O(n); it stops at the first limit it meets. Well-formedness is
 * left to libxml2: on malformed input the scan may be incomplete, and the parse then fails.
 */
import { diagnostic, type CplDiagnostic } from '../diagnostics/diagnostic.js';
import type { CplParseLimits } from './limits.js';
import { LineIndex } from './line-index.js';

export interface ScannedAttribute {
  readonly qname: string;
  readonly line: number;
  readonly column: number;
}

export interface ScannedElement {
  readonly qname: string;
  readonly line: number;
  readonly column: number;
  readonly attributes: readonly ScannedAttribute[];
}

export interface ScanResult {
  readonly errors: CplDiagnostic[];
  /** Elements in document order. */
  readonly elements: ScannedElement[];
}

const PREDEFINED = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);
const NAME = /[^\s/>=]+/y;
const ENTITY_REF = /&([^#;\s&][^;\s&]{0,63});/y;

export function scanSource(text: string, limits: CplParseLimits): ScanResult {
  const lines = new LineIndex(text);
  const errors: CplDiagnostic[] = [];
  const elements: ScannedElement[] = [];
  const at = (offset: number): { line: number; column: number } => lines.position(offset);
  const fail = (rule: Parameters<typeof diagnostic>[0], offset: number, message: string): ScanResult => {
    const p = at(offset);
    errors.push(diagnostic(rule, p.line, p.column, message));
    return { errors, elements };
  };

  let depth = 0;
  let seenRoot = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt < 0 ? n : lt;
    const bad = findEntityReference(text, i, textEnd);
    if (bad !== null) return fail('xml-entity-reference', bad.offset, entityMessage(bad.name));
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      i = skipPast(text, lt + 4, '-->');
    } else if (text.startsWith('<![CDATA[', lt)) {
      i = skipPast(text, lt + 9, ']]>');
    } else if (text.startsWith('<?', lt)) {
      i = skipPast(text, lt + 2, '?>');
    } else if (text.startsWith('<!DOCTYPE', lt) || text.startsWith('<!doctype', lt)) {
      const d = scanDoctype(text, lt + 9);
      if (d.entityAt !== null) return fail('xml-entity-declaration', d.entityAt, 'the DOCTYPE declares entities; entity declarations are not allowed in CPL scripts (remove the DOCTYPE)');
      if (d.subsetAt !== null) return fail('xml-internal-subset', d.subsetAt, 'the DOCTYPE has an internal subset; only a plain <!DOCTYPE cpl ...> line is accepted, and it is ignored');
      i = d.end;
    } else if (text.startsWith('<!', lt)) {
      i = skipPast(text, lt + 2, '>');
    } else if (text[lt + 1] === '/') {
      depth = Math.max(0, depth - 1);
      i = skipPast(text, lt + 2, '>');
    } else {
      const tag = scanStartTag(text, lt);
      if (tag === null) break; // malformed: libxml2 will say where
      const p = at(lt);
      if (elements.length >= limits.maxElements) {
        return fail('xml-too-many-elements', lt, `the script has more than ${limits.maxElements} elements, the most this server accepts`);
      }
      if (depth === 0 && seenRoot) break; // content after the root: libxml2 reports it
      seenRoot = true;
      if (depth + 1 > limits.maxDepth) {
        return fail('xml-too-deep', lt, `<${tag.qname}> is nested ${depth + 1} levels deep; this server accepts at most ${limits.maxDepth}`);
      }
      if (tag.attributes.length > limits.maxAttributesPerElement) {
        return fail('xml-too-many-attributes', lt, `<${tag.qname}> has ${tag.attributes.length} attributes; this server accepts at most ${limits.maxAttributesPerElement}`);
      }
      const attributes: ScannedAttribute[] = [];
      for (const a of tag.attributes) {
        if (a.valueLength > limits.maxAttributeLength) {
          return fail('xml-attribute-too-long', a.offset, `the value of ${a.qname} on <${tag.qname}> is ${a.valueLength} characters long; this server accepts at most ${limits.maxAttributeLength}`);
        }
        const ref = findEntityReference(text, a.valueStart, a.valueStart + a.valueLength);
        if (ref !== null) return fail('xml-entity-reference', ref.offset, entityMessage(ref.name));
        attributes.push({ qname: a.qname, ...at(a.offset) });
      }
      elements.push({ qname: tag.qname, line: p.line, column: p.column, attributes });
      if (!tag.selfClosing) depth++;
      i = tag.end;
    }
  }
  return { errors, elements };
}

function entityMessage(name: string): string {
  return `the entity reference &${name}; is not allowed; write the character itself (only &lt; &gt; &amp; &quot; &apos; and &#...; are accepted)`;
}

/** Looks only inside [from, to), so the whole scan stays linear. */
function findEntityReference(text: string, from: number, to: number): { offset: number; name: string } | null {
  for (let k = from; k < to; k++) {
    if (text.charCodeAt(k) !== 0x26) continue;
    ENTITY_REF.lastIndex = k;
    const m = ENTITY_REF.exec(text);
    if (m === null || m.index + m[0].length > to) continue;
    const name = m[1] ?? '';
    if (!PREDEFINED.has(name)) return { offset: k, name };
  }
  return null;
}

function skipPast(text: string, from: number, marker: string): number {
  const end = text.indexOf(marker, from);
  return end < 0 ? text.length : end + marker.length;
}

interface RawTag {
  readonly qname: string;
  readonly selfClosing: boolean;
  readonly end: number;
  readonly attributes: Array<{ qname: string; offset: number; valueStart: number; valueLength: number }>;
}

function scanStartTag(text: string, lt: number): RawTag | null {
  NAME.lastIndex = lt + 1;
  const nameMatch = NAME.exec(text);
  if (nameMatch === null) return null;
  const qname = nameMatch[0];
  const attributes: RawTag['attributes'] = [];
  let i = lt + 1 + qname.length;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    const c = text[i];
    if (c === undefined) return null;
    if (c === '>') return { qname, selfClosing: false, end: i + 1, attributes };
    if (c === '/' && text[i + 1] === '>') return { qname, selfClosing: true, end: i + 2, attributes };
    NAME.lastIndex = i;
    const attr = NAME.exec(text);
    if (attr === null) return null;
    const offset = i;
    i += attr[0].length;
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (text[i] !== '=') return null;
    i++;
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") return null;
    const close = text.indexOf(quote, i + 1);
    if (close < 0) return null;
    attributes.push({ qname: attr[0], offset, valueStart: i + 1, valueLength: close - i - 1 });
    i = close + 1;
  }
}

/** Scans `<!DOCTYPE name ExternalID? [subset]? >` from just after the keyword. */
function scanDoctype(text: string, from: number): { end: number; entityAt: number | null; subsetAt: number | null } {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = skipPast(text, i + 1, c);
    } else if (c === '[') {
      const subsetStart = i;
      let j = i + 1;
      let entityAt: number | null = null;
      let content = false;
      while (j < text.length && text[j] !== ']') {
        const d = text[j];
        if (d === '"' || d === "'") {
          j = skipPast(text, j + 1, d);
          continue;
        }
        if (text.startsWith('<!--', j)) {
          j = skipPast(text, j + 4, '-->');
          continue;
        }
        if (text.startsWith('<!ENTITY', j) && entityAt === null) entityAt = j;
        if (!/\s/.test(d ?? '')) content = true;
        j++;
      }
      if (entityAt !== null) return { end: j, entityAt, subsetAt: null };
      if (content) return { end: j, entityAt: null, subsetAt: subsetStart };
      i = j + 1;
    } else if (c === '>') {
      return { end: i + 1, entityAt: null, subsetAt: null };
    } else {
      i++;
    }
  }
  return { end: text.length, entityAt: null, subsetAt: null };
}
