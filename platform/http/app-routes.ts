/**
 * Apps API (issue 5 §2), admin only (HttpAccess.requireAdmin):
 *   GET    /api/v1/apps                      deployed apps: version, versions draining, faults, sessions
 *   GET    /api/v1/apps/{name}
 *   POST   /api/v1/apps                      deploy: { "dir": "/path/on/server" } or
 *                                            { "files": { "manifest.json": "…", "src/index.ts": "…" } }
 *                                            201 deployed; 422 refused with its problems (old version keeps running)
 *   DELETE /api/v1/apps/{name}               undeploy (calls in progress end)
 *   GET    /api/v1/apps/{name}/kv?prefix=    the app's key-value store: keys
 *   GET|PUT|DELETE /api/v1/apps/{name}/kv/{key}   one JSON value (e.g. a call-screening block list)
 *   GET    /metrics/apps                     per-app counters in the Prometheus text format
 *
 * Named events (any authenticated caller: the admin token, or a user with their own credentials
 * or composer session; the app sees who in `event.caller` and decides what they may do):
 *   POST   /api/v1/apps/{name}/events/{event}   JSON body (≤ 64 KiB) → the app's `events[event]`
 *                                            handler in an application session of its own;
 *                                            202 { result } (what it returned), 404 no such app
 *                                            or event, 400/415 bad body, 503 disabled, 500 fault
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { DeployError, type DeployedApp, type JsonValue } from '../container/index.js';
import { asJson, formatAppMetrics, KV_LIMITS, type AppAdmin, type AppEventSink, type KvBackend } from '../sdk/host/index.js';
import type { HttpAccess } from './http-access.js';
import type { HttpRoutes } from './http-server.js';

export interface AppRoutesOptions {
  readonly apps: AppAdmin;
  readonly access: HttpAccess;
  /** The apps' key-value store; without it the kv routes answer 404. */
  readonly kv?: KvBackend;
  /** Where named events go (the app engine); without it the events route answers 404. */
  readonly events?: AppEventSink;
}

const BODY_LIMIT = 4 * 1024 * 1024;
const NAME = /^[a-z0-9-]{1,64}$/u;
const EVENT = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/u;
const EVENT_BODY_LIMIT = 64 * 1024;

const DeployBody = z.union([
  z.object({ dir: z.string().min(1).max(4096) }).strict(),
  z.object({ files: z.record(z.string().min(1).max(512), z.string()) }).strict(),
]);

