/**
 * The executable form of a validated script: a flat array of nodes that point at each other
 * by index. Matching values are precomputed (folded strings, parsed URIs, normalised hosts,
 * compiled time rules), so a run never walks XML. `sub` stays a jump to the subaction's entry
 * (never inlined: cpl.md §8 warns of the 2^n blow-up).
 */
import type { NormalHost } from '../uri/host.js';
import type { MailtoUrl } from '../uri/mailto.js';
import type { ParsedUri } from '../uri/parse-uri.js';
import type { TimeMatcher } from '../time/time-matcher.js';
import type { ZoneResolver } from '../time/zone.js';
import type { LanguageMatching } from '../text/language-range.js';

/** No node: the output is unspecified and the default behaviour applies (RFC 3880 §10). */
export const NO_NODE = -1;

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** An output of a node as written in the script. */
export interface Branch extends Position {
  /** The node the output contains, or NO_NODE for an empty output. */
  readonly next: number;
  /** The output as written, e.g. `<address subdomain-of="example.com">`. */
  readonly label: string;
}

interface NodeBase extends Position {
  readonly id: number;
  /** The element as written, e.g. `<proxy timeout="8">`. */
  readonly label: string;
}

export type AddressField = 'origin' | 'destination' | 'original-destination';
export type AddressSubfield = 'address-type' | 'user' | 'host' | 'port' | 'tel' | 'display' | 'password' | 'alias-type';

export type AddressTest =
  | { readonly op: 'is'; readonly kind: 'uri'; readonly uri: ParsedUri }
  | { readonly op: 'is'; readonly kind: 'host'; readonly host: NormalHost }
  | { readonly op: 'is'; readonly kind: 'port'; readonly port: number }
  | { readonly op: 'is' | 'subdomain-of'; readonly kind: 'tel'; readonly digits: string }
  | { readonly op: 'is' | 'contains'; readonly kind: 'folded'; readonly folded: string }
  | { readonly op: 'is'; readonly kind: 'exact'; readonly value: string }
  | { readonly op: 'is'; readonly kind: 'lower'; readonly value: string }
  | { readonly op: 'subdomain-of'; readonly kind: 'domain'; readonly host: NormalHost };

export interface AddressCase extends Branch {
  readonly test: AddressTest;
  /** The script's value as written. */
  readonly value: string;
}

export interface AddressSwitchNode extends NodeBase {
  readonly kind: 'address-switch';
  readonly field: AddressField;
  readonly subfield: AddressSubfield | null;
  readonly cases: readonly AddressCase[];
  readonly notPresent: Branch | null;
  readonly otherwise: Branch | null;
}

export type StringField = 'subject' | 'organization' | 'user-agent' | 'display';

export interface StringCase extends Branch {
  readonly op: 'is' | 'contains';
  readonly value: string;
  readonly folded: string;
}

export interface StringSwitchNode extends NodeBase {
  readonly kind: 'string-switch';
  readonly field: StringField;
  readonly cases: readonly StringCase[];
  readonly notPresent: Branch | null;
  readonly otherwise: Branch | null;
}

export interface LanguageCase extends Branch {
  /** Lower-cased language tag. */
  readonly tag: string;
}

export interface LanguageSwitchNode extends NodeBase {
  readonly kind: 'language-switch';
  readonly matching: LanguageMatching;
  readonly cases: readonly LanguageCase[];
  readonly notPresent: Branch | null;
  readonly otherwise: Branch | null;
}

export interface TimeCase extends Branch {
  readonly matcher: TimeMatcher;
}

export interface TimeSwitchNode extends NodeBase {
  readonly kind: 'time-switch';
  readonly zone: ZoneResolver;
  /** True when the zone is the server's floating zone (no tzid). */
  readonly floating: boolean;
  readonly cases: readonly TimeCase[];
  readonly notPresent: Branch | null;
  readonly otherwise: Branch | null;
}

