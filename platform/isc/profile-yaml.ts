/**
 * The same user profile in YAML or JSON (JSON is YAML): the TS 29.228 element names in
 * lowerCamelCase, repeated elements as lists, enumerations as their integer or their label.
 * The app container writes its application-selection rules in this form; a top-level
 * `initialFilterCriteria` list (no `serviceProfile`) is one service profile without identities.
 *
 * ```yaml
 * privateId: alice@ims.example.com
 * serviceProfile:
 *   - publicIdentity: [{ identity: sip:alice@ims.example.com }]
 *     initialFilterCriteria:
 *       - priority: 0
 *         triggerPoint:
 *           conditionTypeCnf: false
 *           spt:
 *             - { group: 0, method: INVITE }
 *             - { group: 0, sessionCase: ORIGINATING_REGISTERED }
 *             - { group: 1, conditionNegated: true, sipHeader: { header: Event, content: presence } }
 *         applicationServer: { serverName: sip:as.example.com, defaultHandling: SESSION_CONTINUED }
 *         profilePartIndicator: REGISTERED
 * ```
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import {
  DefaultHandling,
  IdentityType,
  type ImsSubscription,
  type InitialFilterCriteria,
  ProfilePartIndicator,
  RegistrationType,
  type ServicePointTrigger,
  SessionCase,
  type SourcePosition,
} from './ifc-model.js';
import { problem, type ProfileLimits, type ProfileProblem } from './profile-problem.js';
import { scanYamlNesting } from './yaml-source-scan.js';

/** An enumeration given as its integer (`1`) or its label (`TERMINATING_REGISTERED`). */
function enumeration<E extends Readonly<Record<string, number>>>(values: E, what: string) {
  const list = Object.entries(values).map(([label, v]) => `${v} ${label}`).join(', ');
  return z.union([z.number(), z.string()]).transform((input, ctx): E[keyof E] => {
    const found = Object.entries(values).find(([label, v]) => v === input || label === input || label.replace(/_/g, '-') === input);
    if (found) return found[1] as E[keyof E];
    ctx.addIssue({ code: 'custom', message: `${what} must be one of ${list}; got ${JSON.stringify(input)}` });
    return z.NEVER;
  });
}

/** xs:boolean: true/false or 1/0. */
const bool = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((v) => v === true || v === 1);
const nonNegativeInt = z.number().int().min(0);
const oneOrMore = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as Array<z.output<T>>);

const sptSchema = z
  .object({
    conditionNegated: bool.default(false),
    group: oneOrMore(nonNegativeInt),
    method: z.string().min(1).optional(),
    requestUri: z.string().optional(),
    sipHeader: z.object({ header: z.string().min(1), content: z.string().optional() }).strict().optional(),
    sessionCase: enumeration(SessionCase, 'sessionCase').optional(),
    sessionDescription: z.object({ line: z.string().min(1), content: z.string().optional() }).strict().optional(),
    registrationType: z
      .union([enumeration(RegistrationType, 'registrationType'), z.array(enumeration(RegistrationType, 'registrationType')).max(2)])
      .optional(),
  })
  .strict()
  .transform((s, ctx): ServicePointTrigger => {
    const common = {
      conditionNegated: s.conditionNegated,
      groups: s.group,
      registrationTypes: s.registrationType === undefined ? [] : Array.isArray(s.registrationType) ? s.registrationType : [s.registrationType],
    };
    const classes = (['method', 'requestUri', 'sipHeader', 'sessionCase', 'sessionDescription'] as const).filter((k) => s[k] !== undefined);
    if (classes.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `an spt needs exactly one of method, requestUri, sipHeader, sessionCase, sessionDescription; ${classes.length === 0 ? 'none given' : `got ${classes.join(' and ')}`}`,
      });
      return z.NEVER;
    }
    if (s.method !== undefined) return { kind: 'method', method: s.method, ...common };
    if (s.requestUri !== undefined) return { kind: 'request-uri', requestUri: s.requestUri, ...common };
    if (s.sipHeader !== undefined) return { kind: 'sip-header', header: s.sipHeader.header, ...optional('content', s.sipHeader.content), ...common };
    if (s.sessionCase !== undefined) return { kind: 'session-case', sessionCase: s.sessionCase, ...common };
    const sdp = s.sessionDescription!;
    return { kind: 'session-description', line: sdp.line, ...optional('content', sdp.content), ...common };
  });

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const ifcSchema = z
  .object({
    priority: nonNegativeInt,
    triggerPoint: z.object({ conditionTypeCnf: bool, spt: z.array(sptSchema).min(1) }).strict().optional(),
    applicationServer: z
      .object({
        serverName: z.string().min(1),
        defaultHandling: enumeration(DefaultHandling, 'defaultHandling').optional(),
        serviceInfo: z.string().optional(),
        includeRegisterRequest: z.boolean().default(false),
        includeRegisterResponse: z.boolean().default(false),
      })
      .strict(),
    profilePartIndicator: enumeration(ProfilePartIndicator, 'profilePartIndicator').optional(),
  })
  .strict()
  .transform((i): InitialFilterCriteria => ({
    priority: i.priority,
    ...(i.triggerPoint ? { triggerPoint: { conditionTypeCnf: i.triggerPoint.conditionTypeCnf, spts: i.triggerPoint.spt } } : {}),
    applicationServer: {
      serverName: i.applicationServer.serverName,
      ...optional('defaultHandling', i.applicationServer.defaultHandling),
      ...optional('serviceInfo', i.applicationServer.serviceInfo),
      includeRegisterRequest: i.applicationServer.includeRegisterRequest,
      includeRegisterResponse: i.applicationServer.includeRegisterResponse,
    },
    ...optional('profilePartIndicator', i.profilePartIndicator),
  }));

