/**
 * Structural checks from the grammar table (element-specs.ts) with messages in plain words:
 * the root, namespaces and extensions (RFC 3880 §11), attributes, text, what each element may
 * contain, output order in switches (§4), top-level order and uniqueness (§2.4, App. C).
 */
import type { RawElement } from '../parse/raw-tree.js';
import { describeElement } from '../parse/raw-tree.js';
import { CPL_NAMESPACE, XSI_NAMESPACE } from '../schema/load-schema.js';
import { ELEMENT_SPECS, isNodeCategory, ownersOfOutput, type ElementSpec } from './element-specs.js';
import type { Report } from './report.js';

/** xsi attributes that only carry hints; xsi:type/xsi:nil would change validation, so they are refused. */
const XSI_HINTS = new Set(['schemaLocation', 'noNamespaceSchemaLocation']);

export type ElementVisitor = (el: RawElement, parent: RawElement | null) => void;

export function isCplElement(el: RawElement): boolean {
  return el.namespace === null || el.namespace === CPL_NAMESPACE;
}

export function specOf(el: RawElement): ElementSpec | undefined {
  return isCplElement(el) ? ELEMENT_SPECS[el.localName] : undefined;
}

/** Returns false when the root is not <cpl> (nothing else is checked then). */
export function checkStructure(root: RawElement, report: Report, visit: ElementVisitor): boolean {
  if (root.localName !== 'cpl' || !isCplElement(root)) {
    report.error('cpl-root', root, `the script must start with <cpl> (in the namespace ${CPL_NAMESPACE} or in no namespace), not <${root.qname}>${root.namespace !== null ? ` in ${root.namespace}` : ''}`);
    return false;
  }
  const reported = new Set<string>();
  const walk = (el: RawElement, parent: RawElement | null): void => {
    checkNamespaces(el, report, reported);
    const spec = specOf(el);
    if (spec === undefined) {
      if (isCplElement(el)) {
        report.error('unknown-element', el, `<${el.qname}> is not a CPL element${parent !== null ? ` (inside <${parent.localName}>)` : ''}`);
        return;
      }
      if (!report.policy.supportedExtensions.has(el.namespace ?? '')) {
        unknownNamespace(el.namespace ?? '', el, report, reported, `<${el.qname}> belongs to`);
        return;
      }
      // A supported extension element behaves as a node that may contain one CPL node.
      checkNodeContent(el, report);
      for (const c of el.children) walk(c, el);
      return;
    }
    checkAttributes(el, spec, report, reported);
    if (el.textLine !== null) report.error('text-not-allowed', { line: el.textLine, column: 0 }, `text is not allowed inside <${el.localName}>; it may only contain elements`);
    checkContent(el, spec, report);
    visit(el, parent);
    for (const c of el.children) walk(c, el);
  };
  walk(root, null);
  return true;
}

function checkNamespaces(el: RawElement, report: Report, reported: Set<string>): void {
  for (const d of el.namespaceDeclarations) {
    if (d.href === CPL_NAMESPACE || d.href === XSI_NAMESPACE || report.policy.supportedExtensions.has(d.href)) continue;
    unknownNamespace(d.href, d, report, reported, `xmlns${d.prefix !== null ? `:${d.prefix}` : ''} declares`);
  }
}

function unknownNamespace(href: string, at: { line: number; column: number }, report: Report, reported: Set<string>, what: string): void {
  if (reported.has(href)) return;
  reported.add(href);
  report.error('unknown-namespace', at, `${what} the namespace "${href}", which this server does not support; scripts that use extensions the server does not understand are rejected (RFC 3880 §11)`);
}

function checkAttributes(el: RawElement, spec: ElementSpec, report: Report, reported: Set<string>): void {
  const seen = new Set<string>();
  for (const a of el.attributes) {
    if (a.namespace === XSI_NAMESPACE) {
      if (!XSI_HINTS.has(a.localName)) report.error('unknown-attribute', a, `${a.qname} is not allowed on <${el.localName}>; only xsi:schemaLocation is accepted from that namespace`);
      continue;
    }
    if (a.namespace !== null && a.namespace !== CPL_NAMESPACE) {
      if (!report.policy.supportedExtensions.has(a.namespace)) unknownNamespace(a.namespace, a, report, reported, `the attribute ${a.qname} on <${el.localName}> belongs to`);
      continue;
    }
    // §11: attributes in the global namespace are the CPL ones; a cpl:-qualified one is the same.
    if (seen.has(a.localName)) {
      report.error('unknown-attribute', a, `<${el.localName}> has the attribute ${a.localName} twice`);
      continue;
    }
    seen.add(a.localName);
    const as = spec.attributes[a.localName];
    if (as === undefined) {
      const known = Object.keys(spec.attributes);
      report.error('unknown-attribute', a, `<${el.localName}> does not take the attribute ${a.localName}${known.length > 0 ? ` (it takes ${known.join(', ')})` : ''}; extension attributes must be in their own namespace (RFC 3880 §11)`);
      continue;
    }
    if (as.values !== undefined && !as.values.includes(a.value)) {
      report.error('attribute-value', a, `${a.localName}="${a.value}" on <${el.localName}> must be ${orList(as.values)}`);
    }
    if (as.positiveInteger === true && (!/^\s*\+?\d+\s*$/.test(a.value) || Number(a.value) < 1)) {
      report.error('attribute-value', a, `${a.localName}="${a.value}" on <${el.localName}> must be a whole number of seconds, at least 1`);
    }
  }
  for (const [name, as] of Object.entries(spec.attributes)) {
    if (as.required === true && !seen.has(name)) report.error('missing-attribute', el, `<${el.localName}> needs the attribute ${name}`);
  }
}

