/**
 * The core of `switchboard ifc check PROFILE --request FILE --session-case N`: load a user
 * profile and a request, pick the served user's ServiceProfile, evaluate its iFCs and say which
 * application servers fire, in which order, and why — as text, or as JSON for scripts.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '../log/logger.js';
import { formatUri } from '../sip/index.js';
import { IfcEngine, type IfcVerdict } from './ifc-engine.js';
import { DefaultHandling, describeSessionCase, effectiveDefaultHandling, labelOf, RegistrationType, SessionCase } from './ifc-model.js';
import type { RegistrationType as RegistrationTypeValue, SessionCase as SessionCaseValue } from './ifc-model.js';
import { loadProfile } from './profile-parser.js';
import { formatProblem } from './profile-problem.js';
import { readRequestFile } from './request-file.js';
import { findServiceProfile } from './served-user.js';

export interface IfcCheckInput {
  profileText: string;
  /** Shown in messages, e.g. the file name. */
  profileName: string;
  requestData: Buffer;
  requestName: string;
  /** tDirectionOfRequest value 0–4. */
  sessionCase: number;
  /** `--registered` / `--unregistered`; both undefined = implied by the session case. */
  registered?: boolean;
  servedUser?: string;
  registrationType?: number;
  /** Match RequestURI SPTs against the whole Request-URI (Kamailio) instead of Table F.1's part. */
  wholeUri?: boolean;
}

/** One fired iFC in the `--json` output. */
export interface FiredIfcJson {
  priority: number;
  server: string;
  defaultHandling: keyof typeof DefaultHandling;
  serviceInfo: string | null;
  explanation: string[];
}

export interface IfcCheckReport {
  request: string;
  sessionCase: SessionCaseValue;
  registered: boolean;
  profileIndex: number;
  servedUser: string;
  identities: string[];
  verdicts: IfcVerdict[];
  /** Repairs made to the request file and observations about the profile. */
  notes: string[];
  /** Profile warnings, as `file:line:column: message`. */
  warnings: string[];
}

export type IfcCheckResult = { ok: true; report: IfcCheckReport } | { ok: false; errors: string[] };

export function checkIfc(input: IfcCheckInput, logger: Logger): IfcCheckResult {
  const state = sessionState(input);
  if ('error' in state) return { ok: false, errors: [state.error] };

  const loaded = loadProfile(input.profileText);
  if (!loaded.ok) return { ok: false, errors: loaded.problems.map((p) => formatProblem(input.profileName, p)) };
  const file = readRequestFile(input.requestData);
  if (!file.ok) return { ok: false, errors: [`${input.requestName}: ${file.error}`] };
  const { request } = file;

  const found = findServiceProfile(loaded.subscription, request, state.sessionCase, input.servedUser);
  if (!found.ok) return { ok: false, errors: [found.error] };
  const { match } = found;
  const notes = file.notes.map((n) => `${input.requestName}: ${n}`);
  if (match.identity === undefined) notes.push('the served user is not among the profile\'s identities; using its only ServiceProfile');
  if (match.barred) notes.push(`${match.identity} is barred (BarringIndication): an S-CSCF would refuse originating requests with 403`);
  if (match.profile.sharedIfcSetIds.length > 0) {
    notes.push(`shared iFC sets ${match.profile.sharedIfcSetIds.join(', ')} are referenced but not expanded (they live in the S-CSCF's configuration)`);
  }

  const engine = IfcEngine.compile(match.profile.initialFilterCriteria, logger, { requestUriTarget: input.wholeUri ? 'uri' : 'hostport' });
  const verdicts = engine.explain(request, {
    sessionCase: state.sessionCase,
    registered: state.registered,
    ...(input.registrationType === undefined ? {} : { registrationType: input.registrationType as RegistrationTypeValue }),
  });
  return {
    ok: true,
    report: {
      request: `${request.method} ${formatUri(request.uri)}`,
      sessionCase: state.sessionCase,
      registered: state.registered,
      profileIndex: match.index,
      servedUser: match.identity ?? '(not matched)',
      identities: match.profile.publicIdentities.map((p) => p.identity),
      verdicts,
      notes: match.source ? [`served user ${match.identity} taken from ${match.source}`, ...notes] : notes,
      warnings: loaded.warnings.map((p) => formatProblem(input.profileName, p)),
    },
  };
}

/**
 * Session case and registration state. Values 0–3 imply the state (0, 1 registered; 2, 3 not);
 * a contradicting flag is an error. Value 4 (ORIGINATING_CDIV) takes the flag, default registered.
 */