export function appRoutes(options: AppRoutesOptions): HttpRoutes {
  const { apps, access, kv, events } = options;
  return (app: FastifyInstance) => {
    app.get('/api/v1/apps', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      return { apps: apps.list() };
    });

    app.get('/metrics/apps', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(formatAppMetrics(apps.list()));
    });

    app.get<{ Params: { name: string } }>('/api/v1/apps/:name', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const found = apps.list().find((entry) => entry.name === request.params.name);
      return found ?? notFound(reply, request.params.name);
    });

    app.post('/api/v1/apps', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const body = DeployBody.safeParse(request.body);
      if (!body.success) {
        return reply.status(400).send({ error: 'bad-request', message: 'send {"dir": "/absolute/app/folder"} or {"files": {"manifest.json": "…", …}}' });
      }
      let deployed: DeployedApp;
      try {
        deployed = 'dir' in body.data ? await deployDir(apps, body.data.dir) : await deployFiles(apps, body.data.files);
      } catch (error) {
        if (error instanceof DeployError) {
          return reply.status(422).send({ error: 'deploy-refused', message: error.message.split('\n')[0], problems: error.problems });
        }
        if (error instanceof BadUpload) return reply.status(400).send({ error: 'bad-request', message: error.message });
        throw error;
      }
      return reply.status(201).send(deployed);
    });

    app.delete<{ Params: { name: string } }>('/api/v1/apps/:name', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      return (await apps.undeploy(request.params.name)) ? reply.status(204).send() : notFound(reply, request.params.name);
    });

    app.get<{ Params: { name: string }; Querystring: { prefix?: string } }>('/api/v1/apps/:name/kv', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      if (kv === undefined || !NAME.test(request.params.name)) return notFound(reply, request.params.name);
      return { keys: kv.list(request.params.name, request.query.prefix ?? '', KV_LIMITS.maxList) };
    });

    app.get<{ Params: { name: string; key: string } }>('/api/v1/apps/:name/kv/:key', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      if (kv === undefined || !NAME.test(request.params.name)) return notFound(reply, request.params.name);
      const value = kv.get(request.params.name, request.params.key);
      return value === undefined ? reply.status(404).send({ error: 'not-found', message: `no key "${request.params.key}"` }) : { value };
    });

    app.put<{ Params: { name: string; key: string } }>('/api/v1/apps/:name/kv/:key', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      if (kv === undefined || !NAME.test(request.params.name)) return notFound(reply, request.params.name);
      const { key } = request.params;
      const value = (request.body ?? null) as JsonValue;
      if (key.length > KV_LIMITS.maxKeyChars || JSON.stringify(value).length > KV_LIMITS.maxValueChars) {
        return reply.status(413).send({ error: 'too-large', message: `keys up to ${KV_LIMITS.maxKeyChars} characters, values up to ${KV_LIMITS.maxValueChars} characters of JSON` });
      }
      kv.set(request.params.name, key, value);
      return reply.status(204).send();
    });

    app.post<{ Params: { name: string; event: string } }>('/api/v1/apps/:name/events/:event', { bodyLimit: EVENT_BODY_LIMIT }, async (request, reply) => {
      const caller = await access.identify(request);
      if (caller === undefined) {
        // No credentials, or a session cookie without its CSRF token: HttpAccess's own answer
        // (401 with a challenge, 403, 429). Rejected credentials are answered here, so that the
        // failure is counted once against the source.
        if (request.headers.authorization === undefined) return (await access.requireAdmin(request, reply)) ? reply.status(401).send() : reply;
        return reply.status(401).send({ error: 'unauthorized', message: 'the credentials were not accepted' });
      }
      const { name, event } = request.params;
      if (events === undefined || !NAME.test(name) || !EVENT.test(event)) return reply.status(404).send({ error: 'not-found', message: `no event "${event}" of app "${name}"` });
      if (request.body !== undefined && !/^application\/json\b/iu.test(request.headers['content-type'] ?? '')) {
        return reply.status(415).send({ error: 'unsupported-media-type', message: 'send the payload as application/json' });
      }
      const payload = asJson((request.body ?? null) as JsonValue);
      if (payload === undefined) return reply.status(400).send({ error: 'bad-request', message: 'the payload must be JSON nested at most 32 levels' });
      const answer = await events.deliverEvent(name, event, payload, caller.kind === 'admin' ? { kind: 'admin' } : { kind: 'user', aor: caller.aor });
      switch (answer.kind) {
        case 'ok':
          return reply.status(202).send({ result: answer.value });
        case 'not-found':
          return reply.status(404).send({ error: 'not-found', message: answer.message });
        case 'unavailable':
          return reply.status(503).send({ error: 'unavailable', message: answer.message });
        case 'fault':
          request.log.warn({ app: name, event }, answer.message);
          return reply.status(500).send({ error: 'app-fault', message: answer.message });
      }
    });

    app.delete<{ Params: { name: string; key: string } }>('/api/v1/apps/:name/kv/:key', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      if (kv === undefined || !NAME.test(request.params.name)) return notFound(reply, request.params.name);
      return kv.delete(request.params.name, request.params.key) ? reply.status(204).send() : reply.status(404).send({ error: 'not-found', message: `no key "${request.params.key}"` });
    });
  };
}

class BadUpload extends Error {}

function notFound(reply: FastifyReply, name: string): FastifyReply {
  return reply.status(404).send({ error: 'not-found', message: `no app "${name}"` });
}

async function deployDir(apps: AppAdmin, dir: string): Promise<DeployedApp> {
  if (!isAbsolute(dir)) throw new BadUpload('"dir" must be an absolute path on the server');
  return apps.deployDir(dir);
}

/** Writes the uploaded files to a temporary folder, deploys it, removes the folder. */
async function deployFiles(apps: AppAdmin, files: Record<string, string>): Promise<DeployedApp> {
  const root = await mkdtemp(join(tmpdir(), 'switchboard-upload-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const clean = normalize(path);
      if (isAbsolute(clean) || clean.split(/[\\/]/u).includes('..')) throw new BadUpload(`file "${path}" is outside the app folder`);
      await mkdir(dirname(join(root, clean)), { recursive: true });
      await writeFile(join(root, clean), content);
    }
    return await apps.deployDir(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
