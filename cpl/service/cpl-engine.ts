/**
 * CPL on live calls: a ServiceEngine (platform/services) that runs the callee's `incoming`
 * script on calls to a local user (terminating) and the caller's `outgoing` script on calls
 * authenticated as a local user (originating), RFC 3880 §2.1.
 *
 * The CplSession is a resumable state machine: a `proxy` action becomes a proxy Decision whose
 * `onOutcome` feeds the branch outcome back into the same session (§6.1 outputs), `lookup`
 * asks the location service (ServiceHost.lookup), and the final CPL decision becomes
 * reject / redirect / respond / continue. `mail` and `log` leave through non-blocking sinks.
 */
import { CplScriptCache, CplSession, type CompiledCpl, type CplCompileOptions, type CplLookupAction, type CplLookupOutcome, type CplRunOptions, type CplStep } from '../index.js';
import type { Logger } from '../../platform/log/logger.js';
import type { BranchOutcome, Decision, ServiceCall, ServiceEngine } from '../../platform/services/index.js';
import { callFacts } from './call-facts.js';
import { proxyTargets, toCplOutcome, toDecision } from './decision-map.js';
import type { CplLogSink, CplMailQueue, CplScriptSource } from './ports.js';
import { CplScriptLoader } from './script-loader.js';

export interface CplEngineLimits {
  /** Nodes per run (default 10 000). */
  readonly maxSteps?: number;
  /** Engine CPU per run in ms (default 50). */
  readonly maxCpuMillis?: number;
  /** Wall clock from INVITE to the script's decision, proxies included (default 10 min). */
  readonly maxWallMillis?: number;
  /** Proxy operations per run (default 16). */
  readonly maxProxyActions?: number;
  /** Cap on a `lookup` timeout in seconds (default 5: the location service is local). */
  readonly maxLookupSeconds?: number;
}

export interface CplEngineOptions {
  readonly scripts: CplScriptSource;
  readonly logs?: CplLogSink;
  readonly mailer?: CplMailQueue;
  readonly logger: Logger;
  readonly limits?: CplEngineLimits;
  /** Upload policy and interpretation (floatingTimeZone, lookupSources, supportedExtensions);
   *  must be the same options uploads are validated with. */
  readonly compile?: CplCompileOptions;
  /** Shared with the upload paths so they can drop a user's entries at once. */
  readonly cache?: CplScriptCache;
  /** userIsPhone, timeReference, proxyableSchemes; `clock` for tests. */
  readonly run?: Pick<CplRunOptions, 'userIsPhone' | 'timeReference' | 'proxyableSchemes' | 'clock'>;
}

export interface CplEngine extends ServiceEngine {
  readonly cache: CplScriptCache;
  /** Forget compiled forms of a user's script (after an upload or removal in this process). */
  invalidate(aor: string): void;
}