function checkContent(el: RawElement, spec: ElementSpec, report: Report): void {
  const content = spec.content;
  switch (content.kind) {
    case 'cpl':
      checkCplChildren(el, report);
      return;
    case 'node':
      checkNodeContent(el, report);
      return;
    case 'empty':
      if (el.localName === 'ancillary') {
        for (const c of el.children) if (isCplElement(c)) report.error('element-misplaced', c, `<ancillary> must be empty in this version of CPL; <${c.localName}> cannot appear in it`);
        return;
      }
      for (const c of el.children) report.error('element-misplaced', c, `<${el.localName}> ${el.localName === 'sub' ? 'is a jump and' : 'ends the script and'} cannot contain <${c.qname}>`);
      return;
    case 'switch':
      checkSwitchOutputs(el, content.output, report);
      return;
    case 'outputs': {
      const seen = new Map<string, RawElement>();
      for (const c of el.children) {
        if (!isCplElement(c) || !content.names.includes(c.localName)) {
          report.error('element-misplaced', c, `<${c.qname}> cannot appear directly inside <${el.localName}>; its outputs are ${content.names.map((n) => `<${n}>`).join(', ')}`);
          continue;
        }
        const first = seen.get(c.localName);
        if (first !== undefined) report.error('duplicate-output', c, `<${el.localName}> already has a <${c.localName}> output (line ${first.line}); each output may appear once`);
        else seen.set(c.localName, c);
      }
      return;
    }
  }
}

function checkCplChildren(el: RawElement, report: Report): void {
  let stage = 0; // 0: ancillary allowed, 1: subactions, 2: top-level actions
  const toplevel = new Map<string, RawElement>();
  for (const c of el.children) {
    if (!isCplElement(c)) continue; // extension elements are handled by the walker
    const name = c.localName;
    if (name === 'ancillary') {
      if (stage > 0) report.error('element-order', c, '<ancillary> must come first in <cpl>, before subactions and top-level actions');
      stage = Math.max(stage, 1);
    } else if (name === 'subaction') {
      if (stage > 1) report.error('element-order', c, `<subaction id="${c.attributes.find((a) => a.localName === 'id')?.value ?? ''}"> must come before <incoming> and <outgoing> (RFC 3880 §8)`);
      stage = Math.max(stage, 1);
    } else if (name === 'incoming' || name === 'outgoing') {
      const first = toplevel.get(name);
      if (first !== undefined) report.error('toplevel-duplicate', c, `<${name}> appears a second time; each top-level action may appear only once (first on line ${first.line})`);
      else toplevel.set(name, c);
      stage = 2;
    } else if (ELEMENT_SPECS[name] !== undefined) {
      report.error('element-misplaced', c, `<${name}> cannot appear directly inside <cpl>; put it inside <incoming>, <outgoing> or a <subaction>`);
    }
  }
  if (toplevel.size === 0) report.warn('no-toplevel', el, 'the script has neither <incoming> nor <outgoing>, so calls are handled as if there were no script');
}

/** An element whose content is at most one node (switch, modifier, action, sub or extension). */
function checkNodeContent(el: RawElement, report: Report): void {
  let first: RawElement | null = null;
  for (const c of el.children) {
    const spec = specOf(c);
    if (spec !== undefined && !isNodeCategory(spec.category)) {
      const owners = ownersOfOutput(c.localName);
      const where = spec.category === 'output' && owners.length > 0 ? `; it is an output of ${owners.map((o) => `<${o}>`).join(' or ')}` : '';
      report.error('element-misplaced', c, `<${c.localName}> cannot appear inside <${el.localName}>${where}`);
      continue;
    }
    if (spec === undefined && isCplElement(c)) continue; // reported as unknown-element
    if (first !== null) {
      report.error('too-many-children', c, `${describeElement(el)} may contain only one node, but it has ${describeElement(first)} (line ${first.line}) and ${describeElement(c)}; chain nodes inside each other instead`);
      continue;
    }
    first = c;
  }
}

function checkSwitchOutputs(el: RawElement, output: string, report: Report): void {
  let notPresent: RawElement | null = null;
  let otherwise: RawElement | null = null;
  let count = 0;
  for (const c of el.children) {
    if (!isCplElement(c)) {
      report.error('element-misplaced', c, `<${c.qname}> cannot appear directly inside <${el.localName}>; its outputs are <${output}>, <not-present> and <otherwise>`);
      continue;
    }
    count++;
    if (otherwise !== null) {
      report.error('otherwise-not-last', otherwise, `<otherwise> must be the last output of <${el.localName}>, but <${c.localName}> (line ${c.line}) follows it`);
      otherwise = null;
    }
    if (c.localName === 'otherwise') otherwise = c;
    else if (c.localName === 'not-present') {
      if (notPresent !== null) report.error('duplicate-not-present', c, `<${el.localName}> already has a <not-present> output (line ${notPresent.line}); it may have only one`);
      else notPresent = c;
    } else if (c.localName !== output) {
      report.error('element-misplaced', c, `<${c.localName}> cannot appear directly inside <${el.localName}>; its outputs are <${output}>, <not-present> and <otherwise>`);
    }
  }
  if (count > report.policy.maxOutputsPerSwitch) {
    report.error('too-many-outputs', el, `<${el.localName}> has ${count} outputs; this server accepts at most ${report.policy.maxOutputsPerSwitch}`);
  }
}

function orList(values: readonly string[]): string {
  return values.length <= 2 ? values.join(' or ') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1] ?? ''}`;
}
