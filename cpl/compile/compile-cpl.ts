/**
 * Compiles a validated script once into the flat node array of compiled-script.ts. Defaults are
 * resolved here, as RFC 3880 gives them: location priority 1.0 and clear "no" (§5.1), lookup
 * timeout 30 s (§5.2), proxy recurse "yes" and ordering "parallel" (§6.1), proxy timeout 20 s
 * only when a noanswer or default output exists and otherwise the server's maximum (§6.1: "20
 * seconds if the 'proxy' node has a 'noanswer' or 'default' output specified; otherwise the
 * server SHOULD allow the call to ring for a reasonably long period of time"), redirect
 * permanent "no" (§6.2), reject status words busy 486, notfound 404, reject 603, error 500 (§6.3).
 */
import type { CplDiagnostic } from '../diagnostics/diagnostic.js';
import { attributeValue, describeElement, type RawElement } from '../parse/raw-tree.js';
import { foldCase } from '../text/fold-case.js';
import { reasonPhrase, sanitizeReason } from '../text/sip-reason.js';
import { compileTimeMatcher } from '../time/time-matcher.js';
import { parseTimeRule } from '../time/time-rule.js';
import { resolveZone, type ZoneResolver } from '../time/zone.js';
import { normalizeHost } from '../uri/host.js';
import { parseMailto } from '../uri/mailto.js';
import { decodePercent } from '../uri/percent.js';
import { parseUri } from '../uri/parse-uri.js';
import { normalizeTelNumber } from '../uri/tel.js';
import { isCplElement as isCpl, specOf } from '../validate/check-structure.js';
import { resolvePolicy } from '../validate/validate-options.js';
import { validateCplTree } from '../validate/validate-cpl.js';
import { resolveLimits } from '../parse/limits.js';
import type { CplCompileOptions } from './compile-options.js';
import { hashScript } from './script-hash.js';
import {
  NO_NODE,
  PRIORITY_RANK,
  type AddressCase,
  type AddressField,
  type AddressSubfield,
  type AddressTest,
  type Branch,
  type CompiledCpl,
  type CplNode,
  type Position,
  type ProxyOrdering,
  type StringField,
  type TopLevelAction,
} from './compiled-script.js';

export type CplCompileResult =
  | { readonly ok: true; readonly script: CompiledCpl; readonly warnings: readonly CplDiagnostic[] }
  | { readonly ok: false; readonly errors: readonly CplDiagnostic[]; readonly warnings: readonly CplDiagnostic[] };

const REJECT_STATUS: Readonly<Record<string, number>> = { busy: 486, notfound: 404, reject: 603, error: 500 };

export function compileCpl(xml: string, options?: CplCompileOptions): CplCompileResult {
  const validated = validateCplTree(xml, options);
  if (!validated.ok || validated.root === null) return { ok: false, errors: validated.errors, warnings: validated.warnings };
  const floating = resolveZone(options?.floatingTimeZone ?? 'UTC');
  if (floating === null) throw new Error(`CPL: floatingTimeZone "${options?.floatingTimeZone ?? ''}" is not a known time zone`);
  const policy = resolvePolicy(options, resolveLimits(options?.limits).maxOutputsPerSwitch);
  const compiler = new Compiler(floating, policy.maxTimeoutSeconds, options);
  const script = compiler.compileRoot(validated.root, hashScript(xml));
  return { ok: true, script, warnings: validated.warnings };
}

class Compiler {
  private readonly nodes: Array<CplNode | null> = [];
  private readonly subactions = new Map<string, Position & { entry: number }>();

  constructor(
    private readonly floating: ZoneResolver,
    private readonly maxTimeout: number,
    private readonly options: CplCompileOptions | undefined,
  ) {}

  compileRoot(root: RawElement, hash: string): CompiledCpl {
    let incoming: TopLevelAction | null = null;
    let outgoing: TopLevelAction | null = null;
    for (const c of root.children.filter(isCpl)) {
      if (c.localName === 'subaction') {
        // Compiled in document order: every <sub> refers to an earlier, already compiled subaction.
        this.subactions.set(attributeValue(c, 'id') ?? '', { line: c.line, column: c.column, entry: this.content(c) });
      } else if (c.localName === 'incoming') {
        incoming = { line: c.line, column: c.column, entry: this.content(c) };
      } else if (c.localName === 'outgoing') {
        outgoing = { line: c.line, column: c.column, entry: this.content(c) };
      }
    }
    const nodes = this.nodes.map((n) => {
      if (n === null) throw new Error('CPL compiler: unfilled node');
      return n;
    });
    return { hash, incoming, outgoing, nodes, subactions: this.subactions };
  }

