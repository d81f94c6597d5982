import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { openServiceProfileStore, type ServiceProfileStore } from '../store/service-profile-store.js';
import type { Caller, HttpAccess } from './http-access.js';
import { createIfcProfileRoutes } from './ifc-profile-routes.js';

/** Stand-in for the real HttpAccess (another module): `Bearer admin` is the admin token,
 *  `X-Test-User: bob@sb.test` proves bob. It follows the interface's reply rules. */
const access: HttpAccess = {
  async identify(request: FastifyRequest): Promise<Caller | undefined> {
    if (request.headers.authorization === 'Bearer admin') return { kind: 'admin' };
    const user = request.headers['x-test-user'];
    return typeof user === 'string' ? { kind: 'user', aor: user } : undefined;
  },
  async requireUser(request: FastifyRequest, reply: FastifyReply, aor: string): Promise<boolean> {
    const caller = await access.identify(request);
    if (caller?.kind === 'admin' || (caller?.kind === 'user' && caller.aor === aor)) return true;
    await reply.status(caller ? 403 : 401).send({ error: caller ? 'forbidden' : 'unauthorized', message: 'no' });
    return false;
  },
  async requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if ((await access.identify(request))?.kind === 'admin') return true;
    await reply.status(403).send({ error: 'forbidden', message: 'no' });
    return false;
  },
};

const PROFILE = `<IMSSubscription><PrivateID>bob@sb.test</PrivateID><ServiceProfile>
<PublicIdentity><Identity>sip:bob@sb.test</Identity></PublicIdentity>
<InitialFilterCriteria><Priority>0</Priority><ApplicationServer><ServerName>sip:as.example.net</ServerName></ApplicationServer></InitialFilterCriteria>
</ServiceProfile></IMSSubscription>`;
const URL = '/api/v1/users/bob@sb.test/service-profile';

describe('PUT/GET/DELETE /api/v1/users/{aor}/service-profile', () => {
  let dataDir: string;
  let store: ServiceProfileStore;
  let app: FastifyInstance;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ifc-profile-http-'));
    store = openServiceProfileStore({ dataDir, logger: silentLogger });
    app = Fastify();
    await app.register(async (scope) => createIfcProfileRoutes({ profiles: store.profiles, access })(scope));
  });
  afterEach(async () => {
    await app.close();
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the admin stores, replaces and deletes; the user reads their own', async () => {
    const admin = { authorization: 'Bearer admin', 'content-type': 'application/xml' };
    let response = await app.inject({ method: 'PUT', url: URL, headers: admin, payload: PROFILE });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ aor: 'bob@sb.test', version: 1, ifcs: 1 });
    response = await app.inject({ method: 'PUT', url: URL, headers: admin, payload: PROFILE });
    expect(response.statusCode).toBe(200);
    response = await app.inject({ method: 'GET', url: URL, headers: { 'x-test-user': 'bob@sb.test' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/xml');
    expect(response.body).toBe(PROFILE);
    response = await app.inject({ method: 'DELETE', url: URL, headers: admin });
    expect(response.statusCode).toBe(204);
    response = await app.inject({ method: 'GET', url: URL, headers: admin });
    expect(response.statusCode).toBe(404);
  });

  it('refuses writes by the user, other users\' reads, bad documents and bad types', async () => {
    const bob = { 'x-test-user': 'bob@sb.test', 'content-type': 'application/xml' };
    expect((await app.inject({ method: 'PUT', url: URL, headers: bob, payload: PROFILE })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: URL, headers: { 'x-test-user': 'eve@sb.test' } })).statusCode).toBe(403);
    const admin = { authorization: 'Bearer admin', 'content-type': 'application/xml' };
    const invalid = await app.inject({ method: 'PUT', url: URL, headers: admin, payload: '<IMSSubscription>' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().problems.length).toBeGreaterThan(0);
    const other = await app.inject({ method: 'PUT', url: '/api/v1/users/carol@sb.test/service-profile', headers: admin, payload: PROFILE });
    expect(other.statusCode).toBe(422);
    expect((await app.inject({ method: 'PUT', url: URL, headers: { ...admin, 'content-type': 'image/png' }, payload: PROFILE })).statusCode).toBe(415);
    expect((await app.inject({ method: 'GET', url: '/api/v1/users/not-an-aor/service-profile', headers: admin })).statusCode).toBe(400);
  });
});
