/**
 * CPL XML → model. Structure only: the server's validator (POST /api/v1/cpl/validate) is the
 * authority on values; this reader refuses what the builder cannot show (misplaced elements)
 * with the element's line and column, so the XML view can point at it.
 */
import { CPL_NAMESPACE, newUid, type Attrs, type CplNode, type CplOutput, type CplScript, type NodeKind } from './cpl-model.js';
import { CONTAINER_KINDS, LEAF_KINDS, NODE_KINDS, outputNames } from './node-specs.js';
import { parseXml, type XmlElement } from './xml-tree.js';

export class CplModelError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Line ${line}: ${message}`);
  }
}

/** Namespace scope: prefix ('' = default) → URI. */
type Scope = ReadonlyMap<string, string>;

interface Named {
  el: XmlElement;
  ns: string;
  local: string;
  scope: Scope;
}

export function scriptFromXml(xml: string): CplScript {
  const root = parseXml(xml);
  const top = resolve(root, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  if (!isCpl(top) || top.local !== 'cpl') fail(root, `the root element must be <cpl>, not <${root.name}>`);
  const script: CplScript = { rootAttrs: {}, ancillary: false, subactions: [], toplevel: [] };
  for (const a of root.attributes) if (a.name !== 'xmlns') script.rootAttrs[a.name] = a.value;
  for (const child of root.children) {
    const c = resolve(child, top.scope);
    if (!isCpl(c)) fail(child, `<${child.name}> is an extension element; it cannot stand directly inside <cpl>`);
    if (c.local === 'ancillary') script.ancillary = true;
    else if (c.local === 'subaction') {
      const id = attr(child, 'id');
      if (id === undefined) fail(child, 'a <subaction> needs an id');
      script.subactions.push({ uid: newUid('s'), id, node: single(c), line: child.line });
    } else if (c.local === 'incoming' || c.local === 'outgoing') {
      script.toplevel.push({ uid: newUid('t'), kind: c.local, node: single(c), line: child.line });
    } else fail(child, `<${c.local}> cannot stand directly inside <cpl>`);
  }
  return script;
}

function resolve(el: XmlElement, parent: Scope): Named {
  let scope = parent;
  for (const a of el.attributes) {
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) {
      if (scope === parent) scope = new Map(parent);
      (scope as Map<string, string>).set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
    }
  }
  const colon = el.name.indexOf(':');
  const prefix = colon < 0 ? '' : el.name.slice(0, colon);
  const local = colon < 0 ? el.name : el.name.slice(colon + 1);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') fail(el, `the prefix "${prefix}" of <${el.name}> is not declared`);
  return { el, ns: ns ?? '', local, scope };
}

/** §11: the global namespace is equivalent to the CPL namespace. */
function isCpl(n: Named): boolean {
  return n.ns === CPL_NAMESPACE || n.ns === '';
}

function single(parent: Named): CplNode | null {
  const kids = parent.el.children;
  if (kids.length > 1) fail(kids[1] as XmlElement, `<${parent.local}> may contain only one node; <${(kids[1] as XmlElement).name}> is a second one`);
  const first = kids[0];
  return first ? readNode(resolve(first, parent.scope)) : null;
}

function readNode(n: Named): CplNode {
  const { el } = n;
  if (!isCpl(n)) {
    return { uid: newUid(), kind: 'extension', qname: el.name, attrs: attrsOf(el), outputs: [], next: null, raw: [...el.children], line: el.line };
  }
  const kind = n.local as NodeKind;
  if (!NODE_KINDS.includes(kind)) {
    fail(el, `<${n.local}> is not a node here (a node is a switch, location, lookup, proxy, redirect, reject, mail, log or sub)`);
  }
  const node: CplNode = { uid: newUid(), kind, attrs: attrsOf(el), outputs: [], next: null, line: el.line };
  if (CONTAINER_KINDS.has(kind)) node.next = single(n);
  else if (LEAF_KINDS.has(kind)) {
    if (el.children.length > 0) fail(el.children[0] as XmlElement, `<${n.local}> cannot contain anything`);
  } else {
    const allowed = outputNames(kind);
    for (const child of el.children) {
      const c = resolve(child, n.scope);
      if (!isCpl(c) || !allowed.includes(c.local)) fail(child, `<${child.name}> is not an output of <${n.local}> (expected ${allowed.join(', ')})`);
      const output: CplOutput = { uid: newUid('o'), kind: c.local, attrs: attrsOf(child), node: single(c), line: child.line };
      node.outputs.push(output);
    }
  }
  return node;
}

function attrsOf(el: XmlElement): Attrs {
  const out: Attrs = {};
  for (const a of el.attributes) out[a.name] = a.value;
  return out;
}

function attr(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

function fail(el: XmlElement, message: string): never {
  throw new CplModelError(message, el.line, el.column);
}
