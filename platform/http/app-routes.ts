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
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { DeployError, type DeployedApp, type JsonValue } from '../container/index.js';
import { formatAppMetrics, KV_LIMITS, type AppAdmin, type KvBackend } from '../sdk/host/index.js';
import type { HttpAccess } from './http-access.js';
import type { HttpRoutes } from './http-server.js';

export interface AppRoutesOptions {
  readonly apps: AppAdmin;
  readonly access: HttpAccess;
  /** The apps' key-value store; without it the kv routes answer 404. */
  readonly kv?: KvBackend;
}

const BODY_LIMIT = 4 * 1024 * 1024;
const NAME = /^[a-z0-9-]{1,64}$/u;

const DeployBody = z.union([
  z.object({ dir: z.string().min(1).max(4096) }).strict(),
  z.object({ files: z.record(z.string().min(1).max(512), z.string()) }).strict(),
]);

export function appRoutes(options: AppRoutesOptions): HttpRoutes {
  const { apps, access, kv } = options;
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
