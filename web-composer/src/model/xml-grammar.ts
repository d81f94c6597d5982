/** The CPL grammar for XML completion (RFC 3880 Appendix C): children and attribute values. */
import { FIXED_OUTPUTS, NODE_KINDS, ORDERINGS, PRIORITIES, REJECT_NAMES, STRING_FIELDS, ADDRESS_FIELDS, ADDRESS_SUBFIELDS, FREQUENCIES } from './node-specs.js';

const NODES = NODE_KINDS as readonly string[];
const SWITCH_OUT: Record<string, string> = { 'address-switch': 'address', 'string-switch': 'string', 'language-switch': 'language', 'time-switch': 'time', 'priority-switch': 'priority' };

export function childElements(parent: string): string[] {
  if (parent === '') return ['cpl'];
  if (parent === 'cpl') return ['ancillary', 'subaction', 'incoming', 'outgoing'];
  const out = SWITCH_OUT[parent];
  if (out) return [out, 'not-present', 'otherwise'];
  const fixed = FIXED_OUTPUTS[parent as keyof typeof FIXED_OUTPUTS];
  if (fixed) return [...fixed];
  if (['redirect', 'reject', 'sub', 'ancillary'].includes(parent)) return [];
  return [...NODES];
}

const YES_NO = ['yes', 'no'];
const TIME = Object.fromEntries(['dtstart', 'dtend', 'duration', 'freq', 'interval', 'until', 'count', 'bysecond', 'byminute', 'byhour', 'byday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'wkst', 'bysetpos'].map((a) => [a, a === 'freq' ? [...FREQUENCIES] : a === 'wkst' ? ['MO', 'SU'] : []]));
const ATTRIBUTES: Record<string, Record<string, string[]>> = {
  cpl: { xmlns: ['urn:ietf:params:xml:ns:cpl'] },
  subaction: { id: [] },
  'address-switch': { field: [...ADDRESS_FIELDS], subfield: ADDRESS_SUBFIELDS.filter(Boolean) },
  'string-switch': { field: [...STRING_FIELDS] },
  'time-switch': { tzid: [], tzurl: [] },
  address: { is: [], contains: [], 'subdomain-of': [] },
  string: { is: [], contains: [] },
  language: { matches: [] },
  time: TIME,
  priority: { less: [...PRIORITIES], greater: [...PRIORITIES], equal: [...PRIORITIES] },
  location: { url: [], priority: ['1.0', '0.5'], clear: YES_NO },
  lookup: { source: ['registration'], timeout: [], clear: YES_NO },
  'remove-location': { location: [] },
  proxy: { timeout: ['20'], recurse: YES_NO, ordering: [...ORDERINGS] },
  redirect: { permanent: YES_NO },
  reject: { status: [...REJECT_NAMES], reason: [] },
  mail: { url: ['mailto:'] },
  log: { name: [], comment: [] },
  sub: { ref: [] },
};

export function elementAttributes(element: string): Record<string, string[]> {
  const local = element.includes(':') ? element.slice(element.indexOf(':') + 1) : element;
  return ATTRIBUTES[local] ?? {};
}

export type CompletionContext = { kind: 'element'; parent: string } | { kind: 'attribute'; element: string; present: string[] } | { kind: 'value'; element: string; attribute: string } | { kind: 'none' };

/** Where the cursor is: typing an element name, an attribute name, or an attribute value. */
export function completionContext(text: string): CompletionContext {
  const lastOpen = text.lastIndexOf('<');
  const lastClose = text.lastIndexOf('>');
  if (lastOpen > lastClose) {
    const tag = text.slice(lastOpen + 1);
    const nameMatch = /^([\w:-]*)/.exec(tag);
    const name = nameMatch?.[1] ?? '';
    if (tag.length === name.length) return { kind: 'element', parent: openParent(text.slice(0, lastOpen)) };
    const value = /([\w:-]+)\s*=\s*"([^"]*)$/.exec(tag);
    if (value) return { kind: 'value', element: name, attribute: value[1] as string };
    const present = [...tag.matchAll(/([\w:-]+)\s*=/g)].map((m) => m[1] as string);
    return { kind: 'attribute', element: name, present };
  }
  return { kind: 'none' };
}

/** The innermost element still open at the end of `text`. */
function openParent(text: string): string {
  const stack: string[] = [];
  for (const m of text.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
    if (m[1]) stack.pop();
    else if (!m[3]) stack.push(m[2] as string);
  }
  const top = stack[stack.length - 1] ?? '';
  return top.includes(':') ? top.slice(top.indexOf(':') + 1) : top;
}
