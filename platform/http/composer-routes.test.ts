/** The composer's static files at /composer/, and the 503 page when they are not built. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { composerRoutes, defaultComposerRoot } from './composer-routes.js';

const apps: FastifyInstance[] = [];
const dirs: string[] = [];

async function appWith(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(async (scope) => composerRoutes({ root })(scope));
  app.get('/api/v1/ping', async () => ({ ok: true }));
  await app.ready();
  apps.push(app);
  return app;
}

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('composer routes', () => {
  it('serves the built page, its hashed assets with long caching, and redirects /composer', async () => {
    const root = mkdtempSync(join(tmpdir(), 'composer-dist-'));
    dirs.push(root);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Call rules</title><script type="module" src="/composer/assets/index-abc.js"></script>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = await appWith(root);

    const redirect = await app.inject({ url: '/composer' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/composer/');

    const page = await app.inject({ url: '/composer/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).toContain('Call rules');

    const asset = await app.inject({ url: '/composer/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');

    expect((await app.inject({ url: '/composer/assets/nope.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/composer/../package.json' })).statusCode).not.toBe(200);
    expect((await app.inject({ url: '/api/v1/ping' })).json()).toEqual({ ok: true });
  });

  it('answers 503 with build instructions when the composer is not built', async () => {
    const app = await appWith(join(tmpdir(), 'no-such-composer-build'));
    for (const url of ['/composer/', '/composer/assets/index.js']) {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(503);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.body).toContain('npm run build');
    }
  });

  it('finds web-composer/dist of this checkout by default', () => {
    expect(defaultComposerRoot()).toMatch(/web-composer[\\/]dist$/);
  });
});
