/**
 * Loads a TS 29.228 user profile (IMSSubscription XML, the Cx User-Data) into the model:
 * pre-scan (no DOCTYPE, limits, tag positions) → libxml2 in its safest mode (no entity
 * substitution, no DTD loading, no network, normal hard limits, no XInclude) → XML Schema
 * validation (schema/ims-subscription.xsd) → model. Every problem names a line and column.
 */
import libxml, { type Element } from 'libxmljs2';
import type {
  ApplicationServer,
  ImsSubscription,
  InitialFilterCriteria,
  PublicIdentity,
  ServicePointTrigger,
  ServiceProfile,
  TriggerPoint,
} from './ifc-model.js';
import type { DefaultHandling, IdentityType, ProfilePartIndicator, RegistrationType, SessionCase } from './ifc-model.js';
import { problem, type ProfileLimits, type ProfileProblem } from './profile-problem.js';
import { imsSubscriptionSchema } from './schema/load-schema.js';
import { scanXmlSource, type ScannedTag } from './xml-source-scan.js';

/** `recover` only so that libxml2 lists every error (it otherwise reports the last one, not the
 *  first); any error still refuses the document. */
export const XML_PARSE_OPTIONS = { noent: false, dtdload: false, dtdvalid: false, nonet: true, huge: false, xinclude: false, recover: true } as const;

export type XmlLoadResult = { ok: true; subscription: ImsSubscription } | { ok: false; problems: ProfileProblem[] };

/** An element as read: no-namespace name, position of its start tag, direct text. */
interface XmlNode {
  name: string;
  namespaced: boolean;
  line: number;
  column: number;
  text: string;
  children: XmlNode[];
}

export function loadProfileXml(text: string, limits: ProfileLimits): XmlLoadResult {
  if (text.trim().length === 0) return fail(problem(0, 0, 'the document is empty'));
  const scan = scanXmlSource(text, limits);
  if (!scan.ok) return fail(scan.problem);

  let document;
  try {
    document = libxml.parseXml(text, XML_PARSE_OPTIONS);
  } catch (error) {
    const e = error as { message?: string; line?: number | null; column?: number | null };
    return fail(problem(e.line ?? 0, e.column ?? 0, `not well-formed XML: ${(e.message ?? String(error)).trim()}`));
  }
  const syntax = document.errors.find((e) => (e.level ?? 2) >= 2);
  if (syntax) return fail(problem(syntax.line ?? 0, syntax.column ?? 0, `not well-formed XML: ${syntax.message.trim()}`));
  const rootElement = document.root();
  if (!rootElement) return fail(problem(0, 0, 'the document has no root element'));
  const root = readTree(rootElement, scan.tags);
  if (root.name !== 'IMSSubscription' || root.namespaced) {
    return fail(problem(root.line, root.column, `the root element must be <IMSSubscription> (TS 29.228, no namespace), found <${rootElement.name()}>`));
  }
  if (!document.validate(imsSubscriptionSchema())) {
    const byLine = indexByLine(root);
    return {
      ok: false,
      problems: document.validationErrors.map((e) => {
        const line = e.line ?? 0;
        const name = /Element '([^']+)'/.exec(e.message)?.[1];
        const column = byLine.get(line)?.find((n) => n.name === name)?.column ?? 0;
        return problem(line, column, translate(e.message));
      }),
    };
  }
  return { ok: true, subscription: subscriptionOf(root) };
}

function fail(p: ProfileProblem): XmlLoadResult {
  return { ok: false, problems: [p] };
}

/** Copies the DOM into plain nodes, taking positions from the pre-scan (same document order). */
function readTree(rootElement: Element, tags: ScannedTag[]): XmlNode {
  let index = 0;
  const read = (el: Element): XmlNode => {
    const tag = tags[index++];
    const position = tag && tag.name.endsWith(el.name()) ? tag : { line: el.line(), column: 0 };
    const node: XmlNode = { name: el.name(), namespaced: el.namespace() !== null, line: position.line, column: position.column, text: '', children: [] };
    for (const child of el.childNodes()) {
      const type = child.type() as string;
      if (type === 'element') node.children.push(read(child as Element));
      else if (type === 'text' || type === 'cdata') node.text += (child as unknown as { text(): string }).text();
    }
    return node;
  };
  return read(rootElement);
}

function indexByLine(root: XmlNode): Map<number, XmlNode[]> {
  const out = new Map<number, XmlNode[]>();
  const walk = (n: XmlNode): void => {
    out.set(n.line, [...(out.get(n.line) ?? []), n]);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** libxml2 schema messages in plain words: "<SessionCase>: '7' is not a valid value …". */
function translate(message: string): string {
  let m = message.trim().replace(/\{[^}]*\}/g, '');
  m = m.replace(/^Element '([^']+)': /, '<$1>: ');
  m = m.replace(/This element is not expected\. Expected is one of \( ([^)]*) \)\./, (_s, list: string) =>
    `this element is not allowed here; expected one of ${list.split(',').map((x) => `<${x.trim()}>`).join(', ')}.`,
  );
  m = m.replace(/This element is not expected\. Expected is \( ([^)]*) \)\./, (_s, x: string) => `this element is not allowed here; expected <${x.trim()}>.`);
  m = m.replace(/This element is not expected\./, 'this element is not allowed here.');
  m = m.replace(/Missing child element\(s\)\. Expected is one of \( ([^)]*) \)\./, (_s, list: string) =>
    `a child element is missing; expected one of ${list.split(',').map((x) => `<${x.trim()}>`).join(', ')}.`,
  );
  m = m.replace(/Missing child element\(s\)\. Expected is \( ([^)]*) \)\./, (_s, x: string) => `a child element is missing; expected <${x.trim()}>.`);
  return `not a valid TS 29.228 user profile: ${m}`;
}

