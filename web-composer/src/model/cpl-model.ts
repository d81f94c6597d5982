/**
 * The composer's model of a CPL script (RFC 3880): the same tree the XML describes, with a
 * stable `uid` per block for the UI. Every node kind of RFC 3880 §4–§8 is a `CplNode`; outputs
 * (§4 switch conditions, §5.2 lookup results, §6.1 proxy results) are `CplOutput`s holding at
 * most one node. Attributes are kept by name as written, so unknown-but-valid attributes and
 * extension attributes (§11, e.g. `re:regex`) survive a round trip.
 */
import type { XmlElement } from './xml-tree.js';

export const CPL_NAMESPACE = 'urn:ietf:params:xml:ns:cpl';

export type SwitchKind = 'address-switch' | 'string-switch' | 'language-switch' | 'time-switch' | 'priority-switch';
export type NodeKind =
  | SwitchKind
  | 'location'
  | 'lookup'
  | 'remove-location'
  | 'proxy'
  | 'redirect'
  | 'reject'
  | 'mail'
  | 'log'
  | 'sub'
  | 'extension';

export type Attrs = Record<string, string>;

export interface CplOutput {
  uid: string;
  /** address | string | language | time | priority | not-present | otherwise | success | … */
  kind: string;
  attrs: Attrs;
  node: CplNode | null;
  line?: number;
}

export interface CplNode {
  uid: string;
  kind: NodeKind;
  attrs: Attrs;
  /** Switch conditions and lookup/proxy results, in script order (first match wins, §4). */
  outputs: CplOutput[];
  /** location, remove-location, mail and log contain their next node directly (§5, §7). */
  next: CplNode | null;
  /** Extension elements (§11): the qualified name and the raw children, kept verbatim. */
  qname?: string;
  raw?: XmlElement[];
  line?: number;
}

export interface CplSubaction {
  uid: string;
  id: string;
  node: CplNode | null;
  line?: number;
}

export interface CplTopLevel {
  uid: string;
  kind: 'incoming' | 'outgoing';
  node: CplNode | null;
  line?: number;
}

export interface CplScript {
  /** Attributes of <cpl> other than the default namespace (xmlns:*, xsi:schemaLocation …). */
  rootAttrs: Attrs;
  ancillary: boolean;
  subactions: CplSubaction[];
  toplevel: CplTopLevel[];
}

let counter = 0;
/** Unique ids for UI blocks; never written to XML. */
export function newUid(prefix = 'n'): string {
  counter += 1;
  return `${prefix}${counter.toString(36)}`;
}

export function emptyScript(): CplScript {
  return { rootAttrs: {}, ancillary: false, subactions: [], toplevel: [{ uid: newUid('t'), kind: 'incoming', node: null }] };
}

export function makeNode(kind: NodeKind, attrs: Attrs = {}, extra: Partial<Pick<CplNode, 'outputs' | 'next'>> = {}): CplNode {
  return { uid: newUid(), kind, attrs, outputs: extra.outputs ?? [], next: extra.next ?? null };
}

export function makeOutput(kind: string, attrs: Attrs = {}, node: CplNode | null = null): CplOutput {
  return { uid: newUid('o'), kind, attrs, node };
}
