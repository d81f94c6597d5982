/**
 * One run of a compiled script for one call, as a resumable state machine (RFC 3880 §2.2: each
 * node picks an output and the run continues "until a node with no specified outputs is
 * reached"). `start()` and `resume()` return either an action the host must perform (proxy,
 * lookup) or the final decision. The run keeps the location set (§2.3), whether the set was
 * modified and whether a proxy ran, and the responses received, for the defaults of §10.
 */
import { NO_NODE, type Branch, type CompiledCpl, type LookupNode, type ProxyNode } from '../compile/compiled-script.js';
import { reasonPhrase } from '../text/sip-reason.js';
import { classifyProxyOutcome, describeOutcome, proxyOutput } from './actions/proxy-outcome.js';
import { logRequest, mailRequest } from './actions/notifications.js';
import { defaultBehaviour } from './default-behaviour.js';
import { CallContext } from './call-context.js';
import type { CplCallFacts, CplContact, CplDecision, CplLocation, CplLookupOutcome, CplOutcome, CplProxyOutcome, CplResponse, CplStep } from './host.js';
import { LocationSet, type LocationEntry } from './location-set.js';
import { resolveRunOptions, type CplRunOptions, type ResolvedRunOptions } from './run-options.js';
import { evaluateAddressSwitch } from './switches/address-switch.js';
import { evaluateLanguageSwitch } from './switches/language-switch.js';
import { evaluatePrioritySwitch } from './switches/priority-switch.js';
import { evaluateStringSwitch } from './switches/string-switch.js';
import type { SwitchResult } from './switches/switch-result.js';
import { evaluateTimeSwitch } from './switches/time-switch.js';
import type { CplTraceStep } from './trace.js';

type State = 'new' | 'running' | 'waiting' | 'done';

/** Why the run reached an unspecified output, for the trace. */
interface Unspecified {
  readonly line: number;
  readonly column: number;
  readonly why: string;
}

interface Pending {
  readonly node: ProxyNode | LookupNode;
  readonly used: readonly LocationEntry[];
}

export class CplSession {
  readonly path: number[] = [];
  readonly trace: CplTraceStep[] = [];
  private state: State = 'new';
  private readonly options: ResolvedRunOptions;
  private readonly ctx: CallContext;
  private readonly locations: LocationSet;
  private modified = false;
  private proxied = false;
  private proxyCount = 0;
  private readonly responses: CplResponse[] = [];
  private pending: Pending | null = null;
  private steps = 0;
  private cpu = 0;
  private startedAt = 0;
  private result: CplDecision | null = null;

  constructor(
    private readonly script: CompiledCpl,
    call: CplCallFacts,
    options?: CplRunOptions,
  ) {
    this.options = resolveRunOptions(options);
    this.ctx = new CallContext(call);
    this.locations = new LocationSet(this.options.proxyableSchemes);
  }

  /** The decision once the run is over, else null. */
  get decision(): CplDecision | null {
    return this.result;
  }

  /** The current location set, highest priority first. */
  currentLocations(): CplLocation[] {
    return this.locations.sorted().map((e) => ({ uri: e.uri, priority: e.priority }));
  }

  start(): CplStep {
    if (this.state !== 'new') throw new Error('CplSession.start() called twice');
    this.state = 'running';
    this.startedAt = this.options.clock();
    const call = this.ctx.call;
    const method = (call.method ?? 'INVITE').toUpperCase();
    if (!this.options.methods.has(method)) {
      this.note('start', 0, `CPL runs only for call set-up (${[...this.options.methods].join(', ')}); ${method} is handled as if there were no script`);
      return this.finish({ kind: 'server-default' });
    }
    const top = call.direction === 'incoming' ? this.script.incoming : this.script.outgoing;
    if (top === null) {
      this.note('start', 0, `the script has no <${call.direction}>, so the call is handled as if there were no script`);
      return this.finish({ kind: 'server-default' });
    }
    if (call.direction === 'outgoing') {
      // §2.3: for outgoing calls the set starts as "the destination address of the call".
      this.locations.add(call.requestUri.trim(), 1.0);
    }
    this.note('start', top.line, `${call.direction} call: running <${call.direction}>${call.direction === 'outgoing' ? `; the location set starts as ${call.requestUri.trim()}` : ''}`);
    return this.run(top.entry, { line: top.line, column: top.column, why: `<${call.direction}> is empty` });
  }

