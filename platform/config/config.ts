/**
 * Server configuration: one schema (zod) with the embedded defaults, loaded from an optional
 * YAML/JSON file and command-line overrides. Every field has a default, so `switchboard start`
 * with no file runs a home server for domain `localhost`: registrar, digest authentication and
 * a record-routing stateful proxy on SIP UDP+TCP 5060, the HTTP API on 8080, data under ./data.
 */
import { traceConfigSchema } from '../trace/trace-config.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { appsConfigSchema } from '../sdk/host/apps-config.js';

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
    /** Each UDP socket in a thread of its own: the send system calls leave the server thread. */
    udpSocketThread: z.boolean().default(true),
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
    /** Bearer token of the admin API. Unset: generated at first start into
     *  `<dataDir>/admin-token` (mode 0600) and reused afterwards. */
    adminToken: z.string().min(16, 'at least 16 characters').optional(),
  })
  .strict();

/** RFC 3261 §10.3 step 7 limits, in seconds as on the wire. */
const registrarSchema = z
  .object({
    minExpires: z.number().int().min(1).default(60),
    maxExpires: z.number().int().min(1).default(3600),
    defaultExpires: z.number().int().min(1).default(3600),
    maxContactsPerAor: z.number().int().min(1).default(10),
  })
  .strict()
  .refine((r) => r.minExpires <= r.maxExpires, { message: 'minExpires must not exceed maxExpires' })
  .refine((r) => r.defaultExpires >= r.minExpires && r.defaultExpires <= r.maxExpires, {
    message: 'defaultExpires must lie between minExpires and maxExpires',
  });

const proxySchema = z
  .object({
    /** Timer C (§16.6 step 11): "MUST be greater than 3 minutes". */
    timerCMs: z.number().int().min(180_001, 'Timer C must be greater than 3 minutes (RFC 3261 §16.6)').default(185_000),
    /** Record-Route initial requests (§16.6 step 4), so in-dialog requests come back here. */
    recordRoute: z.boolean().default(true),
    /** How a user's registered contacts are tried: by q-value groups (`by-q`, §16.6), all at
     *  once, or one after the other. */
    forking: z.enum(['by-q', 'parallel', 'sequential']).default('by-q'),
    /** How long a group that is not the last one rings before the next group starts. */
    sequentialTimeoutMs: z.number().int().min(1000).default(20_000),
    /** Recurse on 3xx contacts (§16.7 step 4). */
    recurseOn3xx: z.boolean().default(false),
    maxBranches: z.number().int().min(1).max(100).default(16),
    /** Domains answered in redirect mode: 302 with the registered contacts instead of proxying. */
    redirectDomains: z.array(z.string().min(1)).default([]),
    /** Reach a contact at the address it registered from: when it looks NATed, always, never. */
    receivedRouting: z.enum(['nat', 'always', 'never']).default('nat'),
    /** Forward requests for foreign domains without authentication (an open relay if true). */
    allowRelay: z.boolean().default(false),
  })
  .strict();

const authSchema = z
  .object({
    /** Digest algorithms offered, most preferred first (RFC 8760 §2.3). Clients that answer
     *  only the first challenge and only know MD5 (SIPp 3.6, older phones) need MD5 first. */
    algorithms: z.array(z.enum(['SHA-256', 'MD5'])).min(1).default(['SHA-256', 'MD5']),
    /** Age after which a nonce is stale (the client retries without asking its user). */
    nonceLifetimeMs: z.number().int().min(10_000).default(300_000),
    /** Challenge (407) initial requests whose From is one of our domains (§22.3). */
    authenticateRequests: z.boolean().default(true),
    /** Failed authentications per source address (SIP digest and HTTP logins). */
    rateLimit: z
      .object({
        maxFailures: z.number().int().min(1).default(10),
        windowMs: z.number().int().min(1000).default(60_000),
        blockMs: z.number().int().min(1000).default(300_000),
      })
      .strict()
      .default({ maxFailures: 10, windowMs: 60_000, blockMs: 300_000 }),
  })
  .strict();

