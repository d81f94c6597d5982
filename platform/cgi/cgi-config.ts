/**
 * The `cgi` configuration section and the factory the server calls: `createCgiEngine(config,
 * logger)` → a ServiceEngine. Which script runs is local policy (RFC 3050 §3.4); besides the
 * cgi-bin folder conventions (users/<user>@<host>, domains/<host>, see script-resolver.ts),
 * operators can map users, domains and Request-URI patterns to script files explicitly.
 */
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { CgiEngine } from './cgi-engine.js';
import { createCgiService, registrationsOf, type CgiServiceEngine, type HostRef } from './cgi-service.js';
import type { ScriptRoute } from './script-resolver.js';

const positive = z.number().int().positive();

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export const cgiConfigSchema = z
  .object({
    /** The cgi-bin folder; relative paths are taken from the working directory. */
    cgiBin: z.string().min(1).default('./cgi-bin'),
    /** `user@host` → script file in cgiBin (checked first). */
    users: z.record(z.string(), z.string()).default({}),
    /** Regular expression on the Request-URI → script file in cgiBin, in order. */
    routes: z
      .array(
        z.object({
          match: z.string().refine(compiles, { message: 'not a valid regular expression' }),
          script: z.string().min(1),
        }).strict(),
      )
      .default([]),
    /** `host` → script file in cgiBin (checked after users and routes). */
    domains: z.record(z.string(), z.string()).default({}),
    /** Wall-clock limit of one run; the whole process group is killed (504). */
    timeoutMs: positive.default(5000),
    /** Most stdout octets of one run (500 beyond). */
    maxOutputBytes: positive.default(256 * 1024),
    /** Scripts running at once. */
    maxConcurrent: positive.default(16),
    /** Runs waiting for a slot; one more is answered 503 at once. */
    maxQueue: z.number().int().nonnegative().default(64),
    /** Longest wait for a slot before 503 (default: timeoutMs). */
    maxQueueWaitMs: positive.optional(),
    /** Most actions in one output (500 beyond). */
    maxActions: positive.optional(),
    /** Request lines as action lines (new requests, RFC 3050 §3.1); needs core support. */
    allowNewRequests: z.boolean().default(false),
    /** Run scripts as this uid/gid (only when the server runs as root, §7.4). */
    runAs: z.object({ uid: z.number().int().nonnegative(), gid: z.number().int().nonnegative() }).optional(),
    /** SERVER_NAME (default: the first served domain, given by the server). */
    serverName: z.string().optional(),
    /** SERVER_PORT when the core does not report the receiving port (default: the server's SIP
     *  port given by the server, else 5060). */
    serverPort: positive.optional(),
    /** SERVER_SOFTWARE. */
    software: z.string().default('Switchboard'),
    /** PATH given to scripts. */
    scriptPath: z.string().optional(),
    /** Folder listing / stat cache, so dropped-in scripts are seen within this time. */
    scriptCacheMs: z.number().int().nonnegative().default(1000),
    /** Transaction state is dropped after this long whatever happens. */
    maxTransactionMs: positive.default(600_000),
  })
  .strict();

export type CgiConfig = z.input<typeof cgiConfigSchema>;

/** A bad `cgi` section: the message names every problem by its key (`cgi.timeoutMs: …`), so the
 *  server refuses to start with something an operator can act on. */
export class CgiConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validate the `cgi` section; throws CgiConfigError listing every problem. */
export function parseCgiConfig(config: unknown): z.output<typeof cgiConfigSchema> {
  const result = cgiConfigSchema.safeParse(config ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = ['cgi', ...issue.path.map(String)].join('.');
    return `  ${path}: ${issue.message}`;
  });
  throw new CgiConfigError(`invalid configuration: the cgi section (SIP-CGI) has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.join('\n')}`);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Explicit users, routes, domains as resolver routes, in that order. */
export function scriptRoutes(config: z.output<typeof cgiConfigSchema>): ScriptRoute[] {
  const routes: ScriptRoute[] = [];
  for (const [aor, script] of Object.entries(config.users)) {
    const at = aor.lastIndexOf('@');
    const user = aor.slice(0, at);
    const host = aor.slice(at + 1);
    // user@host as the Request-URI has it, then port/params/end. Case-insensitive as a whole
    // (hosts are; Node 20 has no inline (?i:) for the host alone).
    routes.push({ match: new RegExp(`^sips?:${escape(user)}@${escape(host)}(?=[:;?>]|$)`, 'i'), script });
  }
  for (const route of config.routes) routes.push({ match: new RegExp(route.match), script: route.script });
  for (const [host, script] of Object.entries(config.domains)) {
    routes.push({ match: new RegExp(`^sips?:(?:[^@]*@)?${escape(host)}(?=[:;?>]|$)`, 'i'), script });
  }
  return routes;
}

/**
 * The SIP-CGI service engine. `defaults` are what the server knows (its first domain, version
 * and SIP port); the `cgi` config section overrides them. Throws CgiConfigError on a bad section.
 */
export function createCgiEngine(
  config: CgiConfig,
  logger: Logger,
  defaults: { serverName?: string; version?: string; serverPort?: number } = {},
): CgiServiceEngine {
  const parsed = parseCgiConfig(config);
  const hostRef: HostRef = {};
  const engine = new CgiEngine({
    logger: logger.child({ engine: 'cgi' }),
    cgiBin: parsed.cgiBin,
    routes: scriptRoutes(parsed),
    server: {
      name: parsed.serverName ?? defaults.serverName ?? 'localhost',
      software: defaults.version ? `${parsed.software}/${defaults.version}` : parsed.software,
      ...(parsed.scriptPath ? { path: parsed.scriptPath } : {}),
    },
    invoker: {
      timeoutMs: parsed.timeoutMs,
      maxOutputBytes: parsed.maxOutputBytes,
      maxConcurrent: parsed.maxConcurrent,
      maxQueue: parsed.maxQueue,
      ...(parsed.maxQueueWaitMs === undefined ? {} : { maxQueueWaitMs: parsed.maxQueueWaitMs }),
      ...(parsed.runAs ? { runAs: parsed.runAs } : {}),
    },
    scriptCacheMs: parsed.scriptCacheMs,
    allowNewRequests: parsed.allowNewRequests,
    ...(parsed.maxActions === undefined ? {} : { maxActions: parsed.maxActions }),
    registrationsFor: (uri) => registrationsOf(hostRef, uri),
  });
  return createCgiService({ engine, logger, serverPort: parsed.serverPort ?? defaults.serverPort ?? 5060, maxTransactionMs: parsed.maxTransactionMs, hostRef });
}