  resume(outcome: CplOutcome): CplStep {
    if (this.state !== 'waiting' || this.pending === null) throw new Error('CplSession.resume() called while no action is pending');
    const { node, used } = this.pending;
    this.pending = null;
    this.state = 'running';
    if (this.options.clock() - this.startedAt > this.options.maxWallMillis) {
      return this.finish({ kind: 'aborted', reason: `the run took longer than ${this.options.maxWallMillis} ms` });
    }
    if (node.kind === 'proxy') {
      if (outcome.kind !== 'response' && outcome.kind !== 'noanswer' && outcome.kind !== 'unreachable') throw new Error('CplSession.resume(): a proxy needs a proxy outcome');
      return this.afterProxy(node, used, outcome);
    }
    if (outcome.kind !== 'found' && outcome.kind !== 'notfound' && outcome.kind !== 'failure') throw new Error('CplSession.resume(): a lookup needs a lookup outcome');
    return this.afterLookup(node, outcome);
  }

  private run(start: number, unspecified: Unspecified): CplStep {
    const t0 = performance.now();
    try {
      return this.loop(start, unspecified, t0);
    } finally {
      this.cpu += performance.now() - t0;
    }
  }

  private loop(start: number, unspecifiedAtStart: Unspecified, t0: number): CplStep {
    const nodes = this.script.nodes;
    const trace = this.options.trace;
    let current = start;
    let unspecified = unspecifiedAtStart;
    for (;;) {
      if (current === NO_NODE) return this.finish(this.defaultBehaviour(unspecified));
      if (++this.steps > this.options.maxSteps) return this.finish({ kind: 'aborted', reason: `the run executed more than ${this.options.maxSteps} nodes` });
      if (this.cpu + performance.now() - t0 > this.options.maxCpuMillis) return this.finish({ kind: 'aborted', reason: `the run used more than ${this.options.maxCpuMillis} ms of CPU` });
      const node = nodes[current];
      if (node === undefined) throw new Error(`CPL: node ${current} does not exist`);
      this.path.push(current);
      switch (node.kind) {
        case 'address-switch':
        case 'string-switch':
        case 'language-switch':
        case 'time-switch':
        case 'priority-switch': {
          let r: SwitchResult;
          let what: string;
          if (node.kind === 'address-switch') {
            r = evaluateAddressSwitch(node, this.ctx, this.options.userIsPhone, trace);
            what = `address-switch on ${r.detail}`;
          } else if (node.kind === 'string-switch') {
            r = evaluateStringSwitch(node, this.ctx, trace);
            what = `string-switch on ${r.detail}`;
          } else if (node.kind === 'language-switch') {
            r = evaluateLanguageSwitch(node, this.ctx, trace);
            what = `language-switch: ${r.detail}`;
          } else if (node.kind === 'time-switch') {
            const arrival = this.ctx.call.arrivalTime;
            r = evaluateTimeSwitch(node, this.options.timeReference === 'arrival' && arrival !== undefined ? arrival : this.options.clock(), trace);
            what = `time-switch: ${r.detail}`;
          } else {
            r = evaluatePrioritySwitch(node, this.ctx, trace);
            what = `priority-switch: ${r.detail}`;
          }
          if (r.branch === null) {
            if (trace) this.step(node.id, node.kind, node, `${what} → no output applies`);
            current = NO_NODE;
            unspecified = { line: node.line, column: node.column, why: `no output of ${node.label} applies` };
          } else {
            if (trace) this.step(node.id, node.kind, node, `${what} → took ${r.branch.label}`, r.branch.label);
            ({ current, unspecified } = this.follow(r.branch));
          }
          continue;
        }
        case 'location': {
          if (node.clear) this.locations.clear();
          this.locations.add(node.url, node.priority, node.uri);
          this.modified = true;
          if (trace) this.step(node.id, 'location', node, `${node.clear ? 'cleared the location set and ' : ''}added ${node.url} (priority ${node.priority.toFixed(1)}) to the location set`);
          current = node.next;
          unspecified = { line: node.line, column: node.column, why: `${node.label} contains no next node` };
          continue;
        }
        case 'remove-location': {
          if (node.location === null) {
            this.locations.clear();
            if (trace) this.step(node.id, 'remove-location', node, 'removed every location from the location set');
          } else {
            const n = this.locations.remove(node.location);
            if (trace) this.step(node.id, 'remove-location', node, `removed ${node.locationText ?? ''} from the location set (${n} location${n === 1 ? '' : 's'} matched)`);
          }
          this.modified = true;
          current = node.next;
          unspecified = { line: node.line, column: node.column, why: `${node.label} contains no next node` };
          continue;
        }
        case 'lookup':
          this.pending = { node, used: [] };
          this.state = 'waiting';
          return { kind: 'action', action: { kind: 'lookup', nodeId: node.id, line: node.line, source: node.source, timeoutSeconds: node.timeoutSeconds } };
        case 'proxy': {
          this.proxied = true;
          const candidates = this.locations.proxyable();
          const used = node.ordering === 'first-only' ? candidates.slice(0, 1) : candidates;
          if (used.length === 0) {
            // §6.1: no (proxyable) locations → the failure output, without a call attempt.
            const out = proxyOutput(node, 'failure');
            if (trace) this.step(node.id, 'proxy', node, `proxy: the location set has no address to proxy to → ${out.branch !== null ? `took ${out.branch.label}` : 'no <failure> or <default> output'}`, out.branch?.label);
            if (out.branch === null) {
              current = NO_NODE;
              unspecified = { line: node.line, column: node.column, why: `${node.label} has no <failure> or <default> output` };
            } else ({ current, unspecified } = this.follow(out.branch));
            continue;
          }
          if (++this.proxyCount > this.options.maxProxyActions) return this.finish({ kind: 'aborted', reason: `the run tried more than ${this.options.maxProxyActions} proxy operations` });
          this.pending = { node, used };
          this.state = 'waiting';
          return {
            kind: 'action',
            action: { kind: 'proxy', nodeId: node.id, line: node.line, locations: used.map((e) => ({ uri: e.uri, priority: e.priority })), ordering: node.ordering, timeoutSeconds: node.timeoutSeconds, recurse: node.recurse },
          };
        }
        case 'redirect': {
          const set = this.locations.sorted();
          if (set.length === 0) {
            // cpl.md open point 11: a redirect with an empty set is the §10 "notfound" rejection.
            if (trace) this.step(node.id, 'redirect', node, 'redirect: the location set is empty, so the call is rejected with 404 Not Found');
            return this.finish({ kind: 'reject', status: 404, reason: reasonPhrase(404), byDefault: true });
          }
          const status = node.permanent ? 301 : 302;
          const contacts: CplContact[] = set.map((e) => ({ uri: e.uri, q: e.priority }));
          if (trace) this.step(node.id, 'redirect', node, `redirected with ${status} ${reasonPhrase(status)} to ${set.map((e) => e.uri).join(', ')}`);
          return this.finish({ kind: 'redirect', status, reason: reasonPhrase(status), contacts });
        }
        case 'reject':
          if (trace) this.step(node.id, 'reject', node, `rejected the call: ${node.status} "${node.reason}"`);
          return this.finish({ kind: 'reject', status: node.status, reason: node.reason, byDefault: false });
        case 'mail': {
          const request = mailRequest(node, this.ctx, this.options.clock());
          safely(() => this.options.effects.mail?.(request));
          if (trace) this.step(node.id, 'mail', node, `sent a notification to ${request.to.join(', ')} (subject "${request.subject}")`);
          current = node.next;
          unspecified = { line: node.line, column: node.column, why: `${node.label} contains no next node` };
          continue;
        }
        case 'log': {
          const request = logRequest(node, this.ctx, this.options.clock());
          safely(() => this.options.effects.log?.(request));
          if (trace) this.step(node.id, 'log', node, `logged${node.name !== null ? ` to "${node.name}"` : ''}${node.comment !== null ? `: ${node.comment}` : ''}`);
          current = node.next;
          unspecified = { line: node.line, column: node.column, why: `${node.label} contains no next node` };
          continue;
        }
        case 'sub':
          if (trace) this.step(node.id, 'sub', node, `went to the subaction "${node.ref}" (line ${node.targetLine})`);
          current = node.target;
          unspecified = { line: node.targetLine, column: 0, why: `the subaction "${node.ref}" is empty` };
          continue;
        case 'extension': {
          const request = { nodeId: node.id, namespace: node.namespace, name: node.name, attributes: node.attributes };
          safely(() => this.options.effects.extension?.(request));
          if (trace) this.step(node.id, 'extension', node, `handed the extension ${node.label} (${node.namespace}) to the server`);
          current = node.next;
          unspecified = { line: node.line, column: node.column, why: `${node.label} contains no next node` };
          continue;
        }
      }
    }
  }

