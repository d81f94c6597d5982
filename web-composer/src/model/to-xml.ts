/**
 * Model → CPL XML, one element per line (2-space indent), in the order RFC 3880 §2.4 requires
 * (ancillary, subactions, top-level actions). Returns, beside the text, which block each line
 * starts, so diagnostics and simulator steps (which carry lines) can be shown on the blocks.
 */
import { CPL_NAMESPACE, type Attrs, type CplNode, type CplScript } from './cpl-model.js';
import { escapeAttribute, type XmlElement } from './xml-tree.js';

export interface SerializedScript {
  xml: string;
  /** 1-based line → uid of the node, output, subaction or top-level block written there. */
  lineOwners: Map<number, string>;
}

export function scriptToXml(script: CplScript): SerializedScript {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const lineOwners = new Map<number, string>();
  const emit = (depth: number, text: string, owner?: string): void => {
    lines.push(`${'  '.repeat(depth)}${text}`);
    if (owner) lineOwners.set(lines.length, owner);
  };
  const open = (name: string, attrs: Attrs, empty: boolean): string => `<${name}${attrText(attrs)}${empty ? '/>' : '>'}`;

  const writeNode = (node: CplNode, depth: number): void => {
    if (node.kind === 'extension') {
      writeRaw({ name: node.qname ?? 'extension', attributes: Object.entries(node.attrs).map(([name, value]) => ({ name, value })), children: node.raw ?? [], text: '', line: 0, column: 0 }, depth, node.uid);
      return;
    }
    const children = node.outputs.length > 0 || node.next !== null;
    emit(depth, open(node.kind, node.attrs, !children), node.uid);
    if (!children) return;
    if (node.next) writeNode(node.next, depth + 1);
    for (const output of node.outputs) {
      emit(depth + 1, open(output.kind, output.attrs, output.node === null), output.uid);
      if (output.node) {
        writeNode(output.node, depth + 2);
        emit(depth + 1, `</${output.kind}>`);
      }
    }
    emit(depth, `</${node.kind}>`);
  };

  const writeRaw = (el: XmlElement, depth: number, owner?: string): void => {
    const attrs: Attrs = {};
    for (const a of el.attributes) attrs[a.name] = a.value;
    emit(depth, open(el.name, attrs, el.children.length === 0), owner);
    if (el.children.length === 0) return;
    for (const child of el.children) writeRaw(child, depth + 1);
    emit(depth, `</${el.name}>`);
  };

  const writeBlock = (name: string, attrs: Attrs, node: CplNode | null, owner: string): void => {
    emit(1, open(name, attrs, node === null), owner);
    if (node) {
      writeNode(node, 2);
      emit(1, `</${name}>`);
    }
  };

  const rootAttrs: Attrs = { xmlns: CPL_NAMESPACE, ...script.rootAttrs };
  emit(0, open('cpl', rootAttrs, false));
  if (script.ancillary) emit(1, '<ancillary/>');
  for (const sub of script.subactions) writeBlock('subaction', { id: sub.id }, sub.node, sub.uid);
  for (const top of script.toplevel) writeBlock(top.kind, {}, top.node, top.uid);
  emit(0, '</cpl>');
  return { xml: `${lines.join('\n')}\n`, lineOwners };
}

function attrText(attrs: Attrs): string {
  return Object.entries(attrs)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
}
