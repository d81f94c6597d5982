/**
 * The parsed script as plain data with positions: what validation and compilation walk. It is
 * independent of libxml2 objects, so later stages never touch native handles.
 */
export interface RawAttribute {
  readonly localName: string;
  readonly namespace: string | null;
  readonly qname: string;
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

export interface RawNamespaceDeclaration {
  readonly prefix: string | null;
  readonly href: string;
  readonly line: number;
  readonly column: number;
}

export interface RawElement {
  readonly localName: string;
  readonly namespace: string | null;
  readonly qname: string;
  readonly line: number;
  readonly column: number;
  readonly attributes: readonly RawAttribute[];
  readonly namespaceDeclarations: readonly RawNamespaceDeclaration[];
  readonly children: readonly RawElement[];
  /** Line of the first non-blank text directly inside, or null. */
  readonly textLine: number | null;
}

export function attributeValue(el: RawElement, name: string): string | undefined {
  for (const a of el.attributes) if (a.localName === name && a.namespace === null) return a.value;
  return undefined;
}

export function findAttribute(el: RawElement, name: string): RawAttribute | undefined {
  for (const a of el.attributes) if (a.localName === name && a.namespace === null) return a;
  return undefined;
}

/** `<sub ref="voicemail">`: the element as written, for messages and traces. */
export function describeElement(el: RawElement, only?: readonly string[]): string {
  const attrs = el.attributes
    .filter((a) => a.namespace === null && (only === undefined || only.includes(a.localName)))
    .map((a) => ` ${a.qname}="${a.value.length > 60 ? `${a.value.slice(0, 57)}...` : a.value}"`)
    .join('');
  return `<${el.localName}${attrs}>`;
}
