/**
 * The CPL grammar (RFC 3880 §3-§9 and Appendix C) as a table: what each element is, which
 * attributes it takes, and what it may contain. Structural checks are done from this table
 * with plain-language messages; the XML Schema runs afterwards as a backstop (xsd-validate.ts).
 */
export type ElementCategory = 'root' | 'ancillary' | 'subaction' | 'toplevel' | 'switch' | 'modifier' | 'action' | 'sub' | 'output';

export type ContentModel =
  | { readonly kind: 'cpl' }
  | { readonly kind: 'node' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'switch'; readonly output: string }
  | { readonly kind: 'outputs'; readonly names: readonly string[] };

export interface AttributeSpec {
  readonly required?: boolean;
  /** Exact allowed values (schema enumerations are case-sensitive). */
  readonly values?: readonly string[];
  readonly positiveInteger?: boolean;
}

export interface ElementSpec {
  readonly category: ElementCategory;
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
  readonly content: ContentModel;
}

const YES_NO = ['yes', 'no'] as const;
const NODE = { kind: 'node' } as const;
const EMPTY = { kind: 'empty' } as const;

const TIME_ATTRIBUTES: Record<string, AttributeSpec> = Object.fromEntries(
  ['dtstart', 'dtend', 'duration', 'freq', 'interval', 'until', 'count', 'bysecond', 'byminute', 'byhour', 'byday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'wkst', 'bysetpos'].map((n) => [n, n === 'dtstart' ? { required: true } : {}]),
);

export const ELEMENT_SPECS: Readonly<Record<string, ElementSpec>> = {
  cpl: { category: 'root', attributes: {}, content: { kind: 'cpl' } },
  ancillary: { category: 'ancillary', attributes: {}, content: EMPTY },
  subaction: { category: 'subaction', attributes: { id: { required: true } }, content: NODE },
  incoming: { category: 'toplevel', attributes: {}, content: NODE },
  outgoing: { category: 'toplevel', attributes: {}, content: NODE },
  // Switches (§4)
  'address-switch': { category: 'switch', attributes: { field: { required: true }, subfield: {} }, content: { kind: 'switch', output: 'address' } },
  'string-switch': { category: 'switch', attributes: { field: { required: true, values: ['subject', 'organization', 'user-agent', 'display'] } }, content: { kind: 'switch', output: 'string' } },
  'language-switch': { category: 'switch', attributes: {}, content: { kind: 'switch', output: 'language' } },
  'time-switch': { category: 'switch', attributes: { tzid: {}, tzurl: {} }, content: { kind: 'switch', output: 'time' } },
  'priority-switch': { category: 'switch', attributes: {}, content: { kind: 'switch', output: 'priority' } },
  address: { category: 'output', attributes: { is: {}, contains: {}, 'subdomain-of': {} }, content: NODE },
  string: { category: 'output', attributes: { is: {}, contains: {} }, content: NODE },
  language: { category: 'output', attributes: { matches: { required: true } }, content: NODE },
  time: { category: 'output', attributes: TIME_ATTRIBUTES, content: NODE },
  priority: { category: 'output', attributes: { less: {}, greater: {}, equal: {} }, content: NODE },
  'not-present': { category: 'output', attributes: {}, content: NODE },
  otherwise: { category: 'output', attributes: {}, content: NODE },
  // Location modifiers (§5)
  location: { category: 'modifier', attributes: { url: { required: true }, priority: {}, clear: { values: YES_NO } }, content: NODE },
  lookup: {
    category: 'modifier',
    attributes: { source: { required: true }, timeout: { positiveInteger: true }, clear: { values: YES_NO } },
    content: { kind: 'outputs', names: ['success', 'notfound', 'failure'] },
  },
  'remove-location': { category: 'modifier', attributes: { location: {} }, content: NODE },
  success: { category: 'output', attributes: {}, content: NODE },
  notfound: { category: 'output', attributes: {}, content: NODE },
  failure: { category: 'output', attributes: {}, content: NODE },
  // Signalling operations (§6)
  proxy: {
    category: 'action',
    attributes: { timeout: { positiveInteger: true }, recurse: { values: YES_NO }, ordering: { values: ['parallel', 'sequential', 'first-only'] } },
    content: { kind: 'outputs', names: ['busy', 'noanswer', 'redirection', 'failure', 'default'] },
  },
  busy: { category: 'output', attributes: {}, content: NODE },
  noanswer: { category: 'output', attributes: {}, content: NODE },
  redirection: { category: 'output', attributes: {}, content: NODE },
  default: { category: 'output', attributes: {}, content: NODE },
  redirect: { category: 'action', attributes: { permanent: { values: YES_NO } }, content: EMPTY },
  reject: { category: 'action', attributes: { status: { required: true }, reason: {} }, content: EMPTY },
  // Non-signalling operations (§7)
  mail: { category: 'action', attributes: { url: { required: true } }, content: NODE },
  log: { category: 'action', attributes: { name: {}, comment: {} }, content: NODE },
  // Subactions (§8)
  sub: { category: 'sub', attributes: { ref: { required: true } }, content: EMPTY },
};

export function isNodeCategory(c: ElementCategory): boolean {
  return c === 'switch' || c === 'modifier' || c === 'action' || c === 'sub';
}

/** The elements an output element belongs to, for "X is an output of Y" messages. */
export function ownersOfOutput(name: string): string[] {
  const owners: string[] = [];
  for (const [el, spec] of Object.entries(ELEMENT_SPECS)) {
    if (spec.content.kind === 'switch' && (spec.content.output === name || name === 'not-present' || name === 'otherwise')) owners.push(el);
    if (spec.content.kind === 'outputs' && spec.content.names.includes(name)) owners.push(el);
  }
  return owners;
}
