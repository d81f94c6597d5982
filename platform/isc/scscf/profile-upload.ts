/**
 * The provisioning check of a service profile for a local user (CLI and HTTP): strict loading
 * (TS 29.228 schema and the checks the schema cannot make), and a ServiceProfile that lists the
 * user's own identity — otherwise the S-CSCF would never find it (24.229 §5.4.3.2 step 1).
 */
import { identityKey } from '../served-user.js';
import { loadProfile } from '../profile-parser.js';
import type { ProfileProblem } from '../profile-problem.js';

export type ProfileUploadCheck = { ok: true; warnings: ProfileProblem[]; ifcCount: number } | { ok: false; problems: ProfileProblem[] };

export function checkServiceProfile(aor: string, text: string): ProfileUploadCheck {
  const loaded = loadProfile(text);
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const own = identityKey(`sip:${aor}`);
  const listed = loaded.subscription.serviceProfiles.some((profile) => profile.publicIdentities.some((pi) => identityKey(pi.identity) === own));
  if (!listed) return { ok: false, problems: [{ line: 0, column: 0, message: `no ServiceProfile lists sip:${aor} as a PublicIdentity` }] };
  const ifcCount = loaded.subscription.serviceProfiles.reduce((n, profile) => n + profile.initialFilterCriteria.length, 0);
  return { ok: true, warnings: loaded.warnings, ifcCount };
}
