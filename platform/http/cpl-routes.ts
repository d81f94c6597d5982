/**
 * CPL API (contract: .notes/cpl-http-api.md): a user's script (PUT/GET/DELETE
 * /api/v1/users/{aor}/cpl), its log (GET …/cpl/log), and the validator and simulator behind the
 * web composer (POST /api/v1/cpl/validate, POST /api/v1/cpl/simulate). A user may act only for
 * their own AOR; the admin token for anyone (HttpAccess).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { simulateCpl, simulationJson, type CplCompileOptions, type CplDiagnostic, type CplScriptCache } from '../../cpl/index.js';
import { CplScriptManager, type CplScriptStore } from '../../cpl/service/index.js';
import type { CplLogRepository } from '../store/cpl-log-repository.js';
import type { HttpAccess } from './http-access.js';
import type { HttpRoutes } from './http-server.js';

export interface CplRoutesOptions {
  scripts: CplScriptStore;
  logs: CplLogRepository;
  access: HttpAccess;
  /** The live engine's cache (`engine.cache`), refreshed on upload and removal. */
  cache?: CplScriptCache;
  /** The policy the engine compiles with (floatingTimeZone, lookupSources, …). */
  compile?: CplCompileOptions;
}

const XML_TYPES = new Set(['application/cpl+xml', 'text/xml', 'application/xml']);
/** Bodies above this are refused before parsing (the validator's own limit is lower). */
const BODY_LIMIT = 1024 * 1024;
const AOR = /^[^\s:@"\\/]{1,256}@[A-Za-z0-9.\-[\]:]{1,253}$/u;

const SimulateBody = z.object({
  script: z.string(),
  call: z.object({
    direction: z.enum(['incoming', 'outgoing']).optional(),
    method: z.string().max(32).optional(),
    from: z.string().max(4096),
    to: z.string().max(4096),
    requestUri: z.string().max(4096).optional(),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    time: z.union([z.string(), z.number()]).optional(),
    registrations: z.string().max(65536).optional(),
  }),
  outcomes: z.record(z.string(), z.union([z.string(), z.number().int()])).optional(),
});

export function createCplRoutes(options: CplRoutesOptions): HttpRoutes {
  const manager = new CplScriptManager(options.scripts, {
    ...(options.compile ? { compile: options.compile } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const { access } = options;

  return (app: FastifyInstance) => {
    // Scripts arrive as raw XML; everything but JSON is read as bytes and checked per route.
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
    app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
      const status = error.statusCode ?? 500;
      const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : status < 500 ? 'bad-request' : 'internal';
      void reply.status(status).send({ error: code, message: status < 500 ? error.message : 'internal error' });
    });

    app.put<{ Params: { aor: string } }>('/api/v1/users/:aor/cpl', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireUser(request, reply, aor))) return reply;
      const xml = xmlBody(request, reply);
      if (xml === undefined) return reply;
      const result = await manager.upload(aor, xml);
      if (!result.ok) {
        return reply.status(422).send({
          error: 'invalid-script',
          message: `The script was rejected: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}.`,
          problems: problems(result.errors),
          warnings: problems(result.warnings),
        });
      }
      const { record } = result;
      return reply.status(result.created ? 201 : 200).send({
        aor: record.aor,
        version: record.version,
        hash: record.hash,
        size: record.size,
        uploadedAt: new Date(record.uploadedAt).toISOString(),
        warnings: problems(result.warnings),
      });
    });

    app.get<{ Params: { aor: string } }>('/api/v1/users/:aor/cpl', async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireUser(request, reply, aor))) return reply;
      const record = await manager.get(aor);
      if (record === undefined) return reply.status(404).send({ error: 'not-found', message: `${aor} has no CPL script` });
      if (prefersJson(request)) {
        return reply.send({
          aor: record.aor,
          version: record.version,
          hash: record.hash,
          size: record.size,
          uploadedAt: new Date(record.uploadedAt).toISOString(),
          script: record.xml,
        });
      }
      return reply
        .header('Content-Type', 'application/cpl+xml; charset=utf-8')
        .header('ETag', `"${record.hash}"`)
        .header('Last-Modified', new Date(record.uploadedAt).toUTCString())
        .header('X-Cpl-Version', String(record.version))
        .send(record.xml);
    });

    app.delete<{ Params: { aor: string } }>('/api/v1/users/:aor/cpl', async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireUser(request, reply, aor))) return reply;
      if (!(await manager.remove(aor))) return reply.status(404).send({ error: 'not-found', message: `${aor} has no CPL script` });
      return reply.status(204).send();
    });

    app.get<{ Params: { aor: string }; Querystring: { limit?: string; before?: string } }>('/api/v1/users/:aor/cpl/log', async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireUser(request, reply, aor))) return reply;
      const limit = intParam(request.query.limit, 1, 500) ?? 100;
      const before = intParam(request.query.before, 1, Number.MAX_SAFE_INTEGER);
      if ((request.query.limit !== undefined && intParam(request.query.limit, 1, 500) === undefined) || (request.query.before !== undefined && before === undefined)) {
        return reply.status(400).send({ error: 'bad-request', message: 'limit must be 1–500 and before an entry id' });
      }
      const entries = await options.logs.list(aor, { limit, ...(before !== undefined ? { before } : {}) });
      return reply.send({
        aor,
        entries: entries.map((e) => ({
          id: e.id,
          time: new Date(e.time).toISOString(),
          name: e.name,
          comment: e.comment,
          origin: e.origin,
          destination: e.destination,
          callId: e.callId,
        })),
      });
    });

    app.post('/api/v1/cpl/validate', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if (!(await requireCaller(access, request, reply))) return reply;
      const xml = xmlBody(request, reply);
      if (xml === undefined) return reply;
      const result = manager.validate(xml);
      return reply.send({ valid: result.ok, problems: problems(result.errors), warnings: problems(result.warnings) });
    });

    app.post('/api/v1/cpl/simulate', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if (!(await requireCaller(access, request, reply))) return reply;
      const parsed = SimulateBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reply.status(400).send({ error: 'bad-request', message: issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad request body' });
      }
      const { script, call, outcomes } = parsed.data;
      const table: Record<string, string> = {};
      for (const [target, outcome] of Object.entries(outcomes ?? {})) table[target] = outcomeText(outcome);
      try {
        const simulation = simulateCpl(
          script,
          {
            from: call.from,
            to: call.to,
            ...(call.direction ? { direction: call.direction } : {}),
            ...(call.method ? { method: call.method } : {}),
            ...(call.requestUri ? { requestUri: call.requestUri } : {}),
            ...(call.headers ? { headers: call.headers } : {}),
            ...(call.time !== undefined ? { time: call.time } : {}),
            ...(call.registrations !== undefined ? { registrations: call.registrations } : {}),
          },
          table,
          options.compile ?? {},
        );
        return reply.send(simulationJson(simulation));
      } catch (error) {
        return reply.status(400).send({ error: 'bad-request', message: (error as Error).message.replace(/^simulateCpl: /u, '') });
      }
    });
  };
}

