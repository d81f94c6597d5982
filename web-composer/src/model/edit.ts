/**
 * Edits on the model. Each returns a new script (the old one is left untouched, so undo keeps
 * it). Blocks are addressed by uid. A "slot" is a place that holds one node: a top-level
 * action, a subaction, an output, or the inside of a location/remove-location/mail/log block.
 */
import { makeOutput, newUid, type Attrs, type CplNode, type CplOutput, type CplScript } from './cpl-model.js';
import { CONTAINER_KINDS, FIXED_OUTPUTS, isSwitch } from './node-specs.js';

export function cloneScript(script: CplScript): CplScript {
  return structuredClone(script);
}

type Owner =
  | { kind: 'top' | 'subaction' | 'output'; holder: { node: CplNode | null } }
  | { kind: 'container'; holder: CplNode };

export interface Found {
  node?: CplNode;
  output?: CplOutput;
  /** The node whose outputs contain `output`. */
  parentNode?: CplNode;
  /** The slot that holds `node`. */
  owner?: Owner;
}

function* walkNode(node: CplNode, owner: Owner): Generator<Found> {
  yield { node, owner };
  if (node.next) yield* walkNode(node.next, { kind: 'container', holder: node });
  for (const output of node.outputs) {
    yield { output, parentNode: node };
    if (output.node) yield* walkNode(output.node, { kind: 'output', holder: output });
  }
}

export function* walk(script: CplScript): Generator<Found> {
  for (const sub of script.subactions) if (sub.node) yield* walkNode(sub.node, { kind: 'subaction', holder: sub });
  for (const top of script.toplevel) if (top.node) yield* walkNode(top.node, { kind: 'top', holder: top });
}

export function find(script: CplScript, uid: string): Found | undefined {
  for (const f of walk(script)) if (f.node?.uid === uid || f.output?.uid === uid) return f;
  return undefined;
}

/** The holder of a slot uid: a top-level block, a subaction, an output or a container node. */
function slotHolder(script: CplScript, slotUid: string): { get(): CplNode | null; set(n: CplNode | null): void } | undefined {
  const block = [...script.toplevel, ...script.subactions].find((b) => b.uid === slotUid);
  if (block) return { get: () => block.node, set: (n) => (block.node = n) };
  const f = find(script, slotUid);
  if (f?.output) {
    const o = f.output;
    return { get: () => o.node, set: (n) => (o.node = n) };
  }
  if (f?.node && CONTAINER_KINDS.has(f.node.kind)) {
    const c = f.node;
    return { get: () => c.next, set: (n) => (c.next = n) };
  }
  return undefined;
}

/** Put `node` into an empty slot (or, with `wrap`, put the slot's old node inside it). */
export function placeNode(script: CplScript, slotUid: string, node: CplNode): CplScript {
  const next = cloneScript(script);
  const holder = slotHolder(next, slotUid);
  if (!holder) throw new Error(`no slot ${slotUid}`);
  const old = holder.get();
  const placed = structuredClone(node);
  // A container keeps what followed: inserting "add a location" before a proxy is natural.
  if (old && CONTAINER_KINDS.has(placed.kind) && placed.next === null) placed.next = old;
  else if (old) throw new Error('the slot is not empty');
  holder.set(placed);
  return next;
}

export function setAttrs(script: CplScript, uid: string, attrs: Attrs): CplScript {
  const next = cloneScript(script);
  const f = find(next, uid);
  const target = f?.node ?? f?.output;
  if (!target) throw new Error(`no block ${uid}`);
  target.attrs = { ...attrs };
  return next;
}

/** Remove a node. A location/remove-location/mail/log block hands its slot to what it contained. */
export function removeNode(script: CplScript, uid: string, keepInner = true): CplScript {
  const next = cloneScript(script);
  const f = find(next, uid);
  if (!f?.node || !f.owner) throw new Error(`no node ${uid}`);
  const replacement = keepInner && CONTAINER_KINDS.has(f.node.kind) ? f.node.next : null;
  if (f.owner.kind === 'container') f.owner.holder.next = replacement;
  else f.owner.holder.node = replacement;
  return next;
}

/** Take a node out of its slot, returning the script without it and the detached subtree. */
export function cutNode(script: CplScript, uid: string): { script: CplScript; node: CplNode } {
  const f = find(script, uid);
  if (!f?.node) throw new Error(`no node ${uid}`);
  return { script: removeNode(script, uid, false), node: structuredClone(f.node) };
}

/** Fresh uids for a pasted copy, so the same subtree can be pasted twice. */
export function reuid(node: CplNode): CplNode {
  const copy = structuredClone(node);
  const visit = (n: CplNode): void => {
    n.uid = newUid();
    if (n.next) visit(n.next);
    for (const o of n.outputs) {
      o.uid = newUid('o');
      if (o.node) visit(o.node);
    }
  };
  visit(copy);
  return copy;
}

/** Outputs a node can still take: switch conditions any number of times, not-present and
 *  otherwise once (otherwise last, §4), lookup/proxy results once each (§5.2, §6.1). */
export function addableOutputs(node: CplNode): string[] {
  const have = new Set(node.outputs.map((o) => o.kind));
  if (isSwitch(node.kind)) {
    const out = [switchCondition(node)];
    if (!have.has('not-present')) out.push('not-present');
    if (!have.has('otherwise')) out.push('otherwise');
    return out;
  }
  return (FIXED_OUTPUTS[node.kind] ?? []).filter((k) => !have.has(k));
}