  /** The single node inside an element, compiled; NO_NODE when empty. */
  private content(el: RawElement): number {
    // Validated: at most one child, a CPL node or a supported extension element.
    const child = el.children.find((c) => !isCpl(c) || specOf(c)?.category !== 'output');
    return child === undefined ? NO_NODE : this.node(child);
  }

  private branch(el: RawElement | undefined): Branch | null {
    if (el === undefined) return null;
    return { line: el.line, column: el.column, label: describeElement(el), next: this.content(el) };
  }

  private node(el: RawElement): number {
    const id = this.nodes.length;
    this.nodes.push(null);
    const base = { id, line: el.line, column: el.column, label: describeElement(el) };
    this.nodes[id] = isCpl(el) ? this.cplNode(el, base) : this.extension(el, base);
    return id;
  }

  private extension(el: RawElement, base: { id: number; line: number; column: number; label: string }): CplNode {
    const attributes: Record<string, string> = {};
    for (const a of el.attributes) attributes[a.qname] = a.value;
    return { ...base, label: `<${el.qname}${Object.entries(attributes).map(([k, v]) => ` ${k}="${v}"`).join('')}>`, kind: 'extension', namespace: el.namespace ?? '', name: el.localName, attributes, next: this.content(el) };
  }

  private cplNode(el: RawElement, base: { id: number; line: number; column: number; label: string }): CplNode {
    const attr = (name: string): string | undefined => attributeValue(el, name);
    const out = (name: string): RawElement | undefined => el.children.find((c) => isCpl(c) && c.localName === name);
    // Outputs are compiled in document order, so node ids follow the script.
    const switchParts = <C>(caseName: string, makeCase: (c: RawElement) => C): { cases: C[]; notPresent: Branch | null; otherwise: Branch | null } => {
      const cases: C[] = [];
      let notPresent: Branch | null = null;
      let otherwise: Branch | null = null;
      for (const c of el.children) {
        if (!isCpl(c)) continue;
        if (c.localName === caseName) cases.push(makeCase(c));
        else if (c.localName === 'not-present') notPresent = this.branch(c);
        else if (c.localName === 'otherwise') otherwise = this.branch(c);
      }
      return { cases, notPresent, otherwise };
    };
    switch (el.localName) {
      case 'address-switch': {
        const subfield = (attr('subfield') ?? null) as AddressSubfield | null;
        const { cases, notPresent, otherwise } = switchParts('address', (c) => this.addressCase(c, subfield));
        return { ...base, kind: 'address-switch', field: attr('field') as AddressField, subfield, cases, notPresent, otherwise };
      }
      case 'string-switch': {
        const { cases, notPresent, otherwise } = switchParts('string', (c) => {
          const op = attributeValue(c, 'is') !== undefined ? ('is' as const) : ('contains' as const);
          const value = attributeValue(c, op) ?? '';
          return { ...(this.branch(c) as Branch), op, value, folded: foldCase(value) };
        });
        return { ...base, kind: 'string-switch', field: attr('field') as StringField, cases, notPresent, otherwise };
      }
      case 'language-switch': {
        const { cases, notPresent, otherwise } = switchParts('language', (c) => ({ ...(this.branch(c) as Branch), tag: (attributeValue(c, 'matches') ?? '').toLowerCase() }));
        return { ...base, kind: 'language-switch', matching: this.options?.languageMatching ?? 'rfc3880', cases, notPresent, otherwise };
      }
      case 'time-switch': {
        const tzid = attr('tzid');
        const zone = tzid !== undefined ? resolveZone(tzid) : this.floating;
        if (zone === null) throw new Error(`CPL compiler: tzid "${tzid ?? ''}" passed validation but does not resolve`);
        const { cases, notPresent, otherwise } = switchParts('time', (c) => {
          const attrs = new Map<string, string>();
          for (const a of c.attributes) if (a.namespace === null) attrs.set(a.localName, a.value);
          const { rule } = parseTimeRule(attrs, { maxCount: Number.MAX_SAFE_INTEGER, maxInterval: Number.MAX_SAFE_INTEGER });
          if (rule === null) throw new Error(`CPL compiler: <time> on line ${c.line} passed validation but does not parse`);
          return { ...(this.branch(c) as Branch), matcher: compileTimeMatcher(rule, zone) };
        });
        return { ...base, kind: 'time-switch', zone, floating: tzid === undefined, cases, notPresent, otherwise };
      }
      case 'priority-switch': {
        const { cases, notPresent, otherwise } = switchParts('priority', (c) => {
          const op = (['less', 'greater', 'equal'] as const).find((o) => attributeValue(c, o) !== undefined) ?? 'equal';
          const value = (attributeValue(c, op) ?? '').trim().toLowerCase();
          return { ...(this.branch(c) as Branch), op, value, rank: PRIORITY_RANK[value] ?? -1 };
        });
        return { ...base, kind: 'priority-switch', cases, notPresent, otherwise };
      }
      case 'location': {
        const url = attr('url') ?? '';
        const uri = parseUri(url);
        if (uri === null) throw new Error(`CPL compiler: location url on line ${el.line} passed validation but does not parse`);
        return { ...base, kind: 'location', url, uri, priority: attr('priority') !== undefined ? Number(attr('priority')) : 1.0, clear: attr('clear') === 'yes', next: this.content(el) };
      }
      case 'lookup':
        return {
          ...base,
          kind: 'lookup',
          source: attr('source') ?? 'registration',
          timeoutSeconds: Math.min(Number(attr('timeout') ?? 30), this.maxTimeout),
          clear: attr('clear') === 'yes',
          success: this.branch(out('success')),
          notfound: this.branch(out('notfound')),
          failure: this.branch(out('failure')),
        };
      case 'remove-location': {
        const text = attr('location') ?? null;
        return { ...base, kind: 'remove-location', location: text === null ? null : parseUri(text), locationText: text, next: this.content(el) };
      }
      case 'proxy': {
        const timeout = attr('timeout');
        const hasNoanswerOrDefault = out('noanswer') !== undefined || out('default') !== undefined;
        return {
          ...base,
          kind: 'proxy',
          timeoutSeconds: timeout !== undefined ? Math.min(Number(timeout), this.maxTimeout) : hasNoanswerOrDefault ? 20 : null,
          recurse: (attr('recurse') ?? 'yes') === 'yes',
          ordering: (attr('ordering') ?? 'parallel') as ProxyOrdering,
          busy: this.branch(out('busy')),
          noanswer: this.branch(out('noanswer')),
          redirection: this.branch(out('redirection')),
          failure: this.branch(out('failure')),
          default: this.branch(out('default')),
        };
      }
      case 'redirect':
        return { ...base, kind: 'redirect', permanent: attr('permanent') === 'yes' };
      case 'reject': {
        const statusText = (attr('status') ?? 'reject').trim();
        const status = REJECT_STATUS[statusText] ?? Number(statusText);
        const reason = attr('reason');
        const clean = reason !== undefined ? sanitizeReason(reason) : '';
        return { ...base, kind: 'reject', status, statusText, reason: clean.length > 0 ? clean : reasonPhrase(status) };
      }
      case 'mail': {
        const url = attr('url') ?? '';
        const mailto = parseMailto(url);
        if (mailto === null) throw new Error(`CPL compiler: mail url on line ${el.line} passed validation but does not parse`);
        return { ...base, kind: 'mail', url, mailto, next: this.content(el) };
      }
      case 'log':
        return { ...base, kind: 'log', name: attr('name') ?? null, comment: attr('comment') ?? null, next: this.content(el) };
      case 'sub': {
        const ref = attr('ref') ?? '';
        const target = this.subactions.get(ref);
        if (target === undefined) throw new Error(`CPL compiler: <sub ref="${ref}"> passed validation but has no earlier subaction`);
        return { ...base, kind: 'sub', ref, target: target.entry, targetLine: target.line };
      }
      default:
        throw new Error(`CPL compiler: <${el.localName}> on line ${el.line} is not a node`);
    }
  }

