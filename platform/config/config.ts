/**
 * Server configuration: one schema (zod) with the embedded defaults, loaded from an optional
 * YAML/JSON file and command-line overrides. Every field has a default, so `switchboard start`
 * with no file runs: SIP on UDP+TCP 5060, HTTP on 8080, data under ./data.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);

const tlsSchema = z
  .object({
    port: port.default(5061),
    cert: z.string().min(1, 'path to the PEM certificate'),
    key: z.string().min(1, 'path to the PEM private key'),
  })
  .strict();

const sipSchema = z
  .object({
    /** Address to bind; `0.0.0.0` for every IPv4 interface, `::` for IPv6 too. */
    host: z.string().min(1).default('0.0.0.0'),
    port: port.default(5060),
    transports: z.array(z.enum(['udp', 'tcp'])).min(1).default(['udp', 'tcp']),
    tls: tlsSchema.optional(),
    /** Host written in Via/Record-Route/Contact when `host` is a wildcard. */
    advertisedHost: z.string().min(1).optional(),
    maxMessageSize: z.number().int().min(1024).max(1_048_576).default(65_535),
    maxConnections: z.number().int().min(1).default(1024),
    idleTimeoutMs: z.number().int().min(1000).default(120_000),
    timers: z
      .object({
        t1: z.number().int().min(1).default(500),
        t2: z.number().int().min(1).default(4000),
        t4: z.number().int().min(1).default(5000),
      })
      .strict()
      .default({ t1: 500, t2: 4000, t4: 5000 }),
  })
  .strict();

const httpSchema = z
  .object({
    host: z.string().min(1).default('0.0.0.0'),
    port: port.default(8080),
  })
  .strict();

export const configSchema = z
  .object({
    sip: sipSchema.default(sipSchema.parse({})),
    http: httpSchema.default(httpSchema.parse({})),
    dataDir: z.string().min(1).default('./data'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** SIP domains this server is responsible for (standalone mode). */
    domains: z.array(z.string().min(1)).default(['localhost']),
  })
  .strict();

export type SwitchboardConfig = z.infer<typeof configSchema>;

/** Overrides from command-line flags; applied after the file. */
export interface ConfigOverrides {
  host?: string;
  sipPort?: number;
  httpPort?: number;
  dataDir?: string;
  logLevel?: SwitchboardConfig['log']['level'];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Load, merge and validate. Throws ConfigError with every problem named by its path. */
export function loadConfig(file?: string, overrides: ConfigOverrides = {}): SwitchboardConfig {
  const raw = file ? readConfigFile(file) : {};
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const where = file ? ` in ${file}` : '';
    throw new ConfigError(`invalid configuration${where}:\n${z.prettifyError(result.error)}`);
  }
  return applyOverrides(result.data, overrides);
}

function readConfigFile(file: string): unknown {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`);
  }
  try {
    // YAML is a superset of JSON, so one parser serves both.
    const parsed: unknown = parseYaml(text);
    return parsed ?? {};
  } catch (error) {
    throw new ConfigError(`configuration file ${path} is not valid YAML/JSON: ${(error as Error).message}`);
  }
}

function applyOverrides(config: SwitchboardConfig, overrides: ConfigOverrides): SwitchboardConfig {
  const next: SwitchboardConfig = structuredClone(config);
  if (overrides.host !== undefined) {
    next.sip.host = overrides.host;
    next.http.host = overrides.host;
  }
  if (overrides.sipPort !== undefined) next.sip.port = checkPort(overrides.sipPort, '--sip-port');
  if (overrides.httpPort !== undefined) next.http.port = checkPort(overrides.httpPort, '--http-port');
  if (overrides.dataDir !== undefined) next.dataDir = overrides.dataDir;
  if (overrides.logLevel !== undefined) next.log.level = overrides.logLevel;
  return next;
}

function checkPort(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${flag} must be a port number from 0 to 65535, got ${value}`);
  }
  return value;
}