  private follow(branch: Branch): { current: number; unspecified: Unspecified } {
    return { current: branch.next, unspecified: { line: branch.line, column: branch.column, why: `the output ${branch.label} is empty` } };
  }

  private afterProxy(node: ProxyNode, used: readonly LocationEntry[], outcome: CplProxyOutcome): CplStep {
    const trace = this.options.trace;
    if (outcome.kind === 'response') this.responses.push({ status: outcome.status, reason: outcome.reason ?? reasonPhrase(outcome.status), ...(outcome.contacts !== undefined ? { contacts: outcome.contacts } : {}) });
    // RFC 3261 §16.7: with no final response before the timeout the proxy itself answers 408.
    if (outcome.kind === 'noanswer') this.responses.push({ status: 408, reason: reasonPhrase(408) });
    const condition = classifyProxyOutcome(outcome);
    const targets = `${used.map((e) => e.uri).join(', ')} (${node.ordering}, ${node.timeoutSeconds !== null ? `timeout ${node.timeoutSeconds} s` : 'server maximum ring time'})`;
    if (condition === 'success') {
      const response = this.responses[this.responses.length - 1] ?? { status: 200, reason: 'OK' };
      if (trace) this.step(node.id, 'proxy', node, `proxied to ${targets} → ${describeOutcome(outcome)}: the call is answered, the script ends`);
      return this.finish({ kind: 'proceed', response });
    }
    // §6.1: "all locations which have been used are cleared from the location set"; then the
    // addresses of a redirection are added.
    this.locations.removeEntries(used);
    if (condition === 'redirection' && !node.recurse && outcome.kind === 'response') {
      for (const c of outcome.contacts ?? []) this.locations.add(c.uri, c.q ?? 1.0);
    }
    const out = proxyOutput(node, condition);
    if (trace) {
      const note = condition === 'redirection' && node.recurse ? ' (recurse is yes, so <redirection> is not taken)' : '';
      const took = out.branch !== null ? `took ${out.branch.label}` : `no <${condition}> or <default> output`;
      this.step(node.id, 'proxy', node, `proxied to ${targets} → ${describeOutcome(outcome)} → ${condition}${note} → ${took}`, out.branch?.label);
    }
    if (out.branch === null) return this.run(NO_NODE, { line: node.line, column: node.column, why: `${node.label} has no <${condition}> or <default> output` });
    return this.run(out.branch.next, { line: out.branch.line, column: out.branch.column, why: `the output ${out.branch.label} is empty` });
  }

