/**
 * Serves the web CPL composer (web-composer/, built by `npm run build:composer` into
 * web-composer/dist) at /composer/. The composer talks only to the API under /api/v1. When the
 * build is missing, /composer answers 503 with a page saying how to build it, instead of 404s.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpRoutes } from './http-server.js';

export interface ComposerRoutesOptions {
  /** The built composer (a folder with index.html). Default: web-composer/dist of this checkout. */
  root?: string;
}

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Composer not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The call-rule composer is not built</h1>
<p>This server has no build of the web composer. Build it once in the Switchboard folder with
<code>npm run build</code> (or <code>npm run build:composer</code>), then reload this page.</p>
<p>The HTTP API under <code>/api/v1</code> works without it.</p>
</body></html>
`;

/** web-composer/dist of the checkout this module runs from (source or compiled under dist/). */
export function defaultComposerRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web-composer', 'index.html'))) return join(dir, 'web-composer', 'dist');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve('web-composer', 'dist');
}

export function composerRoutes(options: ComposerRoutesOptions = {}): HttpRoutes {
  const root = options.root ?? defaultComposerRoot();
  return async (app: FastifyInstance) => {
    app.get('/composer', async (_request, reply) => reply.redirect('/composer/', 302));
    if (!existsSync(join(root, 'index.html'))) {
      const missing = async (_request: unknown, reply: FastifyReply): Promise<FastifyReply> =>
        reply.code(503).header('content-type', 'text/html; charset=utf-8').header('retry-after', '3600').send(MISSING_PAGE);
      app.get('/composer/', missing);
      app.get('/composer/*', missing);
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/composer/',
      decorateReply: false,
      index: 'index.html',
      // Built assets carry a content hash in their names: cache them for good; never the page.
      setHeaders: (reply, path) => {
        if (/[\\/]assets[\\/]/.test(path)) reply.header('cache-control', 'public, max-age=31536000, immutable');
        else reply.header('cache-control', 'no-cache');
        reply.header('x-content-type-options', 'nosniff');
        reply.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'");
      },
    });
  };
}