/** RFC 3880 §4.5: emergency > urgent > normal > non-urgent. */
export const PRIORITY_RANK: Readonly<Record<string, number>> = { 'non-urgent': 0, normal: 1, urgent: 2, emergency: 3 };

export interface PriorityCase extends Branch {
  readonly op: 'less' | 'greater' | 'equal';
  /** Lower-cased value; `rank` is its place in emergency > urgent > normal > non-urgent. */
  readonly value: string;
  readonly rank: number;
}

export interface PrioritySwitchNode extends NodeBase {
  readonly kind: 'priority-switch';
  readonly cases: readonly PriorityCase[];
  readonly notPresent: Branch | null;
  readonly otherwise: Branch | null;
}

export interface LocationNode extends NodeBase {
  readonly kind: 'location';
  readonly url: string;
  readonly uri: ParsedUri;
  readonly priority: number;
  readonly clear: boolean;
  readonly next: number;
}

export interface LookupNode extends NodeBase {
  readonly kind: 'lookup';
  readonly source: string;
  readonly timeoutSeconds: number;
  readonly clear: boolean;
  readonly success: Branch | null;
  readonly notfound: Branch | null;
  readonly failure: Branch | null;
}

export interface RemoveLocationNode extends NodeBase {
  readonly kind: 'remove-location';
  /** null removes every location. */
  readonly location: ParsedUri | null;
  readonly locationText: string | null;
  readonly next: number;
}

export type ProxyOrdering = 'parallel' | 'sequential' | 'first-only';

export interface ProxyNode extends NodeBase {
  readonly kind: 'proxy';
  /** Seconds, or null for "as long as server policy allows" (§6.1 default without noanswer/default). */
  readonly timeoutSeconds: number | null;
  readonly recurse: boolean;
  readonly ordering: ProxyOrdering;
  readonly busy: Branch | null;
  readonly noanswer: Branch | null;
  readonly redirection: Branch | null;
  readonly failure: Branch | null;
  readonly default: Branch | null;
}

export interface RedirectNode extends NodeBase {
  readonly kind: 'redirect';
  readonly permanent: boolean;
}

export interface RejectNode extends NodeBase {
  readonly kind: 'reject';
  readonly status: number;
  readonly reason: string;
  /** The status as written (busy, notfound, reject, error or a number). */
  readonly statusText: string;
}

export interface MailNode extends NodeBase {
  readonly kind: 'mail';
  readonly url: string;
  readonly mailto: MailtoUrl;
  readonly next: number;
}

export interface LogNode extends NodeBase {
  readonly kind: 'log';
  readonly name: string | null;
  readonly comment: string | null;
  readonly next: number;
}

export interface SubNode extends NodeBase {
  readonly kind: 'sub';
  readonly ref: string;
  /** Entry node of the subaction (NO_NODE for an empty subaction). */
  readonly target: number;
  /** Line of the subaction. */
  readonly targetLine: number;
}

export interface ExtensionNode extends NodeBase {
  readonly kind: 'extension';
  readonly namespace: string;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly next: number;
}

export type CplNode =
  | AddressSwitchNode
  | StringSwitchNode
  | LanguageSwitchNode
  | TimeSwitchNode
  | PrioritySwitchNode
  | LocationNode
  | LookupNode
  | RemoveLocationNode
  | ProxyNode
  | RedirectNode
  | RejectNode
  | MailNode
  | LogNode
  | SubNode
  | ExtensionNode;

export interface TopLevelAction extends Position {
  /** First node, or NO_NODE for an empty `<incoming/>`. */
  readonly entry: number;
}

export interface CompiledCpl {
  /** SHA-256 of the script text (hex). */
  readonly hash: string;
  readonly incoming: TopLevelAction | null;
  readonly outgoing: TopLevelAction | null;
  readonly nodes: readonly CplNode[];
  readonly subactions: ReadonlyMap<string, Position & { readonly entry: number }>;
}
