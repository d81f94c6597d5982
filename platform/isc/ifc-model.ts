/**
 * The user profile data model of 3GPP TS 29.228 Annex B (the CxDataType schema): an
 * IMSSubscription with ServiceProfiles, each holding PublicIdentities and initial Filter Criteria.
 * Enumerations keep the integer values of the XML (`<SessionCase>1</SessionCase>`), with the
 * schema's labels as names. Both loaders (XML, YAML/JSON) produce exactly these types.
 */

/** tDirectionOfRequest. 0–3 are in the Rel-7/8 schema; 4 (ORIGINATING_CDIV) comes from the
 *  later schema (Clearwater cites CxData_Type_Rel11.xsd). Value 0 was labelled
 *  ORIGINATING_SESSION before value 3 existed; since then it means a registered served user. */
export const SessionCase = {
  ORIGINATING_REGISTERED: 0,
  TERMINATING_REGISTERED: 1,
  TERMINATING_UNREGISTERED: 2,
  ORIGINATING_UNREGISTERED: 3,
  ORIGINATING_CDIV: 4,
} as const;
export type SessionCase = (typeof SessionCase)[keyof typeof SessionCase];

/** tDefaultHandling: what the S-CSCF does when the AS cannot be reached (24.229 §5.4.3.2). */
export const DefaultHandling = { SESSION_CONTINUED: 0, SESSION_TERMINATED: 1 } as const;
export type DefaultHandling = (typeof DefaultHandling)[keyof typeof DefaultHandling];

/** tProfilePartIndicator: the iFC belongs to the registered or the unregistered part. */
export const ProfilePartIndicator = { REGISTERED: 0, UNREGISTERED: 1 } as const;
export type ProfilePartIndicator = (typeof ProfilePartIndicator)[keyof typeof ProfilePartIndicator];

/** tRegistrationType (SPT Extension, at most two per SPT): which REGISTERs a Method SPT matches. */
export const RegistrationType = { INITIAL_REGISTRATION: 0, RE_REGISTRATION: 1, DE_REGISTRATION: 2 } as const;
export type RegistrationType = (typeof RegistrationType)[keyof typeof RegistrationType];

/** tIdentityType (PublicIdentity Extension); 3 and 4 from Rel-8. */
export const IdentityType = {
  PUBLIC_USER_IDENTITY: 0,
  DISTINCT_PSI: 1,
  WILDCARDED_PSI: 2,
  WILDCARDED_IMPU: 3,
  IMPU_WILDCARD: 4,
} as const;
export type IdentityType = (typeof IdentityType)[keyof typeof IdentityType];

/** Where an element starts in the loaded document (1-based), for error messages. */
export interface SourcePosition {
  line: number;
  column: number;
}

interface SptCommon {
  /** ConditionNegated: negates this one SPT before it joins its groups (29.228 Annex B). */
  conditionNegated: boolean;
  /** Group: one or more non-negative ids; the SPT takes part in every group listed. */
  groups: number[];
  /** Extension/RegistrationType: only meaningful on a Method REGISTER SPT; empty = any REGISTER. */
  registrationTypes: RegistrationType[];
  source?: SourcePosition;
}

export interface MethodSpt extends SptCommon {
  kind: 'method';
  /** Method name, compared exactly (RFC 3261 §7.1: methods are case-sensitive). */
  method: string;
}

export interface RequestUriSpt extends SptCommon {
  kind: 'request-uri';
  /** Regular expression (29.228 Annex F) over the Request-URI's hostport / telephone-subscriber. */
  requestUri: string;
}

export interface SipHeaderSpt extends SptCommon {
  kind: 'sip-header';
  /** Header field name: exact, case-insensitive, compact forms equivalent. */
  header: string;
  /** Regular expression over the header's values; absent = presence test. */
  content?: string;
}

export interface SessionCaseSpt extends SptCommon {
  kind: 'session-case';
  sessionCase: SessionCase;
}

export interface SessionDescriptionSpt extends SptCommon {
  kind: 'session-description';
  /** SDP line type, one letter (RFC 4566 §5): `m`, `c`, `a` … */
  line: string;
  /** Regular expression over the text after `x=`; absent = any line of that type. */
  content?: string;
}

/** tSePoTri: a Service Point Trigger, exactly one of the five classes. */
export type ServicePointTrigger = MethodSpt | RequestUriSpt | SipHeaderSpt | SessionCaseSpt | SessionDescriptionSpt;
export type SptKind = ServicePointTrigger['kind'];

/** tTrigger. */
export interface TriggerPoint {
  /** ConditionTypeCNF: true = CNF (AND of ORed groups), false = DNF (OR of ANDed groups). */
  conditionTypeCnf: boolean;
  spts: ServicePointTrigger[];
}

/** tApplicationServer. */
export interface ApplicationServer {
  /** ServerName: the AS SIP URI the request is routed to. */
  serverName: string;
  /** Absent in the document: both reference S-CSCFs behave as SESSION_CONTINUED. */
  defaultHandling?: DefaultHandling;
  serviceInfo?: string;
  /** Extension/IncludeRegisterRequest (empty element): send the UE's REGISTER as message/sip. */
  includeRegisterRequest: boolean;
  /** Extension/IncludeRegisterResponse (empty element): send the 200 OK as message/sip. */
  includeRegisterResponse: boolean;
}

/** tInitialFilterCriteria. */
export interface InitialFilterCriteria {
  /** Lower value = higher priority (29.228 Annex B). */
  priority: number;
  /** Absent = unconditional match (29.228 Annex B: the AS is always invoked). */
  triggerPoint?: TriggerPoint;
  applicationServer: ApplicationServer;
  /** Absent = evaluated whether the served user is registered or not. */
  profilePartIndicator?: ProfilePartIndicator;
  source?: SourcePosition;
}

/** tPublicIdentity. */
export interface PublicIdentity {
  identity: string;
  barred: boolean;
  identityType?: IdentityType;
  wildcardedPsi?: string;
}

/** tServiceProfile. */
export interface ServiceProfile {
  /** At least one in a TS 29.228 document; may be empty in the standalone YAML form. */
  publicIdentities: PublicIdentity[];
  initialFilterCriteria: InitialFilterCriteria[];
  /** Extension/SharedIFCSetID: ids of shared iFC sets (expanded by the S-CSCF, not here). */
  sharedIfcSetIds: number[];
  source?: SourcePosition;
}

/** tIMSSubscription: the Cx User-Data document. */
export interface ImsSubscription {
  /** PrivateID; optional in the standalone YAML form. */
  privateId?: string;
  serviceProfiles: ServiceProfile[];
}

/** Label of an enumeration value, e.g. `labelOf(SessionCase, 1)` → `TERMINATING_REGISTERED`. */
export function labelOf(enumeration: Readonly<Record<string, number>>, value: number): string {
  for (const [label, v] of Object.entries(enumeration)) if (v === value) return label;
  return String(value);
}

/** "0 ORIGINATING_REGISTERED" — value and label, as the explanations print them. */
export function describeSessionCase(value: SessionCase): string {
  return `${value} ${labelOf(SessionCase, value)}`;
}

/** The DefaultHandling in force: absent means SESSION_CONTINUED (isc.md §8, both references). */
export function effectiveDefaultHandling(server: ApplicationServer): DefaultHandling {
  return server.defaultHandling ?? DefaultHandling.SESSION_CONTINUED;
}
