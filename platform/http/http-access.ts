/**
 * Who may call an API route. Routes of every engine (users, CPL, apps) ask this one object, so
 * the rules live in one place: the admin token (config `http.adminToken`, `Authorization:
 * Bearer …`) may act for anyone; a user may act only for their own AOR, proving it with their
 * SIP credentials (HTTP Basic, checked against the stored HA1) or a composer session cookie
 * (writes also need its X-CSRF-Token). The server's implementation: http-access-service.ts;
 * the contract: .notes/session-api.md.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export type Caller = { kind: 'admin' } | { kind: 'user'; aor: string };

export interface HttpAccess {
  /** The caller if the request proves one, else undefined (no reply sent). */
  identify(request: FastifyRequest): Promise<Caller | undefined>;
  /** True when the caller is the admin or the user `aor` (`user@domain`). Otherwise replies
   *  401 (no or bad credentials, with a challenge) or 403 (someone else) and returns false. */
  requireUser(request: FastifyRequest, reply: FastifyReply, aor: string): Promise<boolean>;
  /** True for the admin token; otherwise replies 401/403 and returns false. */
  requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
}