// ---- DOM → model (the document is schema-valid here, so required children exist) ---------

function kids(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => !c.namespaced && c.name === name);
}

function kid(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => !c.namespaced && c.name === name);
}

/** xs:boolean after whitespace collapsing: `1`/`true` or `0`/`false`. */
function bool(node: XmlNode | undefined, fallback: boolean): boolean {
  if (!node) return fallback;
  const v = node.text.trim();
  return v === '1' || v === 'true';
}

function int(node: XmlNode): number {
  return Number(node.text.trim());
}

function position(node: XmlNode): { line: number; column: number } {
  return { line: node.line, column: node.column };
}

function subscriptionOf(root: XmlNode): ImsSubscription {
  return {
    privateId: kid(root, 'PrivateID')!.text.trim(),
    serviceProfiles: kids(root, 'ServiceProfile').map(serviceProfileOf),
  };
}

function serviceProfileOf(node: XmlNode): ServiceProfile {
  const extension = kid(node, 'Extension');
  return {
    publicIdentities: kids(node, 'PublicIdentity').map(publicIdentityOf),
    initialFilterCriteria: kids(node, 'InitialFilterCriteria').map(ifcOf),
    sharedIfcSetIds: extension ? kids(extension, 'SharedIFCSetID').map(int) : [],
    source: position(node),
  };
}

function publicIdentityOf(node: XmlNode): PublicIdentity {
  const out: PublicIdentity = { identity: kid(node, 'Identity')!.text.trim(), barred: bool(kid(node, 'BarringIndication'), false) };
  const extension = kid(node, 'Extension');
  const type = extension && kid(extension, 'IdentityType');
  if (type) out.identityType = int(type) as IdentityType;
  const wildcard = extension && kid(extension, 'WildcardedPSI');
  if (wildcard) out.wildcardedPsi = wildcard.text.trim();
  return out;
}

function ifcOf(node: XmlNode): InitialFilterCriteria {
  const trigger = kid(node, 'TriggerPoint');
  const part = kid(node, 'ProfilePartIndicator');
  return {
    priority: int(kid(node, 'Priority')!),
    ...(trigger ? { triggerPoint: triggerOf(trigger) } : {}),
    applicationServer: applicationServerOf(kid(node, 'ApplicationServer')!),
    ...(part ? { profilePartIndicator: int(part) as ProfilePartIndicator } : {}),
    source: position(node),
  };
}

function triggerOf(node: XmlNode): TriggerPoint {
  return { conditionTypeCnf: bool(kid(node, 'ConditionTypeCNF'), false), spts: kids(node, 'SPT').map(sptOf) };
}

function sptOf(node: XmlNode): ServicePointTrigger {
  const extension = kid(node, 'Extension');
  const common = {
    conditionNegated: bool(kid(node, 'ConditionNegated'), false),
    groups: kids(node, 'Group').map(int),
    registrationTypes: extension ? kids(extension, 'RegistrationType').map((n) => int(n) as RegistrationType) : [],
    source: position(node),
  };
  const method = kid(node, 'Method');
  if (method) return { kind: 'method', method: method.text.trim(), ...common };
  const uri = kid(node, 'RequestURI');
  if (uri) return { kind: 'request-uri', requestUri: uri.text, ...common };
  const header = kid(node, 'SIPHeader');
  if (header) {
    const content = kid(header, 'Content');
    return { kind: 'sip-header', header: kid(header, 'Header')!.text.trim(), ...(content ? { content: content.text } : {}), ...common };
  }
  const sessionCase = kid(node, 'SessionCase');
  if (sessionCase) return { kind: 'session-case', sessionCase: int(sessionCase) as SessionCase, ...common };
  const sdp = kid(node, 'SessionDescription')!;
  const content = kid(sdp, 'Content');
  return { kind: 'session-description', line: kid(sdp, 'Line')!.text.trim(), ...(content ? { content: content.text } : {}), ...common };
}

function applicationServerOf(node: XmlNode): ApplicationServer {
  const handling = kid(node, 'DefaultHandling');
  const info = kid(node, 'ServiceInfo');
  const extension = kid(node, 'Extension');
  return {
    serverName: kid(node, 'ServerName')!.text.trim(),
    ...(handling ? { defaultHandling: int(handling) as DefaultHandling } : {}),
    ...(info ? { serviceInfo: info.text } : {}),
    includeRegisterRequest: extension !== undefined && kid(extension, 'IncludeRegisterRequest') !== undefined,
    includeRegisterResponse: extension !== undefined && kid(extension, 'IncludeRegisterResponse') !== undefined,
  };
}