/** `answer` is the composer's word for 200; numbers are statuses. */
function outcomeText(outcome: string | number): string {
  if (typeof outcome === 'number') return String(outcome);
  const lower = outcome.trim().toLowerCase();
  return lower === 'answer' || lower === 'answered' ? '200' : outcome;
}

function problems(list: readonly CplDiagnostic[]): Array<{ line: number; column: number; rule: string; message: string }> {
  return list.map((p) => ({ line: p.line, column: p.column, rule: p.rule, message: p.message }));
}

/** `alice@sb.test` or `sip:alice@SB.test` → `alice@sb.test`; replies 400 when not an AOR. */
function aorParam(raw: string, reply: FastifyReply): string | undefined {
  const text = raw.replace(/^sips?:/iu, '');
  if (!AOR.test(text)) {
    void reply.status(400).send({ error: 'bad-request', message: `"${raw}" is not an address-of-record of the form user@domain` });
    return undefined;
  }
  const at = text.lastIndexOf('@');
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

/** The XML text of a script upload, or undefined after replying 415/400. */
function xmlBody(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!XML_TYPES.has(type)) {
    void reply.status(415).send({ error: 'unsupported-media-type', message: 'send the script as application/cpl+xml (or text/xml, application/xml)' });
    return undefined;
  }
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
    void reply.status(400).send({ error: 'bad-request', message: 'the request has no script in its body' });
    return undefined;
  }
  return request.body.toString('utf8');
}

function prefersJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /application\/json/iu.test(accept) && !/application\/cpl\+xml/iu.test(accept);
}

function intParam(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d{1,16}$/u.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/** Validation and simulation need a known caller (user or admin), not a particular one. */
async function requireCaller(access: HttpAccess, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if ((await access.identify(request)) !== undefined) return true;
  void reply.status(401).send({ error: 'unauthorized', message: 'sign in, or send the admin token' });
  return false;
}

/** The same factory under the name the web composer's test server imports. */
export const cplRoutes = createCplRoutes;
