/**
 * The JSR 289 Default Application Router properties format (JSR 289 Appendix C), translated into
 * the iFC model (platform/isc) so that one engine evaluates every selection form:
 *
 *   INVITE: ("call-screening", "DAR:To", "TERMINATING", "", "NO_ROUTE", "0"), ("hello", "DAR:From", "ORIGINATING", "", "NO_ROUTE", "1")
 *
 * Per method, the listed apps run in order. Each tuple becomes an iFC with a Method SPT and,
 * for the ORIGINATING/TERMINATING regions, SessionCase SPTs for both registration states
 * (NEUTRAL: any). The subscriber field (`DAR:From`, `DAR:To`, a header or URI) is kept only as a
 * check: the core decides the served user (caller when originating, callee when terminating).
 * External routes (`ROUTE`, `ROUTE_BACK` with a route URI) are refused: the chain runs inside
 * this server. The state-info field is ignored (the position in the list is the state).
 */
import { SessionCase, type InitialFilterCriteria, type ServicePointTrigger } from '../../isc/index.js';

export interface DarEntry {
  readonly method: string;
  readonly app: string;
  readonly subscriber: string;
  readonly region: 'ORIGINATING' | 'TERMINATING' | 'NEUTRAL';
  readonly line: number;
}

export type DarParseResult =
  | { ok: true; entries: DarEntry[]; criteria: InitialFilterCriteria[]; warnings: string[] }
  | { ok: false; problems: string[] };

const METHOD = /^[A-Za-z0-9\-.!%*_+`'~]+$/u;
const APP = /^[a-z0-9-]{1,64}$/u;
const TUPLE = /\(\s*((?:"(?:[^"\\]|\\.)*"\s*,\s*)*"(?:[^"\\]|\\.)*")\s*\)/gu;
const FIELD = /"((?:[^"\\]|\\.)*)"/gu;

/** Parses DAR properties text; `source` names it in problems. */
export function parseDarProperties(text: string, source = 'dar'): DarParseResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const entries: DarEntry[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const where = `${source}:${line}`;
    const separator = logical.search(/[:=]/u);
    if (separator < 0) {
      problems.push(`${where}: expected "METHOD: (\\"app\\", \\"DAR:From\\", \\"ORIGINATING\\", \\"\\", \\"NO_ROUTE\\", \\"0\\"), …"`);
      continue;
    }
    const method = logical.slice(0, separator).trim();
    if (!METHOD.test(method)) {
      problems.push(`${where}: "${method}" is not a SIP method name`);
      continue;
    }
    const list = logical.slice(separator + 1).trim();
    const tuples = [...list.matchAll(TUPLE)];
    const leftover = list.replace(TUPLE, '').replace(/[\s,]/gu, '');
    if (tuples.length === 0 || leftover.length > 0) {
      problems.push(`${where}: the ${method} line must be a comma-separated list of ("…", "…", "…", "…", "…", "…") tuples`);
      continue;
    }
    for (const tuple of tuples) {
      const fields = [...(tuple[1] ?? '').matchAll(FIELD)].map((m) => (m[1] ?? '').replace(/\\(.)/gu, '$1'));
      const entry = toEntry(method, fields, line, where, problems, warnings);
      if (entry !== undefined) entries.push(entry);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, entries, criteria: entries.map(toCriterion), warnings };
}

function toEntry(method: string, fields: string[], line: number, where: string, problems: string[], warnings: string[]): DarEntry | undefined {
  if (fields.length !== 6) {
    problems.push(`${where}: a DAR tuple has 6 fields (app, subscriber, region, route, route modifier, state info); got ${fields.length}`);
    return undefined;
  }
  const [app = '', subscriber = '', regionText = '', route = '', modifier = ''] = fields;
  const before = problems.length;
  if (!APP.test(app)) problems.push(`${where}: "${app}" is not an app name (lower-case letters, digits and "-")`);
  const region = regionText.toUpperCase();
  if (region !== 'ORIGINATING' && region !== 'TERMINATING' && region !== 'NEUTRAL') {
    problems.push(`${where}: routing region "${regionText}" must be ORIGINATING, TERMINATING or NEUTRAL`);
  }
  const mod = modifier.toUpperCase();
  if (route !== '' || (mod !== '' && mod !== 'NO_ROUTE')) {
    problems.push(`${where}: "${app}": external routes (ROUTE, ROUTE_BACK with a route URI) are not supported; use "" and "NO_ROUTE" — the chain runs inside this server`);
  }
  if (problems.length > before) return undefined;
  const expected = region === 'ORIGINATING' ? 'DAR:FROM' : region === 'TERMINATING' ? 'DAR:TO' : undefined;
  if (expected !== undefined && subscriber.toUpperCase() !== expected) {
    warnings.push(`${where}: "${app}": subscriber "${subscriber}" is ignored; the served user of a ${region} request is the ${region === 'ORIGINATING' ? 'caller (DAR:From)' : 'callee (DAR:To)'}`);
  }
  return { method, app, subscriber, region: region as DarEntry['region'], line };
}

/** One iFC per entry; priority = position in the file. */
function toCriterion(entry: DarEntry, position: number): InitialFilterCriteria {
  const common = { conditionNegated: false, registrationTypes: [] };
  const spts: ServicePointTrigger[] = [{ kind: 'method', method: entry.method, groups: [0], ...common }];
  const cases =
    entry.region === 'ORIGINATING'
      ? [SessionCase.ORIGINATING_REGISTERED, SessionCase.ORIGINATING_UNREGISTERED]
      : entry.region === 'TERMINATING'
        ? [SessionCase.TERMINATING_REGISTERED, SessionCase.TERMINATING_UNREGISTERED]
        : [];
  for (const sessionCase of cases) spts.push({ kind: 'session-case', sessionCase, groups: [1], ...common });
  return {
    priority: position,
    // CNF: (Method) AND (either session case of the region).
    triggerPoint: { conditionTypeCnf: true, spts },
    applicationServer: { serverName: `sip:${entry.app}@apps.invalid`, includeRegisterRequest: false, includeRegisterResponse: false },
  };
}

/** Java-properties lines: `#`/`!` comments, blank lines, `\` continuations; 1-based line numbers. */
function logicalLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const physical = text.split(/\r?\n/u);
  for (let i = 0; i < physical.length; i++) {
    const start = i + 1;
    let current = (physical[i] ?? '').trim();
    if (current === '' || current.startsWith('#') || current.startsWith('!')) continue;
    while (current.endsWith('\\') && i + 1 < physical.length) {
      current = current.slice(0, -1) + (physical[++i] ?? '').trim();
    }
    out.push({ line: start, text: current });
  }
  return out;
}