  private afterLookup(node: LookupNode, outcome: CplLookupOutcome): CplStep {
    let branch: Branch | null;
    let what: string;
    if (outcome.kind === 'found' && outcome.locations.length > 0) {
      // cpl.md open point 12: clear="yes" clears only when new locations are added.
      if (node.clear) this.locations.clear();
      for (const l of outcome.locations) this.locations.add(l.uri, l.q ?? 1.0);
      this.modified = true;
      branch = node.success;
      what = `found ${outcome.locations.map((l) => l.uri).join(', ')}`;
    } else if (outcome.kind === 'failure') {
      branch = node.failure;
      what = `failed${outcome.reason !== undefined ? ` (${outcome.reason})` : ''}`;
    } else {
      branch = node.notfound;
      what = 'found no location';
    }
    const name = outcome.kind === 'found' && outcome.locations.length > 0 ? 'success' : outcome.kind === 'failure' ? 'failure' : 'notfound';
    if (this.options.trace) {
      this.step(node.id, 'lookup', node, `lookup of ${node.source} ${what} → ${branch !== null ? `took ${branch.label}` : `no <${name}> output, so the script ends`}`, branch?.label);
    }
    // §5.2: "If a given output is not present, script execution terminates and the default behavior is performed."
    if (branch === null) return this.run(NO_NODE, { line: node.line, column: node.column, why: `${node.label} has no <${name}> output` });
    return this.run(branch.next, { line: branch.line, column: branch.column, why: `the output ${branch.label} is empty` });
  }

  private defaultBehaviour(u: Unspecified): CplDecision {
    const { decision, explain } = defaultBehaviour({ proxied: this.proxied, modified: this.modified, responses: this.responses, locations: this.currentLocations() });
    if (this.options.trace) this.trace.push({ nodeId: null, element: 'default', line: u.line, column: u.column, sentence: `${u.why}: default behaviour (RFC 3880 §10): ${explain}` });
    return decision;
  }

  private finish(decision: CplDecision): CplStep {
    this.state = 'done';
    this.result = decision;
    return { kind: 'decision', decision };
  }

  private step(nodeId: number, element: string, at: { line: number; column: number }, sentence: string, output?: string): void {
    this.trace.push({ nodeId, element, line: at.line, column: at.column, sentence, ...(output !== undefined ? { output } : {}) });
  }

  private note(element: string, line: number, sentence: string): void {
    if (this.options.trace) this.trace.push({ nodeId: null, element, line, column: 0, sentence });
  }
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // §7: non-signalling operations never fail the call.
  }
}
