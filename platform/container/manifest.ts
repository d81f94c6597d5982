/**
 * `manifest.json` of an app folder: identity, entry file, resource limits and granted
 * capabilities (spec §B.3 `AppDefinition.limits`/`permissions`; JSR 289's `sip.xml` replaced by
 * a validated, typed file). Limits have sane defaults so a minimal manifest is three fields.
 */
import { z } from 'zod';
import { DeployError, type DeployProblem } from './deploy-error.js';

/** semver.org's recommended expression (2.0.0), with optional pre-release and build parts. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** `name` or `name:scope`, e.g. `store`, `http-egress:api.example.com`. */
const PERMISSION = /^[a-z][a-z0-9-]*(?::[^\s:][^\s]*)?$/;

const limitsSchema = z
  .object({
    /** Isolate heap limit (isolated-vm `memoryLimit`; its minimum is 8 MB). */
    memoryMb: z.number().int().min(8).max(512).default(64),
    /** CPU time one event may use across all its entries into the isolate (issue target: 50 ms). */
    cpuMsPerEvent: z.number().int().min(1).max(10_000).default(50),
    /** Wall-clock time one event may hold its session, awaits included (spec §B.5 "5 s hold"). */
    wallMsPerEvent: z.number().int().min(10).max(300_000).default(5_000),
    /** Live application sessions (distinct session keys) per app; more are refused as overloaded. */
    maxSessions: z.number().int().min(1).max(10_000_000).default(10_000),
  })
  .strict();

export const manifestSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and "-" only'),
    version: z.string().regex(SEMVER, 'a semantic version such as 1.0.0'),
    /** Entry file relative to the app folder, e.g. `src/index.ts`. */
    entry: z
      .string()
      .min(1)
      .refine((entry) => !entry.startsWith('/') && !entry.split(/[\\/]/).includes('..'), 'a path inside the app folder'),
    limits: limitsSchema.prefault({}),
    permissions: z.array(z.string().regex(PERMISSION, 'a capability name, optionally with ":scope"')).default([]),
  })
  .strict();

export type AppManifest = z.output<typeof manifestSchema>;
export type AppLimits = AppManifest['limits'];
/** What a manifest file may contain (limits and permissions optional). */
export type AppManifestInput = z.input<typeof manifestSchema>;

/** Validates a parsed `manifest.json`; throws `DeployError` listing every invalid field. */
export function parseManifest(input: unknown, file = 'manifest.json'): AppManifest {
  const result = manifestSchema.safeParse(input);
  if (result.success) return result.data;
  const problems: DeployProblem[] = result.error.issues.map((issue) => ({
    file,
    text: `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  }));
  throw new DeployError('invalid app manifest', problems);
}

/** Granted capabilities: name → scopes (`http-egress:a.example` and `http-egress:b.example` → two scopes). */
export type CapabilityGrants = ReadonlyMap<string, readonly string[]>;

export function grantsOf(manifest: AppManifest): CapabilityGrants {
  const grants = new Map<string, string[]>();
  for (const permission of manifest.permissions) {
    const colon = permission.indexOf(':');
    const name = colon < 0 ? permission : permission.slice(0, colon);
    const scopes = grants.get(name) ?? [];
    if (colon >= 0) scopes.push(permission.slice(colon + 1));
    grants.set(name, scopes);
  }
  return grants;
}