function switchCondition(node: CplNode): string {
  return node.kind.replace('-switch', '');
}

export function addOutput(script: CplScript, nodeUid: string, kind: string, attrs: Attrs = {}): { script: CplScript; uid: string } {
  const next = cloneScript(script);
  const node = find(next, nodeUid)?.node;
  if (!node) throw new Error(`no node ${nodeUid}`);
  if (!addableOutputs(node).includes(kind)) throw new Error(`<${node.kind}> cannot take another <${kind}>`);
  const output = makeOutput(kind, attrs);
  const fixed = FIXED_OUTPUTS[node.kind];
  if (fixed) {
    // Keep the RFC's order, which is also the order people read them in.
    const rank = (k: string): number => fixed.indexOf(k);
    const at = node.outputs.findIndex((o) => rank(o.kind) > rank(kind));
    node.outputs.splice(at < 0 ? node.outputs.length : at, 0, output);
  } else {
    const otherwise = node.outputs.findIndex((o) => o.kind === 'otherwise');
    node.outputs.splice(kind === 'otherwise' || otherwise < 0 ? node.outputs.length : otherwise, 0, output);
  }
  return { script: next, uid: output.uid };
}

export function removeOutput(script: CplScript, outputUid: string): CplScript {
  const next = cloneScript(script);
  const f = find(next, outputUid);
  if (!f?.output || !f.parentNode) throw new Error(`no output ${outputUid}`);
  f.parentNode.outputs = f.parentNode.outputs.filter((o) => o.uid !== outputUid);
  return next;
}

/** Move a switch condition up or down; `otherwise` stays last (§4). */
export function canMoveOutput(script: CplScript, outputUid: string, delta: -1 | 1): boolean {
  const f = find(script, outputUid);
  if (!f?.output || !f.parentNode || !isSwitch(f.parentNode.kind)) return false;
  const list = f.parentNode.outputs;
  const i = list.findIndex((o) => o.uid === outputUid);
  const j = i + delta;
  if (j < 0 || j >= list.length) return false;
  return list[i]?.kind !== 'otherwise' && list[j]?.kind !== 'otherwise';
}

export function moveOutput(script: CplScript, outputUid: string, delta: -1 | 1): CplScript {
  if (!canMoveOutput(script, outputUid, delta)) return script;
  const next = cloneScript(script);
  const f = find(next, outputUid) as Required<Pick<Found, 'output' | 'parentNode'>>;
  const list = f.parentNode.outputs;
  const i = list.findIndex((o) => o.uid === outputUid);
  const [moved] = list.splice(i, 1);
  list.splice(i + delta, 0, moved as CplOutput);
  return next;
}

export function addSubaction(script: CplScript, id: string): { script: CplScript; uid: string } {
  if (script.subactions.some((s) => s.id === id)) throw new Error(`there is already a subaction "${id}"`);
  const next = cloneScript(script);
  const uid = newUid('s');
  next.subactions.push({ uid, id, node: null });
  return { script: next, uid };
}

/** Rename a subaction and every `sub` that refers to it (§8 references are by id). */
export function renameSubaction(script: CplScript, uid: string, id: string): CplScript {
  const next = cloneScript(script);
  const sub = next.subactions.find((s) => s.uid === uid);
  if (!sub) throw new Error(`no subaction ${uid}`);
  if (next.subactions.some((s) => s.id === id && s.uid !== uid)) throw new Error(`there is already a subaction "${id}"`);
  const old = sub.id;
  sub.id = id;
  for (const f of walk(next)) if (f.node?.kind === 'sub' && f.node.attrs.ref === old) f.node.attrs = { ...f.node.attrs, ref: id };
  return next;
}

export function subactionUsers(script: CplScript, id: string): number {
  let n = 0;
  for (const f of walk(script)) if (f.node?.kind === 'sub' && f.node.attrs.ref === id) n++;
  return n;
}

export function removeSubaction(script: CplScript, uid: string): CplScript {
  const next = cloneScript(script);
  next.subactions = next.subactions.filter((s) => s.uid !== uid);
  return next;
}

/** Subactions a `sub` at this place may call: only those defined earlier (§8: no recursion). */
export function callableSubactions(script: CplScript, slotUid: string): string[] {
  const index = script.subactions.findIndex((s) => s.uid === slotUid || (s.node !== null && containsUid(s.node, slotUid)));
  return (index < 0 ? script.subactions : script.subactions.slice(0, index)).map((s) => s.id);
}

function containsUid(node: CplNode, uid: string): boolean {
  if (node.uid === uid) return true;
  if (node.next && containsUid(node.next, uid)) return true;
  return node.outputs.some((o) => o.uid === uid || (o.node !== null && containsUid(o.node, uid)));
}

export function addTopLevel(script: CplScript, kind: 'incoming' | 'outgoing'): CplScript {
  if (script.toplevel.some((t) => t.kind === kind)) return script;
  const next = cloneScript(script);
  next.toplevel.push({ uid: newUid('t'), kind, node: null });
  return next;
}

export function removeTopLevel(script: CplScript, uid: string): CplScript {
  const next = cloneScript(script);
  next.toplevel = next.toplevel.filter((t) => t.uid !== uid);
  return next;
}