const publicIdentitySchema = z
  .object({
    identity: z.string().min(1),
    barringIndication: bool.default(false),
    identityType: enumeration(IdentityType, 'identityType').optional(),
    wildcardedPsi: z.string().optional(),
  })
  .strict();

const serviceProfileSchema = z
  .object({
    publicIdentity: z.array(publicIdentitySchema).default([]),
    initialFilterCriteria: z.array(ifcSchema).default([]),
    sharedIfcSetId: z.array(nonNegativeInt).default([]),
  })
  .strict();

export const profileDocumentSchema = z
  .object({
    privateId: z.string().min(1).optional(),
    serviceProfile: z.array(serviceProfileSchema).min(1).optional(),
    initialFilterCriteria: z.array(ifcSchema).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.serviceProfile === undefined) === (d.initialFilterCriteria === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either serviceProfile (a list) or initialFilterCriteria (a list), not both or neither' });
    }
  })
  .transform((d): ImsSubscription => ({
    ...optional('privateId', d.privateId),
    serviceProfiles: (d.serviceProfile ?? [{ publicIdentity: [], initialFilterCriteria: d.initialFilterCriteria ?? [], sharedIfcSetId: [] }]).map((p) => ({
      publicIdentities: p.publicIdentity.map((pi) => ({
        identity: pi.identity,
        barred: pi.barringIndication,
        ...optional('identityType', pi.identityType),
        ...optional('wildcardedPsi', pi.wildcardedPsi),
      })),
      initialFilterCriteria: p.initialFilterCriteria,
      sharedIfcSetIds: p.sharedIfcSetId,
    })),
  }));

export type YamlLoadResult = { ok: true; subscription: ImsSubscription } | { ok: false; problems: ProfileProblem[] };

export function loadProfileYaml(text: string, limits: ProfileLimits): YamlLoadResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxBytes) return { ok: false, problems: [problem(0, 0, `the document is ${bytes} bytes; at most ${limits.maxBytes} are accepted`)] };
  const tooDeep = scanYamlNesting(text, limits.maxDepth);
  if (tooDeep) return { ok: false, problems: [tooDeep] };
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  } catch (error) {
    return { ok: false, problems: [problem(0, 0, `not valid YAML: ${(error as Error).message}`)] };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return problem(line, col, `not valid YAML: ${e.message.split('\n')[0]}`);
      }),
    };
  }
  let data: unknown;
  try {
    // Aliases are capped so that an alias bomb ("billion laughs" in YAML) is refused.
    data = doc.toJS({ maxAliasCount: 16 });
  } catch (error) {
    return { ok: false, problems: [problem(0, 0, `not accepted: ${(error as Error).message}`)] };
  }
  const where = (path: readonly PropertyKey[]): SourcePosition => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return { line: 0, column: 0 };
  };
  const parsed = profileDocumentSchema.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => {
        const { line, column } = where(issue.path);
        const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        return problem(line, column, `${at}${issue.message}`);
      }),
    };
  }
  const subscription = parsed.data;
  const explicit = Array.isArray((data as { serviceProfile?: unknown }).serviceProfile);
  subscription.serviceProfiles.forEach((profile, p) => {
    const base = explicit ? ['serviceProfile', p] : [];
    profile.source = where(base);
    profile.initialFilterCriteria.forEach((ifc, i) => {
      ifc.source = where([...base, 'initialFilterCriteria', i]);
      ifc.triggerPoint?.spts.forEach((spt, s) => {
        spt.source = where([...base, 'initialFilterCriteria', i, 'triggerPoint', 'spt', s]);
      });
    });
  });
  return { ok: true, subscription };
}