function sessionState(input: IfcCheckInput): { sessionCase: SessionCaseValue; registered: boolean } | { error: string } {
  const n = input.sessionCase;
  if (!Number.isInteger(n) || n < 0 || n > 4) {
    return { error: `--session-case must be a tDirectionOfRequest value 0-4 (${Object.entries(SessionCase).map(([l, v]) => `${v} ${l}`).join(', ')}), got ${n}` };
  }
  const sessionCase = n as SessionCaseValue;
  if (input.registrationType !== undefined && ![0, 1, 2].includes(input.registrationType)) {
    return { error: `--registration-type must be 0, 1 or 2 (${Object.entries(RegistrationType).map(([l, v]) => `${v} ${l}`).join(', ')}), got ${input.registrationType}` };
  }
  const implied = sessionCase === SessionCase.ORIGINATING_CDIV ? undefined : sessionCase <= 1;
  if (implied !== undefined && input.registered !== undefined && input.registered !== implied) {
    return { error: `--session-case ${describeSessionCase(sessionCase)} is for ${implied ? 'a registered' : 'an unregistered'} served user; it contradicts --${input.registered ? 'registered' : 'unregistered'}` };
  }
  return { sessionCase, registered: input.registered ?? implied ?? true };
}

export function firedAsJson(report: IfcCheckReport): FiredIfcJson[] {
  return report.verdicts
    .filter((v) => v.fired)
    .map((v) => ({
      priority: v.ifc.priority,
      server: v.ifc.applicationServer.serverName,
      defaultHandling: labelOf(DefaultHandling, effectiveDefaultHandling(v.ifc.applicationServer)) as keyof typeof DefaultHandling,
      serviceInfo: v.ifc.applicationServer.serviceInfo ?? null,
      explanation: [v.summary, ...v.spts],
    }));
}

export function formatCheckText(report: IfcCheckReport): string {
  const out: string[] = [];
  out.push(`Request: ${report.request}`);
  out.push(`Session case: ${describeSessionCase(report.sessionCase)}, served user ${report.registered ? 'registered' : 'unregistered'}`);
  out.push(`Served user: ${report.servedUser} (ServiceProfile ${report.profileIndex + 1}: ${report.identities.join(', ') || 'no identities'})`);
  for (const note of report.notes) out.push(`Note: ${note}`);
  out.push('');
  const fired = report.verdicts.filter((v) => v.fired);
  const missed = report.verdicts.filter((v) => !v.fired);
  if (fired.length === 0) {
    out.push('No application server fires.');
  } else {
    out.push(`Application servers that fire, in order (${fired.length} of ${report.verdicts.length} iFCs):`);
    fired.forEach((v, i) => {
      const as = v.ifc.applicationServer;
      const info = as.serviceInfo === undefined ? '' : `, ServiceInfo "${as.serviceInfo}"`;
      out.push(`  ${i + 1}. ${as.serverName}  (priority ${v.ifc.priority}, DefaultHandling ${labelOf(DefaultHandling, effectiveDefaultHandling(as))}${info})`);
      pushReasons(out, v);
    });
  }
  if (missed.length > 0) {
    out.push('');
    out.push('Not fired:');
    for (const v of missed) {
      out.push(`  - ${v.ifc.applicationServer.serverName}  (priority ${v.ifc.priority})`);
      pushReasons(out, v);
    }
  }
  return `${out.join('\n')}\n`;
}

function pushReasons(out: string[], v: IfcVerdict): void {
  out.push(`       ${v.summary}`);
  for (const line of v.spts) out.push(`       ${line}`);
}

/** File-reading front end for the command: reads both files, then checkIfc. */
export async function checkIfcFiles(
  files: { profile: string; request: string },
  options: Omit<IfcCheckInput, 'profileText' | 'profileName' | 'requestData' | 'requestName'>,
  logger: Logger,
): Promise<IfcCheckResult> {
  const read = async (path: string): Promise<Buffer | string> => {
    try {
      return await readFile(path);
    } catch (error) {
      return `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  };
  const profile = await read(files.profile);
  if (typeof profile === 'string') return { ok: false, errors: [profile] };
  const request = await read(files.request);
  if (typeof request === 'string') return { ok: false, errors: [request] };
  return checkIfc({ ...options, profileText: profile.toString('utf8'), profileName: files.profile, requestData: request, requestName: files.request }, logger);
}