  private addressCase(c: RawElement, subfield: AddressSubfield | null): AddressCase {
    const op = (['is', 'contains', 'subdomain-of'] as const).find((o) => attributeValue(c, o) !== undefined) ?? 'is';
    const value = attributeValue(c, op) ?? '';
    return { ...(this.branch(c) as Branch), value, test: addressTest(op, value, subfield, c.line) };
  }
}

function addressTest(op: 'is' | 'contains' | 'subdomain-of', value: string, subfield: AddressSubfield | null, line: number): AddressTest {
  switch (subfield) {
    case null: {
      const uri = parseUri(value);
      if (uri === null) throw new Error(`CPL compiler: address on line ${line} passed validation but does not parse`);
      return { op: 'is', kind: 'uri', uri };
    }
    case 'address-type':
    case 'alias-type':
      return { op: 'is', kind: 'lower', value: value.trim().toLowerCase() };
    case 'user':
    case 'password':
      return { op: 'is', kind: 'exact', value: decodePercent(value) };
    case 'host':
      if (op === 'subdomain-of') return { op, kind: 'domain', host: normalizeHost(value.trim().replace(/^\.+/, '')) };
      return { op: 'is', kind: 'host', host: normalizeHost(value) };
    case 'port':
      return { op: 'is', kind: 'port', port: Number(value.trim()) };
    case 'tel':
      return { op: op === 'subdomain-of' ? 'subdomain-of' : 'is', kind: 'tel', digits: normalizeTelNumber(value.replace(/\s+/g, '')) };
    case 'display':
      return { op: op === 'contains' ? 'contains' : 'is', kind: 'folded', folded: foldCase(value) };
  }
}