const cplSchema = z
  .object({
    /** Zone of time-switches without tzid (RFC 3880 §4.4 "local timezone of the CPL server"). */
    floatingTimeZone: z.string().default('UTC'),
    maxLogEntriesPerUser: z.number().int().positive().default(1000),
    limits: z
      .object({
        maxSteps: z.number().int().positive(),
        maxCpuMillis: z.number().positive(),
        maxWallMillis: z.number().int().positive(),
        maxProxyActions: z.number().int().positive(),
        maxLookupSeconds: z.number().int().positive(),
      })
      .partial()
      .strict()
      .default({}),
    /** SMTP relay for CPL `mail` (RFC 3880 §7.1); absent: mail nodes are logged and dropped. */
    mail: z
      .object({
        smtpHost: z.string().min(1),
        smtpPort: z.number().int().min(1).max(65535).default(25),
        secure: z.boolean().default(false),
        user: z.string().optional(),
        password: z.string().optional(),
        from: z.string().min(3),
      })
      .strict()
      .optional(),
  })
  .strict();

const iscSchema = z
  .object({
    /** Act as an IMS Application Server for requests an S-CSCF routes here (TS 24.229 §5.7). */
    enabled: z.boolean().default(false),
    /** S-CSCFs whose requests get ISC treatment: `host` or `host:port` ([v6]:port). The Route
     *  after ours must name one, and the request must come from its address. */
    trustedScscf: z.array(z.string().min(1)).default([]),
    /** Our iFC ServerName when it names us by a host the listeners/domains do not. */
    asUri: z.string().regex(/^sips?:/u, 'a sip: or sips: URI').optional(),
    /** Record-Route every request sent back to the S-CSCF (default: only when a service asks). */
    recordRoute: z.boolean().default(false),
    /** History-Info (RFC 7044) on retargeting. */
    historyInfo: z.boolean().default(true),
    /** The S-CSCF that requests our services originate go to, with `orig` (TS 24.229 §5.7.3). */
    originatingScscf: z.string().regex(/^sips?:/u, 'a sip: or sips: URI').optional(),
  })
  .strict()
  .refine((isc) => !isc.enabled || isc.trustedScscf.length > 0, { message: 'isc.enabled needs isc.trustedScscf' });

const scscfSchema = z
  .object({
    /** Act as the triggering S-CSCF for our users: their service profiles' iFCs
     *  (`switchboard ifc profile put`) route initial requests through application servers. */
    enabled: z.boolean().default(false),
    /** How long an AS may stay silent before its iFC's DefaultHandling applies, ms. */
    asTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
    /** Lifetime of an original-dialog identifier (ODI) token, ms. */
    odiTtlMs: z.number().int().min(1000).max(3_600_000).default(180_000),
    /** Our own URI as S-CSCF (From and Contact of third-party REGISTERs, TS 24.229 §5.4.1.7);
     *  default: our listener address towards each AS. */
    uri: z.string().regex(/^sips?:/u).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    sip: sipSchema.default(sipSchema.parse({})),
    http: httpSchema.default(httpSchema.parse({})),
    registrar: registrarSchema.default(registrarSchema.parse({})),
    cpl: cplSchema.default(cplSchema.parse({})),
    proxy: proxySchema.default(proxySchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    /** Sandboxed TypeScript apps (platform/sdk/host validates the section). */
    apps: appsConfigSchema.prefault({}),
    isc: iscSchema.default(iscSchema.parse({})),
    scscf: scscfSchema.default(scscfSchema.parse({})),
    /** SIP-CGI (RFC 3050); absent: no scripts. Validated by platform/cgi (cgiConfigSchema) at startup. */
    cgi: z.record(z.string(), z.unknown()).optional(),
    trace: traceConfigSchema.prefault({}),
    dataDir: z.string().min(1).default('./data'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    /** SIP domains this server is responsible for (standalone mode): users live in them, the
     *  registrar keeps their bindings, and they are the digest realms. The first is the default
     *  domain (`switchboard user add alice`, a login as `alice`). */
    domains: z
      .array(z.string().min(1).regex(/^[^\s:@/;?"\\]+$/u, 'a host name or IP address'))
      .min(1)
      .default(['localhost'])
      .transform((domains) => [...new Set(domains.map((domain) => domain.toLowerCase()))]),
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