export function createCplEngine(options: CplEngineOptions): CplEngine {
  const logger = options.logger.child({ engine: 'cpl' });
  const cache = options.cache ?? new CplScriptCache(1000, options.compile);
  const loader = new CplScriptLoader(options.scripts, cache, logger);
  const limits = options.limits ?? {};
  const maxLookupSeconds = limits.maxLookupSeconds ?? 5;

  const runOptions = (call: ServiceCall): CplRunOptions => ({
    ...options.run,
    ...(limits.maxSteps !== undefined ? { maxSteps: limits.maxSteps } : {}),
    ...(limits.maxCpuMillis !== undefined ? { maxCpuMillis: limits.maxCpuMillis } : {}),
    ...(limits.maxWallMillis !== undefined ? { maxWallMillis: limits.maxWallMillis } : {}),
    ...(limits.maxProxyActions !== undefined ? { maxProxyActions: limits.maxProxyActions } : {}),
    effects: {
      mail: (m) => options.mailer?.enqueue({ owner: call.aor, to: m.to, subject: m.subject, body: m.body, replyTo: m.replyTo }),
      log: (l) => {
        if (options.logs === undefined) return;
        options.logs
          .append({ aor: call.aor, time: l.time, name: l.name, comment: l.comment, origin: l.origin, destination: l.destination, callId: call.request.callId })
          .catch((error: unknown) => logger.warn({ err: error, aor: call.aor }, 'CPL log entry not stored'));
      },
      extension: (e) => logger.debug({ aor: call.aor, namespace: e.namespace, name: e.name }, 'CPL extension node (no action)'),
    },
  });

  /** §5.2 lookup: source "registration" is the owner's bindings; URI sources are never fetched
   *  while handling a call (SSRF, cpl.md §11) and report failure. */
  const lookup = async (call: ServiceCall, action: CplLookupAction): Promise<CplLookupOutcome> => {
    if (action.source !== 'registration') return { kind: 'failure', reason: 'URI lookup sources are not fetched on calls' };
    const seconds = Math.min(action.timeoutSeconds, maxLookupSeconds);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CplLookupOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'failure', reason: `no answer within ${seconds} s` }), seconds * 1000);
    });
    const answer = (async (): Promise<CplLookupOutcome> => {
      const result = await call.host.lookup(`sip:${call.aor}`);
      if (result.kind !== 'found') return { kind: 'notfound' };
      const now = Date.now();
      const live = result.contacts.filter((c) => c.expiresAt > now);
      // §6.1.1: "SIP servers SHOULD honor the 'q' parameter of SIP registrations".
      return live.length > 0 ? { kind: 'found', locations: live.map((c) => ({ uri: c.uri, q: c.q })) } : { kind: 'notfound' };
    })();
    try {
      return await Promise.race([answer, timeout]);
    } catch (error) {
      return { kind: 'failure', reason: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  };

  /** Runs the session to its next proxy (a Decision with onOutcome) or to its end. */
  const drive = async (call: ServiceCall, session: CplSession, first: CplStep, last?: BranchOutcome): Promise<Decision> => {
    let step = first;
    while (step.kind === 'action' && step.action.kind === 'lookup') step = session.resume(await lookup(call, step.action));
    if (step.kind === 'decision') {
      if (step.decision.kind === 'aborted') logger.warn({ aor: call.aor, reason: step.decision.reason, callId: call.request.callId }, 'CPL run aborted; default behaviour');
      return toDecision(step.decision, last);
    }
    const action = step.action;
    if (action.kind !== 'proxy') throw new Error('unreachable: lookups are answered above');
    const { targets, options: forwarding } = proxyTargets(action);
    return {
      kind: 'proxy',
      targets,
      options: forwarding,
      onOutcome: async (outcome) => {
        const next = session.resume(toCplOutcome(outcome));
        if (outcome.kind === 'success') return { kind: 'continue' }; // the call is up (§6.1.1)
        return drive(call, session, next, outcome);
      },
    };
  };

  return {
    name: 'cpl',
    cache,
    invalidate: (aor) => void cache.invalidate(aor),
    async decide(call: ServiceCall): Promise<Decision> {
      // CPL handles call set-up only (cpl.md open point 9).
      if (call.request.method !== 'INVITE') return { kind: 'continue' };
      const direction = call.direction === 'terminating' ? 'incoming' : 'outgoing';
      // Outgoing scripts run on the identity the caller proved, never on a From it wrote
      // (cpl.md §11.8).
      if (direction === 'outgoing' && call.authenticatedAs !== call.aor) return { kind: 'continue' };
      let script: CompiledCpl | null;
      try {
        script = await loader.load(call.aor);
      } catch (error) {
        logger.error({ err: error, aor: call.aor }, 'CPL script could not be loaded; default behaviour');
        return { kind: 'continue' };
      }
      if (script === null || (direction === 'incoming' ? script.incoming : script.outgoing) === null) return { kind: 'continue' };
      const session = new CplSession(script, callFacts(call.request, direction, Date.now()), runOptions(call));
      return drive(call, session, session.start());
    },
  };
}
