/**
 * The simulated SIP core: what platform/endpoint's services stage and decision runner do with an
 * initial request, without sockets and on the virtual clock. The request is offered to the
 * engines (originating first when the caller is one of our users, then terminating when the
 * callee is); the first Decision that is not `continue` is carried out — reject/respond/redirect
 * answer the caller, proxy forks to the phones and asks `onOutcome` when no 2xx came, b2bua
 * calls the target on a new leg. When every engine continues, normal routing rings the callee's
 * registered phones (404 unknown user, 480 nobody registered).
 */
import type { Logger } from '../log/logger.js';
import { classifyOutcome, type BranchOutcome, type Decision, type ProxyDecision, type ServiceCall, type ServiceDirection, type ServiceEngine, type ServiceHost, type ServiceTarget } from '../services/index.js';
import { formatUri } from '../sip/index.js';
import type { Activity } from './activity.js';
import { runB2bua } from './b2bua.js';
import type { KitCall } from './kit-call.js';
import type { Ladder } from './ladder.js';
import { SERVER, type Network } from './network.js';
import { runProxyContext, type CollectedAnswer, type ResolvedTarget } from './proxy-context.js';
import type { VirtualClock } from './virtual-clock.js';

export interface SimCoreDeps {
  readonly network: Network;
  readonly clock: VirtualClock;
  readonly ladder: Ladder;
  readonly activity: Activity;
  readonly host: ServiceHost;
  readonly logger: Logger;
  readonly engines: () => readonly ServiceEngine[];
}

export type ActingDecision = Exclude<Decision, { kind: 'continue' }>;

/** platform/endpoint services-stage.ts: what never reaches engines (registrations, hop-by-hop). */
const NOT_FOR_SERVICES = new Set(['REGISTER', 'ACK', 'CANCEL', 'OPTIONS']);
const NO_TARGET: BranchOutcome = { kind: 'failure', status: 480, reason: 'Temporarily Unavailable' };
const SOURCE = { protocol: 'udp', address: '192.0.2.10', port: 5060 } as const;

export class SimCore {
  readonly #deps: SimCoreDeps;

  constructor(deps: SimCoreDeps) {
    this.#deps = deps;
  }

  /** Starts handling the caller's request (its app events are tracked: `kit.idle()` waits for them). */
  start(call: KitCall, options: { authenticated: boolean }): void {
    this.#deps.activity.spawn(() => this.#handle(call, options.authenticated));
  }

