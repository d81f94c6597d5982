/**
 * Per-call SIP message traces over HTTP (issue 5 §8), for the admin token only — a trace shows
 * every header and body of other people's calls:
 *
 *   GET    /api/v1/traces/rules                   rules that are on
 *   POST   /api/v1/traces/rules                   {"user": "alice@sb.test"} or {"app": "NAME"},
 *                                                 optional "for": "30m" (default 1h, at most 24h)
 *   DELETE /api/v1/traces/rules?user=AOR|app=NAME switch one off (404 when it was not on)
 *   GET    /api/v1/traces?limit=N                 recent traced calls, newest first
 *   GET    /api/v1/traces/{callId}                one call and its messages (credentials redacted)
 *
 * The server picks rule changes up within a second (platform/trace/tracer.ts polls).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { callJson, DEFAULT_RULE_MS, messagesJson, parseDuration, parseTarget, ruleJson, TraceInputError, type TraceStore, type TraceTarget } from '../trace/index.js';
import type { HttpAccess } from './http-access.js';
import type { HttpRoutes } from './http-server.js';

export interface TraceRoutesOptions {
  store: Pick<TraceStore, 'addRule' | 'removeRule' | 'rules' | 'calls' | 'call' | 'messages'>;
  access: HttpAccess;
}

const ruleBody = z.object({ user: z.string().optional(), app: z.string().optional(), for: z.string().optional() }).strict();
const targetQuery = z.object({ user: z.string().optional(), app: z.string().optional() }).strict();
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict();

export function createTraceRoutes(options: TraceRoutesOptions): HttpRoutes {
  const { access, store } = options;
  return (app: FastifyInstance) => {
    app.get('/api/v1/traces/rules', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      return reply.send({ rules: store.rules().map(ruleJson) });
    });

    app.post('/api/v1/traces/rules', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const body = ruleBody.safeParse(request.body ?? {});
      if (!body.success) return badRequest(reply, body.error.issues[0]?.message ?? 'bad request body');
      const input = parse(reply, () => ({ target: parseTarget(body.data), durationMs: body.data.for === undefined ? DEFAULT_RULE_MS : parseDuration(body.data.for) }));
      if (input === undefined) return reply;
      return reply.status(201).send(ruleJson(store.addRule(input.target, input.durationMs)));
    });

    app.delete('/api/v1/traces/rules', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const query = targetQuery.safeParse(request.query);
      if (!query.success) return badRequest(reply, 'name the rule with ?user=AOR or ?app=NAME');
      const target = parse<TraceTarget>(reply, () => parseTarget(query.data));
      if (target === undefined) return reply;
      if (!store.removeRule(target)) return reply.status(404).send({ error: 'not-found', message: `no trace rule is on for ${target.kind}:${target.target}` });
      return reply.status(204).send();
    });

    app.get('/api/v1/traces', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const query = listQuery.safeParse(request.query);
      if (!query.success) return badRequest(reply, 'limit must be a whole number from 1 to 1000');
      return reply.send({ calls: store.calls(query.data.limit).map(callJson) });
    });

    app.get<{ Params: { callId: string } }>('/api/v1/traces/:callId', async (request, reply) => {
      if (!(await access.requireAdmin(request, reply))) return reply;
      const { callId } = request.params;
      const call = store.call(callId);
      if (call === undefined) return reply.status(404).send({ error: 'not-found', message: `no traced call has Call-ID "${callId}"` });
      return reply.send({ call: callJson(call), messages: messagesJson(store.messages(callId)) });
    });
  };
}

function parse<T>(reply: FastifyReply, read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    void badRequest(reply, error.message);
    return undefined;
  }
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.status(400).send({ error: 'bad-request', message });
}
