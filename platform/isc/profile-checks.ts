/**
 * Checks the XML Schema cannot express, applied to a loaded profile whatever its format:
 * every SPT compiles (regular expressions accepted by the linear-time engine, header and method
 * names are tokens, SDP Line is one letter), ServerName is a SIP URI, priorities are distinct
 * within a service profile (TS 29.228 Annex B), limits hold. Some findings are warnings only.
 */
import { parseUri } from '../sip/index.js';
import type { ImsSubscription, ServicePointTrigger, SourcePosition } from './ifc-model.js';
import { problem, type ProfileLimits, type ProfileProblem } from './profile-problem.js';
import { compileSpt } from './spt-matcher.js';

export interface ProfileFindings {
  /** Make the profile unusable in strict mode (in lenient mode the iFC concerned is skipped). */
  errors: ProfileProblem[];
  warnings: ProfileProblem[];
}

export function checkSubscription(subscription: ImsSubscription, limits: ProfileLimits): ProfileFindings {
  const errors: ProfileProblem[] = [];
  const warnings: ProfileProblem[] = [];
  const at = (source: SourcePosition | undefined, message: string): ProfileProblem => problem(source?.line ?? 0, source?.column ?? 0, message);

  for (const profile of subscription.serviceProfiles) {
    if (profile.initialFilterCriteria.length > limits.maxFilterCriteria) {
      errors.push(at(profile.source, `more than ${limits.maxFilterCriteria} InitialFilterCriteria in one ServiceProfile`));
    }
    const seen = new Map<number, SourcePosition | undefined>();
    for (const ifc of profile.initialFilterCriteria) {
      const first = seen.get(ifc.priority);
      if (seen.has(ifc.priority)) {
        const other = first ? ` (line ${first.line})` : '';
        errors.push(at(ifc.source, `Priority ${ifc.priority} is also used by another InitialFilterCriteria${other}; TS 29.228 Annex B requires distinct priorities`));
      } else {
        seen.set(ifc.priority, ifc.source);
      }
      const server = ifc.applicationServer.serverName;
      if (!isSipUri(server)) errors.push(at(ifc.source, `ServerName '${server}' is not a SIP URI`));
      const spts = ifc.triggerPoint?.spts ?? [];
      if (spts.length > limits.maxSpts) errors.push(at(ifc.source, `more than ${limits.maxSpts} SPTs in one TriggerPoint`));
      for (const spt of spts) {
        const compiled = compileSpt(spt);
        if (!compiled.ok) errors.push(at(spt.source ?? ifc.source, compiled.error));
        warnings.push(...sptWarnings(spt).map((message) => at(spt.source ?? ifc.source, message)));
      }
    }
  }
  return { errors, warnings };
}

function isSipUri(text: string): boolean {
  try {
    return parseUri(text).kind === 'sip';
  } catch {
    return false;
  }
}

function sptWarnings(spt: ServicePointTrigger): string[] {
  const out: string[] = [];
  if (spt.registrationTypes.length > 0 && !(spt.kind === 'method' && spt.method === 'REGISTER')) {
    out.push('RegistrationType only applies to a Method REGISTER SPT; it is ignored here');
  }
  const pattern = spt.kind === 'request-uri' ? spt.requestUri : spt.kind === 'sip-header' || spt.kind === 'session-description' ? spt.content : undefined;
  if (pattern !== undefined && pattern !== pattern.trim()) {
    out.push(`the regular expression '${pattern}' has leading or trailing white space, which is part of the pattern`);
  }
  if (spt.kind === 'request-uri' && /^(sips?|tel):/i.test(pattern ?? '')) {
    out.push(`RequestURI is matched against the hostport of a SIP URI or the number of a tel URI (TS 29.228 Table F.1), so a pattern starting with '${pattern!.split(':')[0]}:' never matches that`);
  }
  return out;
}
