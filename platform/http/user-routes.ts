/**
 * The users API (contract: .notes/session-api.md). Listing, adding and deleting users needs the
 * admin; reading a user and changing the password is also open to that user.
 *   GET    /api/v1/users[?domain=]          admin        → {users: [User]}
 *   GET    /api/v1/users/{aor}              admin | self → User
 *   POST   /api/v1/users                    admin        → 201 User
 *   DELETE /api/v1/users/{aor}              admin        → 204
 *   PUT    /api/v1/users/{aor}/password     admin | self → 204
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { UserRepository } from '../store/user-repository.js';
import type { HttpAccess } from './http-access.js';
import { normalizeAorParam } from './http-access-service.js';
import type { HttpRoutes } from './http-server.js';
import { addUser, changePassword, deleteUser, UserAdminError, userView, type UserAdminErrorCode } from './user-admin.js';

export interface UserRoutesOptions {
  users: UserRepository;
  access: HttpAccess;
  domains: readonly string[];
  /** Called after a user was deleted (the server ends their sessions). */
  onUserDeleted?: (aor: string) => void;
}

interface AorParams {
  aor: string;
}

const STATUS: Record<UserAdminErrorCode, number> = {
  'unknown-domain': 422,
  'invalid-user': 422,
  'bad-password': 422,
  'user-exists': 409,
  'not-found': 404,
};

export function createUserRoutes(options: UserRoutesOptions): HttpRoutes {
  const { users, access, domains } = options;
  return (app: FastifyInstance) => {
    app.get<{ Querystring: { domain?: string } }>('/api/v1/users', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const list = await users.list(request.query.domain);
      return reply.send({ users: list.map(userView) });
    });

    app.get<{ Params: AorParams }>('/api/v1/users/:aor', async (request, reply) => {
      const aor = normalizeAorParam(request.params.aor);
      if (!(await access.requireUser(request, reply, aor))) return reply;
      const user = await users.get(aor).catch(() => undefined);
      if (!user) return reply.code(404).send({ error: 'not-found', message: `no user ${aor}` });
      return reply.send(userView(user));
    });

    app.post('/api/v1/users', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const name = typeof body.aor === 'string' ? body.aor : body.username;
      if (typeof name !== 'string' || name === '') {
        return reply.code(422).send({ error: 'bad-request', message: 'send JSON {"username": "…", "domain": "…", "password": "…"} or {"aor": "user@domain", "password": "…"}' });
      }
      if (typeof body.password !== 'string') return reply.code(422).send({ error: 'bad-request', message: 'a "password" string is needed' });
      if (body.domain !== undefined && typeof body.domain !== 'string') return reply.code(422).send({ error: 'bad-request', message: '"domain" must be a string' });
      if (body.displayName !== undefined && typeof body.displayName !== 'string') {
        return reply.code(422).send({ error: 'bad-request', message: '"displayName" must be a string' });
      }
      return handle(reply, async () => {
        const user = await addUser(users, domains, {
          name,
          password: body.password as string,
          ...(typeof body.domain === 'string' ? { domain: body.domain } : {}),
          ...(typeof body.displayName === 'string' ? { displayName: body.displayName } : {}),
        });
        return reply.code(201).send(userView(user));
      });
    });

    app.delete<{ Params: AorParams }>('/api/v1/users/:aor', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      return handle(reply, async () => {
        const aor = await deleteUser(users, domains, normalizeAorParam(request.params.aor));
        options.onUserDeleted?.(aor);
        return reply.code(204).send();
      });
    });

    app.put<{ Params: AorParams }>('/api/v1/users/:aor/password', async (request, reply) => {
      const aor = normalizeAorParam(request.params.aor);
      if (!(await access.requireUser(request, reply, aor))) return reply;
      const body = (request.body ?? {}) as Record<string, unknown>;
      return handle(reply, async () => {
        await changePassword(users, domains, aor, typeof body.password === 'string' ? body.password : '');
        return reply.code(204).send();
      });
    });
  };
}

async function handle(reply: FastifyReply, work: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserAdminError) return reply.code(STATUS[error.code]).send({ error: error.code, message: error.message });
    throw error;
  }
}
