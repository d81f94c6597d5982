/**
 * Composer login (contract: .notes/session-api.md):
 *   POST   /api/v1/session  {username, password} → cookie sb_session + {aor, csrfToken, expiresAt}
 *   GET    /api/v1/session                       → {aor, csrfToken, expiresAt} | 401
 *   DELETE /api/v1/session                       → 204 (needs X-CSRF-Token with a live session)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sessionCookie } from './cookies.js';
import type { HttpRoutes } from './http-server.js';
import type { StoreHttpAccess } from './http-access-service.js';
import type { Session } from './session-store.js';

interface LoginBody {
  username?: unknown;
  password?: unknown;
}

export function createSessionRoutes(access: StoreHttpAccess): HttpRoutes {
  return (app: FastifyInstance) => {
    app.post('/api/v1/session', async (request, reply) => {
      const body = (request.body ?? {}) as LoginBody;
      if (typeof body !== 'object' || typeof body.username !== 'string' || typeof body.password !== 'string' || body.username === '') {
        return reply.code(400).send({ error: 'bad-request', message: 'send JSON {"username": "…", "password": "…"}' });
      }
      const result = await access.login(body.username, body.password, request.ip);
      if (!result.ok) {
        if (result.status === 429) {
          return reply
            .code(429)
            .header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)))
            .send({ error: 'too-many-attempts', message: 'too many failed logins from this address; try again later' });
        }
        return reply.code(401).send({ error: 'invalid-credentials', message: 'unknown user or wrong password' });
      }
      const { session } = result;
      reply.header('set-cookie', sessionCookie(session.id, { maxAgeSeconds: access.sessions.lifetimeMs / 1000, secure: isTls(request) }));
      return reply.code(200).send(sessionView(session));
    });

    app.get('/api/v1/session', async (request, reply) => {
      const session = access.sessionOf(request);
      if (!session) return reply.code(401).send({ error: 'no-session', message: 'not logged in' });
      return reply.send(sessionView(session));
    });

    app.delete('/api/v1/session', async (request, reply) => {
      const session = access.sessionOf(request);
      if (session) {
        if (!access.hasCsrfToken(request, session)) {
          return reply.code(403).send({ error: 'csrf-token', message: 'logging out needs the X-CSRF-Token header of the session' });
        }
        access.sessions.delete(session.id);
      }
      reply.header('set-cookie', sessionCookie('', { maxAgeSeconds: 0, secure: isTls(request) }));
      return reply.code(204).send();
    });
  };
}

function sessionView(session: Session): { aor: string; csrfToken: string; expiresAt: string } {
  return { aor: session.aor, csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() };
}

function isTls(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}
