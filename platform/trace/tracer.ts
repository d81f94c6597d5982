/**
 * The server side of per-call tracing. The transport hooks (trace-hooks.ts) hand it every SIP
 * message while `enabled` is true — false whenever no rule is on, so an untraced server pays one
 * boolean check per message. With rules on, a message whose Call-ID is traced is copied into a
 * queue; an initial request of an unknown Call-ID gets one header check (From, To, Request-URI
 * against the user rules); everything else costs a Map lookup.
 *
 * App rules cannot be decided from headers: the app engine tells us with `markCall` once it has
 * chosen the app, after the initial request (and maybe a 100 Trying) went by. While app rules are
 * on, initial requests wait a short while in a small bounded "pending" area so those first
 * messages join the trace when the call is marked.
 *
 * The queue is written to the trace database in one transaction per event-loop turn
 * (setImmediate), redaction included, off the path that handles the message. Rule changes made
 * by the CLI or HTTP API (another connection) are seen by polling a change counter.
 */
import type { Logger } from '../log/logger.js';
import type { SipMessage } from '../sip/index.js';
import type { Flow, InboundMessage } from '../transport/types.js';
import { indexAors, isInitialRequest, matchingAor, type AorIndex } from './call-match.js';
import { redactCredentials } from './redact.js';
import { systemTraceClock, type TraceClock } from './trace-clock.js';
import type { CallWrite, TraceDirection, TraceMessage, TraceStore } from './trace-store.js';

export interface TracerLimits {
  /** Traced calls kept in the database; the oldest are dropped (default 1000). */
  maxCalls?: number;
  /** Messages kept per call; later ones are counted as truncated (default 500). */
  maxMessagesPerCall?: number;
}

export interface TracerOptions extends TracerLimits {
  store: Pick<TraceStore, 'rules' | 'rulesVersion' | 'write'>;
  logger: Logger;
  /** How often rule changes and expiries are looked for (default 1000 ms). */
  pollMs?: number;
  /** A traced call with no message for this long stops being followed; its trace stays
   *  (default 1 h: a call may be silent for long between INVITE and BYE). */
  idleMs?: number;
  /** How long an initial request waits for `markCall` while app rules are on (default 30 s). */
  pendingMs?: number;
  /** Epoch ms, for rule expiry (tests). */
  now?: () => number;
  clock?: TraceClock;
}

/** What the app engine knows about a call it handles. */
export interface CallMark {
  /** The app that handled the call: traced when an app rule names it. */
  app?: string;
  /** The other leg of a B2BUA: this Call-ID is traced when that one is. */
  linkedTo?: string;
}

/** Who the caller of `markCall` needs: the app engine depends on this shape, not on the class. */
export interface CallMarker {
  markCall(callId: string, mark: CallMark): boolean;
}

export const TRACE_DEFAULTS = { maxCalls: 1000, maxMessagesPerCall: 500, pollMs: 1000, idleMs: 3_600_000, pendingMs: 30_000 } as const;
const MAX_PENDING_CALLS = 256;
const MAX_PENDING_MESSAGES = 16;

interface LiveCall {
  readonly callId: string;
  readonly matched: string;
  readonly linkedTo: string | undefined;
  count: number;
  truncated: boolean;
  lastUs: number;
  /** Set by the first flush: what a later write needs if the row was dropped meanwhile. */
  firstLine: string;
  startedAt: number;
}

interface Captured {
  direction: TraceDirection;
  flow: Flow;
  monoUs: number;
  data: Buffer;
}

interface Queued extends Captured {
  call: LiveCall;
}

interface PendingCall {
  readonly sinceUs: number;
  readonly records: Captured[];
}

export class Tracer implements CallMarker {
  #enabled = false;

  readonly #store: TracerOptions['store'];
  readonly #logger: Logger;
  readonly #clock: TraceClock;
  readonly #now: () => number;
  readonly #maxCalls: number;
  readonly #maxMessages: number;
  readonly #pollMs: number;
  readonly #idleUs: number;
  readonly #pendingUs: number;

  #users: AorIndex = new Map();
  #apps: ReadonlySet<string> = new Set();
  #ruleNames: ReadonlySet<string> = new Set();
  #version = -1;
  #nextExpiry = Number.POSITIVE_INFINITY;
  readonly #live = new Map<string, LiveCall>();
  readonly #pending = new Map<string, PendingCall>();
  #queue: Queued[] = [];
  /** Calls that reached the message cap since the last flush. */
  readonly #truncated = new Set<LiveCall>();
  #flushScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #writeFailures = 0;
  #readFailing = false;
  #closed = false;

