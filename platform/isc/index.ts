/**
 * Public entry of platform/isc: the TS 29.228 initial Filter Criteria model, profile loading
 * (XML and YAML/JSON), the evaluation engine and the `ifc check` core. Pure logic (no sockets);
 * imports only platform/sip and platform/log.
 */
export * from './ifc-model.js';
export { IfcEngine, type IfcEngineOptions, type IfcVerdict, type InvalidIfc, type EvaluationContext } from './ifc-engine.js';
export type { RequestUriTarget } from './request-view.js';
export { loadProfile, detectFormat, type LoadProfileOptions, type LoadProfileResult, type ProfileFormat } from './profile-parser.js';
export { DEFAULT_PROFILE_LIMITS, formatProblem, type ProfileLimits, type ProfileProblem } from './profile-problem.js';
export { profileDocumentSchema } from './profile-yaml.js';
export { findServiceProfile, identityKey, type ServedUserMatch, type ServedUserResult } from './served-user.js';
export { readRequestFile, type RequestFileResult } from './request-file.js';
export { checkIfc, checkIfcFiles, firedAsJson, formatCheckText, type FiredIfcJson, type IfcCheckInput, type IfcCheckReport, type IfcCheckResult } from './ifc-check.js';
export { compileSafeRegex, MAX_MATCH_INPUT, MAX_PATTERN_LENGTH, type SafeRegex } from './regex/safe-regex.js';
