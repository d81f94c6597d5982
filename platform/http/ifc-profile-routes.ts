/**
 * Service profiles of local users for the S-CSCF role (TS 29.228 IMSSubscription XML, or its
 * YAML/JSON form): PUT/GET/DELETE /api/v1/users/{aor}/service-profile. Writing is for the admin
 * token only — a profile routes the user's calls through any AS it names, with P-Served-User
 * (an operator decision, as in an HSS); reading is for the admin or the user. A PUT is validated
 * strictly (422 with the problems, the previous profile stays); the server sees a new profile
 * on the next request (compiled forms are keyed by the text's hash).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkServiceProfile } from '../isc/scscf/index.js';
import type { SqliteServiceProfileRepository } from '../store/service-profile-store.js';
import type { HttpAccess } from './http-access.js';
import type { HttpRoutes } from './http-server.js';

export interface IfcProfileRoutesOptions {
  profiles: Pick<SqliteServiceProfileRepository, 'get' | 'put' | 'remove'>;
  access: HttpAccess;
}

const BODY_LIMIT = 1024 * 1024;
const AOR = /^[^\s:@"\\/]{1,256}@[A-Za-z0-9.\-[\]:]{1,253}$/u;
const TYPES: Record<string, string> = {
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/json': 'yaml',
};

export function createIfcProfileRoutes(options: IfcProfileRoutesOptions): HttpRoutes {
  const { access, profiles } = options;
  return (app: FastifyInstance) => {
    // Profiles arrive as raw documents (JSON too: stored as sent); read as text.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.put<{ Params: { aor: string } }>('/api/v1/users/:aor/service-profile', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireAdmin(request, reply))) return reply;
      const text = textBody(request, reply);
      if (text === undefined) return reply;
      const checked = checkServiceProfile(aor, text);
      if (!checked.ok) return reply.status(422).send({ error: 'invalid-profile', message: 'The service profile was rejected.', problems: checked.problems });
      const { record, created } = await profiles.put(aor, text);
      return reply.status(created ? 201 : 200).send({ aor: record.aor, version: record.version, hash: record.hash, size: record.size, ifcs: checked.ifcCount, warnings: checked.warnings });
    });

    app.get<{ Params: { aor: string } }>('/api/v1/users/:aor/service-profile', async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireUser(request, reply, aor))) return reply;
      const record = await profiles.get(aor);
      if (!record) return reply.status(404).send({ error: 'not-found', message: `${aor} has no service profile` });
      const type = record.text.trimStart().startsWith('<') ? 'application/xml' : 'application/yaml';
      return reply.status(200).header('content-type', `${type}; charset=utf-8`).header('etag', `"${record.hash}"`).send(record.text);
    });

    app.delete<{ Params: { aor: string } }>('/api/v1/users/:aor/service-profile', async (request, reply) => {
      const aor = aorParam(request.params.aor, reply);
      if (aor === undefined || !(await access.requireAdmin(request, reply))) return reply;
      if (!(await profiles.remove(aor))) return reply.status(404).send({ error: 'not-found', message: `${aor} has no service profile` });
      return reply.status(204).send();
    });
  };
}

function aorParam(raw: string, reply: FastifyReply): string | undefined {
  const text = raw.replace(/^sips?:/iu, '');
  if (!AOR.test(text)) {
    void reply.status(400).send({ error: 'bad-request', message: `"${raw}" is not an address-of-record of the form user@domain` });
    return undefined;
  }
  const at = text.lastIndexOf('@');
  return `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

function textBody(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (TYPES[type] === undefined) {
    void reply.status(415).send({ error: 'unsupported-media-type', message: `send the profile as ${Object.keys(TYPES).join(', ')}` });
    return undefined;
  }
  const body = request.body;
  if (typeof body !== 'string' || body.trim().length === 0) {
    void reply.status(400).send({ error: 'bad-request', message: 'the body is empty' });
    return undefined;
  }
  return body;
}