  constructor(options: TracerOptions) {
    this.#store = options.store;
    this.#logger = options.logger.child({ component: 'trace' });
    this.#clock = options.clock ?? systemTraceClock();
    this.#now = options.now ?? Date.now;
    this.#maxCalls = options.maxCalls ?? TRACE_DEFAULTS.maxCalls;
    this.#maxMessages = options.maxMessagesPerCall ?? TRACE_DEFAULTS.maxMessagesPerCall;
    this.#pollMs = options.pollMs ?? TRACE_DEFAULTS.pollMs;
    this.#idleUs = (options.idleMs ?? TRACE_DEFAULTS.idleMs) * 1000;
    this.#pendingUs = (options.pendingMs ?? TRACE_DEFAULTS.pendingMs) * 1000;
    for (const [name, value] of [['maxCalls', this.#maxCalls], ['maxMessagesPerCall', this.#maxMessages]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`trace: ${name} must be a positive integer, got ${value}`);
    }
  }

  /** Read by the hooks before anything else: false means "no rule, no traced call". */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Loads the rules now and then polls for changes. */
  start(): void {
    this.poll();
    this.#timer ??= setInterval(() => this.poll(), this.#pollMs);
    this.#timer.unref();
  }

  /** Stops polling and writes what is queued. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.flush();
    // Sends still in flight report back after this: they find nothing to add to.
    this.#closed = true;
    this.#enabled = false;
    this.#users = new Map();
    this.#apps = new Set();
    this.#live.clear();
    this.#pending.clear();
  }

  /** A monotonic µs reading, for hooks that capture a message later than it was sent. */
  nowUs(): number {
    return this.#clock.monoUs();
  }

  /** Call-IDs traced right now (in memory). */
  get tracedCalls(): number {
    return this.#live.size;
  }

  recordInbound(inbound: InboundMessage): void {
    this.#guard(inbound.message, 'in', inbound.flow, this.#clock.monoUs());
  }

  recordOutbound(message: SipMessage, flow: Flow, monoUs: number): void {
    this.#guard(message, 'out', flow, monoUs);
  }

  markCall(callId: string, mark: CallMark): boolean {
    if (!this.#enabled) return false;
    if (this.#live.has(callId)) return true;
    const other = mark.linkedTo === undefined ? undefined : this.#live.get(mark.linkedTo);
    const matched = mark.app !== undefined && this.#apps.has(mark.app) ? `app:${mark.app}` : other?.matched;
    if (matched === undefined) return false;
    const call = this.#open(callId, matched, other ? other.callId : undefined);
    const pending = this.#pending.get(callId);
    if (pending) {
      this.#pending.delete(callId);
      for (const record of pending.records) if (this.#accept(call, record.monoUs)) this.#queue.push({ ...record, call });
    }
    return true;
  }

  /** Picks up rule changes and expiries, forgets idle calls and stale pending requests. */
  poll(): void {
    if (this.#closed) return;
    try {
      const version = this.#store.rulesVersion();
      const now = this.#now();
      if (version !== this.#version || now >= this.#nextExpiry) this.#loadRules(version, now);
      this.#readFailing = false;
    } catch (error) {
      // Once per failing streak: the poll runs every second. The rules in use stay.
      if (!this.#readFailing) this.#logger.warn({ err: error }, 'could not read trace rules');
      this.#readFailing = true;
    }
    const nowUs = this.#clock.monoUs();
    for (const [callId, call] of this.#live) if (nowUs - call.lastUs > this.#idleUs) this.#live.delete(callId);
    for (const [callId, pending] of this.#pending) if (nowUs - pending.sinceUs > this.#pendingUs) this.#pending.delete(callId);
    this.#updateEnabled();
  }

  /** Writes the queue now (normally done once per event-loop turn). */
  flush(): void {
    this.#flushScheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    const writes = new Map<LiveCall, CallWrite>();
    const messages: TraceMessage[] = [];
    for (const item of queue) {
      const text = redactCredentials(item.data.toString('utf8'));
      const lineEnd = text.indexOf('\r\n');
      const firstLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
      const wallUs = this.#clock.wallUs(item.monoUs);
      const wallMs = Math.floor(wallUs / 1000);
      const { call } = item;
      let write = writes.get(call);
      if (write === undefined) {
        write = callWrite(call, firstLine, wallMs);
        writes.set(call, write);
      } else if (call.startedAt === 0 && wallMs < write.startedAt) {
        // An outbound message is queued when its send completes: it may come after a later one.
        write.startedAt = wallMs;
        write.firstLine = firstLine;
      }
      write.lastAt = Math.max(write.lastAt, wallMs);
      write.added += 1;
      messages.push({
        callId: call.callId,
        monoUs: item.monoUs,
        wallUs,
        direction: item.direction,
        protocol: item.flow.protocol,
        local: formatAddress(item.flow.local),
        remote: formatAddress(item.flow.remote),
        firstLine,
        text,
      });
    }
    for (const [call, write] of writes) {
      if (call.startedAt !== 0) continue;
      call.startedAt = write.startedAt;
      call.firstLine = write.firstLine;
    }
    for (const call of this.#truncated) {
      let write = writes.get(call);
      if (write === undefined) writes.set(call, (write = callWrite(call, call.firstLine, call.startedAt)));
      write.truncated = true;
    }
    this.#truncated.clear();
    if (writes.size === 0) return;
    try {
      this.#store.write([...writes.values()], messages, this.#maxCalls);
      this.#writeFailures = 0;
    } catch (error) {
      // Tracing is diagnostics: a locked or full disk loses this batch, never a call.
      if (this.#writeFailures++ % 100 === 0) this.#logger.warn({ err: error, messages: messages.length }, 'trace batch not written');
    }
  }

  #guard(message: SipMessage, direction: TraceDirection, flow: Flow, monoUs: number): void {
    if (this.#closed) return;
    try {
      this.#record(message, direction, flow, monoUs);
    } catch (error) {
      // A message too broken to read a Call-ID from is not traced; never disturb its handling.
      this.#logger.debug({ err: error }, 'message not traced');
    }
  }

  #record(message: SipMessage, direction: TraceDirection, flow: Flow, monoUs: number): void {
    const callId = message.callId;
    const live = this.#live.get(callId);
    if (live) {
      if (this.#accept(live, monoUs)) this.#queue.push({ call: live, direction, flow, monoUs, data: copyOf(message) });
      return;
    }
    const pending = this.#pending.get(callId);
    if (pending) {
      if (pending.records.length < MAX_PENDING_MESSAGES) pending.records.push({ direction, flow, monoUs, data: copyOf(message) });
      return;
    }
    if (!isInitialRequest(message)) return;
    const aor = this.#users.size > 0 ? matchingAor(message, this.#users) : undefined;
    if (aor !== undefined) {
      const call = this.#open(callId, `user:${aor}`, undefined);
      if (this.#accept(call, monoUs)) this.#queue.push({ call, direction, flow, monoUs, data: copyOf(message) });
      return;
    }
    if (this.#apps.size === 0) return;
    if (this.#pending.size >= MAX_PENDING_CALLS) this.#pending.delete(this.#pending.keys().next().value as string);
    this.#pending.set(callId, { sinceUs: monoUs, records: [{ direction, flow, monoUs, data: copyOf(message) }] });
  }

  #open(callId: string, matched: string, linkedTo: string | undefined): LiveCall {
    const call: LiveCall = { callId, matched, linkedTo, count: 0, truncated: false, lastUs: this.#clock.monoUs(), firstLine: '', startedAt: 0 };
    this.#live.set(callId, call);
    // Memory stays bounded like the database: the oldest traced call stops being followed.
    if (this.#live.size > this.#maxCalls) this.#live.delete(this.#live.keys().next().value as string);
    this.#enabled = true;
    return call;
  }

  /** Counts a message of `call`; false once the call has its cap of messages. */
  #accept(call: LiveCall, monoUs: number): boolean {
    call.lastUs = Math.max(call.lastUs, monoUs);
    if (call.count >= this.#maxMessages) {
      if (!call.truncated) {
        call.truncated = true;
        this.#truncated.add(call);
        this.#scheduleFlush();
      }
      return false;
    }
    call.count += 1;
    this.#scheduleFlush();
    return true;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.flush());
  }

  #loadRules(version: number, now: number): void {
    const rules = this.#store.rules(now);
    this.#version = version;
    this.#users = indexAors(rules.filter((rule) => rule.kind === 'user').map((rule) => rule.target));
    this.#apps = new Set(rules.filter((rule) => rule.kind === 'app').map((rule) => rule.target));
    this.#ruleNames = new Set(rules.map((rule) => `${rule.kind}:${rule.target}`));
    this.#nextExpiry = Math.min(Number.POSITIVE_INFINITY, ...rules.map((rule) => rule.expiresAt));
    // A rule switched off (or expired) stops its calls at once: "off" means off.
    for (const [callId, call] of this.#live) if (!this.#ruleNames.has(call.matched)) this.#live.delete(callId);
    if (this.#apps.size === 0) this.#pending.clear();
    this.#updateEnabled();
  }

  #updateEnabled(): void {
    this.#enabled = this.#users.size > 0 || this.#apps.size > 0 || this.#live.size > 0 || this.#pending.size > 0;
  }
}

/** The message as it is now (a later edit must not change the trace), in its own memory (a
 *  parsed message's octets may be a view of a receive buffer). */
function copyOf(message: SipMessage): Buffer {
  return Buffer.from(message.toBuffer());
}

function callWrite(call: LiveCall, firstLine: string, wallMs: number): CallWrite {
  const write: CallWrite = {
    callId: call.callId,
    matched: call.matched,
    firstLine: call.startedAt === 0 ? firstLine : call.firstLine,
    startedAt: call.startedAt === 0 ? wallMs : call.startedAt,
    lastAt: wallMs,
    added: 0,
    truncated: false,
  };
  if (call.linkedTo !== undefined) write.linkedTo = call.linkedTo;
  return write;
}

function formatAddress(address: { address: string; port: number }): string {
  return address.address.includes(':') ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
