/**
 * Hostile CPL uploads against the real HTTP server (platform/http/http-server.ts with the CPL
 * routes, listening on 127.0.0.1): each is refused with a named error, none hangs, and the
 * server answers other requests meanwhile and afterwards.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureRateLimiter } from '../../platform/auth/failure-rate-limiter.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCplRoutes } from '../../platform/http/cpl-routes.js';
import { StoreHttpAccess } from '../../platform/http/http-access-service.js';
import { HttpServer } from '../../platform/http/http-server.js';
import { SessionStore } from '../../platform/http/session-store.js';
import { silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { openSqliteStore, type SqliteStore } from '../../platform/store/sqlite-store.js';

const hostile = (name: string): string => readFileSync(new URL(`../../cpl/fixtures/hostile/${name}`, import.meta.url), 'utf8');

describe('hostile CPL uploads over HTTP', () => {
  let server: HttpServer;
  let store: CplStore;
  let users: SqliteStore;
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    // The real server pieces: the user store, the access rules (admin token or the user's own
    // SIP credentials), the HTTP server, the CPL routes, all in one data folder.
    dataDir = mkdtempSync(join(tmpdir(), 'switchboard-cpl-http-'));
    users = openSqliteStore({ dataDir, logger: silentLogger });
    await users.users.add({ username: 'bob', domain: 'sb.test', password: 'pw-bob' });
    store = openCplStore({ dataDir, logger: silentLogger });
    const access = new StoreHttpAccess({ adminToken: 'admin-token', users: users.users, sessions: new SessionStore(), limiter: new FailureRateLimiter(), domains: ['sb.test'] });
    server = new HttpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, statusSource: { status: () => ({}) }, routes: [createCplRoutes({ scripts: store.scripts, logs: store.logs, access })] });
    base = `http://127.0.0.1:${await server.start()}`;
  });
  afterAll(async () => {
    await server.stop();
    store.close();
    await users.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** As bob, with his SIP credentials (HTTP Basic over loopback). */
  const put = (body: string, aor = 'bob@sb.test'): Promise<Response> =>
    fetch(`${base}/api/v1/users/${aor}/cpl`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from('bob@sb.test:pw-bob').toString('base64')}`, 'content-type': 'application/cpl+xml' },
      body,
    });

  it('refuses every hostile script with 422 and a rule, all at once, while /health keeps answering', async () => {
    const cases: Array<[string, string]> = [
      [hostile('billion-laughs.cpl'), 'xml-'],
      [hostile('quadratic-blowup.cpl'), 'xml-'],
      [hostile('xxe-file-passwd.cpl'), 'xml-'],
      [hostile('xxe-parameter-entity.cpl'), 'xml-'],
      [hostile('xinclude.cpl'), ''],
      [hostile('sub-self-recursion.cpl'), 'sub-'],
      [hostile('sub-nested-self-recursion.cpl'), 'sub-'],
      [hostile('time-count-absurd.cpl'), 'time-'],
      ['<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming>' + '<address-switch field="origin"><address is="sip:a@b">'.repeat(2000), 'xml-'],
      ['<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="reject" reason="' + 'A'.repeat(300_000) + '"/></incoming></cpl>', 'xml-too-large'],
      ['<cpl><incoming', 'xml-not-well-formed'],
    ];
    const started = Date.now();
    const results = await Promise.all(cases.map(async ([body]) => put(body)));
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const [index, response] of results.entries()) {
      expect(response.status, `case ${index}`).toBe(422);
      const body = (await response.json()) as { error: string; problems: Array<{ rule: string; message: string; line: number }> };
      expect(body.error).toBe('invalid-script');
      const rule = cases[index]?.[1] ?? '';
      expect(body.problems.some((p) => p.rule.startsWith(rule)), `case ${index}: ${JSON.stringify(body.problems)}`).toBe(true);
      expect(body.problems.every((p) => p.message.length > 0)).toBe(true);
    }
    // Nothing was stored, and a good script is accepted afterwards.
    expect(await store.scripts.head('bob@sb.test')).toBeUndefined();
    const good = await put('<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="busy"/></incoming></cpl>');
    expect(good.status).toBe(201);
  });

  it("bob may not touch alice's script; the admin token may", async () => {
    const script = '<cpl xmlns="urn:ietf:params:xml:ns:cpl"><incoming><reject status="busy"/></incoming></cpl>';
    expect((await put(script, 'alice@sb.test')).status).toBe(403);
    const admin = await fetch(`${base}/api/v1/users/alice@sb.test/cpl`, { method: 'PUT', headers: { authorization: 'Bearer admin-token', 'content-type': 'application/cpl+xml' }, body: script });
    expect(admin.status).toBe(201);
    expect((await fetch(`${base}/api/v1/users/alice@sb.test/cpl`)).status).toBe(401);
  });

  it('a 2 MB body is refused with 413 without reading it into the parser', async () => {
    const response = await put(`<cpl>${'x'.repeat(2_000_000)}</cpl>`);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toBe('too-large');
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
