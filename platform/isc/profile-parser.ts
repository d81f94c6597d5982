/**
 * Loading a user profile: TS 29.228 XML (IMSSubscription) or its YAML/JSON form, then the
 * checks the schema cannot make. Strict by default — the right choice for provisioning and the
 * CLI: any error refuses the document. Lenient mode (for a profile already provisioned in an HSS,
 * where refusing would leave the subscriber without any service) keeps the document and turns
 * the errors into warnings; the engine then skips the iFCs that do not compile.
 */
import type { ImsSubscription } from './ifc-model.js';
import { checkSubscription } from './profile-checks.js';
import { DEFAULT_PROFILE_LIMITS, type ProfileLimits, type ProfileProblem } from './profile-problem.js';
import { loadProfileXml } from './profile-xml.js';
import { loadProfileYaml } from './profile-yaml.js';

export type ProfileFormat = 'xml' | 'yaml';

export interface LoadProfileOptions {
  /** Default: XML when the first non-blank character is `<`, else YAML (which includes JSON). */
  format?: ProfileFormat;
  /** Default true: errors refuse the document. */
  strict?: boolean;
  limits?: Partial<ProfileLimits>;
}

export type LoadProfileResult =
  | { ok: true; subscription: ImsSubscription; warnings: ProfileProblem[] }
  | { ok: false; problems: ProfileProblem[] };

export function loadProfile(text: string, options: LoadProfileOptions = {}): LoadProfileResult {
  const limits = { ...DEFAULT_PROFILE_LIMITS, ...options.limits };
  if (text.trim().length === 0) return { ok: false, problems: [{ line: 0, column: 0, message: 'the document is empty' }] };
  const format = options.format ?? detectFormat(text);
  const loaded = format === 'xml' ? loadProfileXml(text, limits) : loadProfileYaml(text, limits);
  if (!loaded.ok) return loaded;
  const { errors, warnings } = checkSubscription(loaded.subscription, limits);
  if (errors.length > 0 && options.strict !== false) return { ok: false, problems: byPosition(errors) };
  return { ok: true, subscription: loaded.subscription, warnings: byPosition([...errors, ...warnings]) };
}

export function detectFormat(text: string): ProfileFormat {
  return text.trimStart().startsWith('<') ? 'xml' : 'yaml';
}

function byPosition(problems: ProfileProblem[]): ProfileProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
}
