/**
 * The HTTP API of the REAL `switchboard start` process: the generated admin token (where it is,
 * who may read it, that it survives a restart), the users API with it, and a composer session
 * with its CSRF rule, over a real socket.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server-process.js';

describe('switchboard start: HTTP API', () => {
  let server: RunningServer;
  let base: string;
  let token: string;

  beforeAll(async () => {
    server = await startServer();
    base = `http://127.0.0.1:${server.httpPort}/api/v1`;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('generates an admin token at first start in <dataDir>/admin-token (0600) and logs where it is', () => {
    const path = join(server.dataDir, 'admin-token');
    token = readFileSync(path, 'utf8').trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const line = server.logs.find((l) => l.includes('generated an admin token'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ path });
    expect(server.logs.join('\n')).not.toContain(token);
  });

  it('manages users with the token and refuses without it', async () => {
    const anonymous = await fetch(`${base}/users`);
    expect(anonymous.status).toBe(401);
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'pw-alice' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ aor: 'alice@localhost' });
    const list = await fetch(`${base}/users`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await list.json()) as { users: Array<{ aor: string }> }).users.map((u) => u.aor)).toEqual(['alice@localhost']);
    const basic = await fetch(`${base}/users/alice@localhost`, { headers: { authorization: `Basic ${Buffer.from('alice:pw-alice').toString('base64')}` } });
    expect(basic.status).toBe(200);
  });

  it('opens a composer session; a cookie write without X-CSRF-Token is refused', async () => {
    const login = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'pw-alice' }),
    });
    expect(login.status).toBe(200);
    const { aor, csrfToken } = (await login.json()) as { aor: string; csrfToken: string };
    expect(aor).toBe('alice@localhost');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^sb_session=/);
    const write = (headers: Record<string, string>) =>
      fetch(`${base}/users/alice@localhost/password`, {
        method: 'PUT',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ password: 'pw-alice-2' }),
      });
    expect((await write({})).status).toBe(403);
    expect((await write({ 'x-csrf-token': csrfToken })).status).toBe(204);
  });

  it('keeps the generated token across a restart', async () => {
    const { dataDir, sipPort, httpPort } = server;
    expect(await server.stop()).toBe(0);
    server = await startServer({ dataDir, sipPort, httpPort });
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);
    expect(server.logs.some((l) => l.includes('admin token for the HTTP API read'))).toBe(true);
    const list = await fetch(`${base}/users`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
  });

  it('uses http.adminToken from the config file instead, writing no token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-token-'));
    const config = join(dir, 'switchboard.yaml');
    writeFileSync(config, 'http:\n  adminToken: "configured-token-0123456789"\n');
    const other = await startServer({ args: ['--config', config] });
    try {
      expect(existsSync(join(other.dataDir, 'admin-token'))).toBe(false);
      const ok = await fetch(`http://127.0.0.1:${other.httpPort}/api/v1/users`, { headers: { authorization: 'Bearer configured-token-0123456789' } });
      expect(ok.status).toBe(200);
    } finally {
      expect(await other.stop()).toBe(0);
    }
  });
});
