/**
 * A real server for the composer's browser test: the in-process registrar + proxy (SIP on
 * 127.0.0.1) with the CPL service engine, and an HTTP server with the session, users and CPL
 * route modules plus the composer's static files — the modules `switchboard start` registers
 * (platform/server/server-modules.ts). Scripts saved in the browser run on live SIPp calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createCplEngine } from '../../cpl/service/index.js';
import { FailureRateLimiter } from '../../platform/auth/failure-rate-limiter.js';
import { composerRoutes } from '../../platform/http/composer-routes.js';
import { createCplRoutes } from '../../platform/http/cpl-routes.js';
import { StoreHttpAccess } from '../../platform/http/http-access-service.js';
import type { HttpRoutes } from '../../platform/http/http-server.js';
import { createSessionRoutes } from '../../platform/http/session-routes.js';
import { SessionStore } from '../../platform/http/session-store.js';
import { createUserRoutes } from '../../platform/http/user-routes.js';
import { createLogger, silentLogger } from '../../platform/log/logger.js';
import { openCplStore, type CplStore } from '../../platform/store/cpl-store.js';
import { startProxyServer, type ProxyServer } from '../support/proxy-server.js';

export interface ComposerServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly adminToken: string;
  readonly domain: string;
  /** The SIP side: registrar + proxy with the CPL engine. */
  readonly sip: ProxyServer;
  readonly cpl: CplStore;
  stop(): Promise<void>;
}

export interface ComposerServerOptions {
  users: Array<{ username: string; password: string }>;
  /** The built composer; default web-composer/dist. */
  composerRoot?: string;
}

export async function startComposerServer(options: ComposerServerOptions): Promise<ComposerServer> {
  const domain = 'sb.test';
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-composer-'));
  const cpl = openCplStore({ dataDir, logger: silentLogger });
  const logger = process.env.COMPOSER_DEBUG ? createLogger({ level: 'debug' }) : silentLogger;
  const engine = createCplEngine({ scripts: cpl.scripts, logs: cpl.logs, logger });
  // SIPp 3.6 answers only MD5 digest challenges, so MD5 is offered first.
  const sip = await startProxyServer({ domains: [domain], users: options.users, algorithms: ['MD5', 'SHA-256'], limiter: { maxFailures: 1000 }, engines: [engine], logger });
  const adminToken = 'composer-test-admin-token-0123456789';
  const users = sip.store.users;
  const access = new StoreHttpAccess({ adminToken, users, sessions: new SessionStore(), limiter: new FailureRateLimiter({ maxFailures: 50 }), domains: [domain] });
  const routes: HttpRoutes[] = [
    createSessionRoutes(access),
    createUserRoutes({ users, access, domains: [domain], onUserDeleted: (aor) => access.sessions.deleteFor(aor) }),
    createCplRoutes({ scripts: cpl.scripts, logs: cpl.logs, access, cache: engine.cache }),
    composerRoutes(options.composerRoot ? { root: options.composerRoot } : {}),
  ];
  const app: FastifyInstance = Fastify();
  for (const r of routes) await app.register(async (scope) => r(scope));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    domain,
    sip,
    cpl,
    async stop() {
      await app.close();
      await sip.stop();
      cpl.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