  async #handle(call: KitCall, authenticated: boolean): Promise<void> {
    const { network, activity } = this.#deps;
    this.#deps.ladder.record({ from: call.caller, to: SERVER, method: call.method, uri: formatUri(call.request.uri), callId: call.callId });
    const caller = authenticated ? network.aorOf(formatUri(call.request.from.uri)) : undefined;
    const callee = network.aorOf(formatUri(call.request.uri));
    const offers: Array<{ direction: ServiceDirection; aor: string }> = [];
    if (!NOT_FOR_SERVICES.has(call.method)) {
      if (caller !== undefined) offers.push({ direction: 'originating', aor: caller });
      if (callee !== undefined) offers.push({ direction: 'terminating', aor: callee });
    }
    for (const { direction, aor } of offers) {
      const serviceCall: ServiceCall = {
        request: call.request,
        direction,
        aor,
        ...(caller !== undefined ? { authenticatedAs: caller } : {}),
        source: SOURCE,
        local: { address: '192.0.2.1', port: 5060 },
        host: this.#deps.host,
      };
      for (const engine of this.#deps.engines()) {
        if (engine.directions && !engine.directions.includes(direction)) continue;
        let decision: Decision;
        try {
          decision = await activity.track(Promise.resolve(engine.decide(serviceCall)));
        } catch (error) {
          // service-engine.ts: "Throwing counts as a failure: the caller gets 500."
          this.#deps.logger.warn({ err: error, engine: engine.name }, 'engine threw');
          call.sendFinal(500, 'Server Internal Error');
          return;
        }
        if (decision.kind === 'continue') continue;
        await this.carryOut(call, decision);
        return;
      }
    }
    await this.#route(call, callee);
  }

  /** Normal routing (platform/endpoint proxy stage): the callee's phones, or the URI as given. */
  async #route(call: KitCall, callee: string | undefined): Promise<void> {
    if (callee !== undefined) {
      const found = this.#deps.network.lookup(callee);
      if (found.kind === 'unknown-user') return call.sendFinal(404, 'Not Found');
      if (found.kind === 'no-bindings') return call.sendFinal(480, 'Temporarily Unavailable');
    }
    await this.#proxy(call, { kind: 'proxy', targets: [{ uri: formatUri(call.request.uri) }] });
  }

  async carryOut(call: KitCall, decision: ActingDecision): Promise<void> {
    if (call.response !== undefined) return; // answered (or cancelled) meanwhile
    switch (decision.kind) {
      case 'reject':
        return call.sendFinal(decision.status, decision.reason);
      case 'respond': {
        const body = decision.body === undefined ? undefined : String(decision.body.content);
        const headers = [...(decision.headers ?? []), ...(decision.body ? [{ name: 'Content-Type', value: decision.body.contentType }] : [])];
        return call.sendFinal(decision.status, decision.reason, headers, body);
      }
      case 'redirect':
        return call.sendFinal(
          decision.permanent ? 301 : 302,
          undefined,
          decision.contacts.map((contact) => ({ name: 'Contact', value: `<${contact.uri}>${contact.q === undefined ? '' : `;q=${contact.q}`}` })),
        );
      case 'proxy':
        return this.#proxy(call, decision);
      case 'b2bua':
        return runB2bua(this.#b2buaDeps(), call, decision, this.expand(decision.target ? [{ uri: decision.target }] : []));
    }
  }

  #b2buaDeps() {
    return { ...this.#deps, carryOut: (call: KitCall, decision: ActingDecision) => this.carryOut(call, decision), outcomeOf };
  }

  /** Targets that are AORs of ours become their registered phones (services-stage #expand). */
  expand(targets: readonly ServiceTarget[]): ResolvedTarget[] {
    const out: ResolvedTarget[] = [];
    for (const target of targets) {
      const aor = this.#deps.network.aorOf(target.uri);
      const extra = { ...(target.edits ? { edits: target.edits } : {}) };
      if (aor === undefined) {
        out.push({ uri: target.uri, ...(target.q === undefined ? {} : { q: target.q }), ...extra });
        continue;
      }
      const found = this.#deps.network.lookup(aor);
      if (found.kind !== 'found') continue;
      for (const phone of found.phones) {
        const q = target.q ?? phone.q;
        out.push({ uri: phone.contact, ...(q === undefined ? {} : { q }), ...extra });
      }
    }
    return out;
  }

  async #proxy(call: KitCall, decision: ProxyDecision): Promise<void> {
    const { activity } = this.#deps;
    for (const provisional of decision.provisional ?? []) {
      if (provisional.status > 100 && provisional.status < 200) call.sendProvisional(provisional.status, provisional.reason);
    }
    const targets = this.expand(decision.targets);
    if (targets.length === 0) return this.#afterFailure(call, decision.onOutcome, NO_TARGET, { status: 480, reason: 'Temporarily Unavailable', headers: [] });
    const context = runProxyContext(
      { network: this.#deps.network, clock: this.#deps.clock, activity, forwardProvisional: (status, reason) => call.sendProvisional(status, reason) },
      call.request,
      targets,
      decision,
    );
    call.control = {
      cancel: () => {
        context.cancel();
        decision.onCancel?.();
      },
    };
    const result = await context.result;
    switch (result.kind) {
      case 'success': {
        const { answer } = result;
        call.control = { hangup: (by) => this.#bye(call, answer.target, by) };
        call.sendFinal(answer.status, answer.reason, answer.headers, answer.body?.content);
        if (decision.onOutcome) {
          const onOutcome = decision.onOutcome;
          activity.run(async () => void (await onOutcome({ kind: 'success', status: answer.status })));
        }
        return;
      }
      case 'cancelled':
        return call.sendFinal(487, 'Request Terminated');
      case 'taken':
        if (result.verdict.decision.kind === 'continue') return;
        return this.carryOut(call, result.verdict.decision);
      case 'failure':
        return this.#afterFailure(call, decision.onOutcome, outcomeOf(result.best, result.noAnswer), result.best);
    }
  }

  /** No 2xx: the engine decides what next; `continue` sends the caller the best response. */
  async #afterFailure(call: KitCall, onOutcome: ProxyDecision['onOutcome'], outcome: BranchOutcome, best: Pick<CollectedAnswer, 'status' | 'reason' | 'headers'>): Promise<void> {
    let next: Decision = { kind: 'continue' };
    if (onOutcome) {
      try {
        next = await this.#deps.activity.track(Promise.resolve(onOutcome(outcome)));
      } catch (error) {
        this.#deps.logger.warn({ err: error }, 'onOutcome threw');
        return call.sendFinal(500, 'Server Internal Error');
      }
    }
    if (next.kind === 'continue') return call.sendFinal(best.status, best.reason, best.headers);
    return this.carryOut(call, next);
  }

  /** BYE through the server (the caller's, or the callee's) and its 200s. */
  #bye(call: KitCall, target: string, by: 'caller' | 'callee'): void {
    const { network } = this.#deps;
    const callee = network.labelOf(target);
    if (by === 'caller') {
      call.record(call.caller, SERVER, 'BYE');
      network.request({ method: 'BYE', uri: target, callId: call.callId, headers: [], body: '' });
      call.record(SERVER, call.caller, 'BYE', 200);
    } else {
      call.record(callee, SERVER, 'BYE');
      call.record(SERVER, call.caller, 'BYE');
      call.record(call.caller, SERVER, 'BYE', 200);
      call.record(SERVER, callee, 'BYE', 200);
    }
  }
}

/** A branch result in CPL's terms (platform/endpoint service-responses.ts). */
export function outcomeOf(best: CollectedAnswer | (Pick<CollectedAnswer, 'status' | 'reason' | 'headers'> & { local?: boolean }), noAnswer: boolean): BranchOutcome {
  const { status, reason } = best;
  const response = {
    status,
    reason,
    headers: [...best.headers],
    ...('target' in best && best.target !== '' ? { target: best.target } : {}),
    ...(best.local ? { locallyGenerated: true } : {}),
  };
  const kind = classifyOutcome(status, noAnswer);
  switch (kind) {
    case 'success':
      return { kind, status, response };
    case 'busy':
    case 'failure':
      return { kind, status, reason, response };
    case 'noanswer':
      return { kind, status, reason, timedOut: noAnswer, response };
    case 'redirection':
      return { kind, status, reason, contacts: contactsOf(best.headers), response };
  }
}

function contactsOf(headers: readonly { name: string; value: string }[]): ServiceTarget[] {
  const out: ServiceTarget[] = [];
  for (const field of headers) {
    if (field.name.toLowerCase() !== 'contact' && field.name.toLowerCase() !== 'm') continue;
    for (const part of field.value.split(',')) {
      const uri = /<([^>]+)>/u.exec(part)?.[1] ?? part.trim().split(';')[0]!;
      const q = /;\s*q=([\d.]+)/u.exec(part)?.[1];
      if (uri !== '' && uri !== '*') out.push({ uri, ...(q === undefined ? {} : { q: Number(q) }) });
    }
  }
  return out;
}
