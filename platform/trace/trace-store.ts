/**
 * The trace database `<data dir>/traces.sqlite` (WAL: the CLI and the HTTP API switch rules and
 * read traces while the server writes). Rules carry their expiry; a trigger counts rule changes
 * so the server notices them with one cheap read. Calls are bounded: writing a batch drops the
 * oldest calls (and, by cascade, their messages) beyond `maxCalls`.
 */
import type { Logger } from '../log/logger.js';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { TRACE_MIGRATIONS } from './trace-migrations.js';
import type { TraceRule, TraceTarget } from './trace-rule.js';

export const TRACE_DATABASE_FILE = 'traces.sqlite';

export type TraceDirection = 'in' | 'out';

/** One captured SIP message. Times: `monoUs` a monotonic clock of the capturing process (for
 *  offsets), `wallUs` epoch microseconds. */
export interface TraceMessage {
  callId: string;
  monoUs: number;
  wallUs: number;
  direction: TraceDirection;
  protocol: string;
  /** `address:port` of our socket and of the peer. */
  local: string;
  remote: string;
  firstLine: string;
  /** The whole message, credentials redacted. */
  text: string;
}

export interface TraceCall {
  callId: string;
  /** Why it is traced: `user:alice@sb.test`, `app:screening`. */
  matched: string;
  /** The call this one is a leg of (a B2BUA's other side), when known. */
  linkedTo?: string;
  /** First line of the first captured message (normally the initial request). */
  firstLine: string;
  /** Epoch ms of the first and the latest captured message. */
  startedAt: number;
  lastAt: number;
  messageCount: number;
  /** Messages beyond the per-call cap were not kept. */
  truncated: boolean;
}

/** What one flush adds to a call: its identity and how many messages it brings. */
export interface CallWrite {
  callId: string;
  matched: string;
  linkedTo?: string;
  firstLine: string;
  startedAt: number;
  lastAt: number;
  added: number;
  truncated: boolean;
}

interface RuleRow {
  kind: 'user' | 'app';
  target: string;
  created_at: number;
  expires_at: number;
}

interface CallRow {
  call_id: string;
  matched: string;
  linked_to: string | null;
  first_line: string;
  started_at: number;
  last_at: number;
  message_count: number;
  truncated: number;
}

interface MessageRow {
  call_id: string;
  mono_us: number;
  wall_us: number;
  direction: TraceDirection;
  protocol: string;
  local: string;
  remote: string;
  first_line: string;
  text: string;
}

export class TraceStore {
  readonly #db: SqliteDatabase;
  readonly #clock: () => number;
  readonly #statements;

  constructor(db: SqliteDatabase, options: { clock?: () => number } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? Date.now;
    this.#statements = {
      upsertRule: db.prepare<[RuleRow]>(
        `INSERT INTO trace_rules (kind, target, created_at, expires_at) VALUES (@kind, @target, @created_at, @expires_at)
         ON CONFLICT (kind, target) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at`,
      ),
      deleteRule: db.prepare<[string, string]>('DELETE FROM trace_rules WHERE kind = ? AND target = ?'),
      deleteAllRules: db.prepare('DELETE FROM trace_rules'),
      deleteExpired: db.prepare<[number]>('DELETE FROM trace_rules WHERE expires_at <= ?'),
      activeRules: db.prepare<[number], RuleRow>('SELECT * FROM trace_rules WHERE expires_at > ? ORDER BY kind, target'),
      version: db.prepare<[], { value: number }>("SELECT value FROM trace_state WHERE key = 'rules_version'"),
      upsertCall: db.prepare<[CallRow]>(
        `INSERT INTO trace_calls (call_id, matched, linked_to, first_line, started_at, last_at, message_count, truncated)
         VALUES (@call_id, @matched, @linked_to, @first_line, @started_at, @last_at, @message_count, @truncated)
         ON CONFLICT (call_id) DO UPDATE SET last_at = MAX(last_at, excluded.last_at),
           message_count = message_count + excluded.message_count, truncated = MAX(truncated, excluded.truncated)`,
      ),
      insertMessage: db.prepare<[MessageRow]>(
        `INSERT INTO trace_messages (call_id, mono_us, wall_us, direction, protocol, local, remote, first_line, text)
         VALUES (@call_id, @mono_us, @wall_us, @direction, @protocol, @local, @remote, @first_line, @text)`,
      ),
      countCalls: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM trace_calls'),
      dropOldest: db.prepare<[number]>(
        'DELETE FROM trace_calls WHERE call_id IN (SELECT call_id FROM trace_calls ORDER BY started_at, rowid LIMIT ?)',
      ),
      recentCalls: db.prepare<[number], CallRow>('SELECT * FROM trace_calls ORDER BY started_at DESC, rowid DESC LIMIT ?'),
      call: db.prepare<[string], CallRow>('SELECT * FROM trace_calls WHERE call_id = ?'),
      messages: db.prepare<[string], MessageRow>('SELECT * FROM trace_messages WHERE call_id = ? ORDER BY mono_us, id'),
      deleteCalls: db.prepare('DELETE FROM trace_calls'),
    };
  }

  /** Switches a trace on for `durationMs` from now; an existing rule for the target gets the new expiry. */
  addRule(target: TraceTarget, durationMs: number): TraceRule {
    const now = this.#clock();
    const row: RuleRow = { kind: target.kind, target: target.target, created_at: now, expires_at: now + durationMs };
    this.#db.transaction(() => {
      this.#statements.deleteExpired.run(now);
      this.#statements.upsertRule.run(row);
    })();
    return toRule(row);
  }

  /** False when no active rule named the target. */
  removeRule(target: TraceTarget): boolean {
    const now = this.#clock();
    return this.#db.transaction(() => {
      this.#statements.deleteExpired.run(now);
      return this.#statements.deleteRule.run(target.kind, target.target).changes > 0;
    })();
  }

  removeAllRules(): number {
    return this.#statements.deleteAllRules.run().changes;
  }

  /** Rules not yet expired at `now`. */
  rules(now = this.#clock()): TraceRule[] {
    return this.#statements.activeRules.all(now).map(toRule);
  }

  /** Changes with every rule insert, update and delete (by any connection). */
  rulesVersion(): number {
    return this.#statements.version.get()?.value ?? 0;
  }

  /** Appends captured messages in one transaction, then drops the oldest calls beyond `maxCalls`. */
  write(calls: readonly CallWrite[], messages: readonly TraceMessage[], maxCalls: number): void {
    const { upsertCall, insertMessage, countCalls, dropOldest } = this.#statements;
    this.#db.transaction(() => {
      for (const call of calls) {
        upsertCall.run({
          call_id: call.callId,
          matched: call.matched,
          linked_to: call.linkedTo ?? null,
          first_line: call.firstLine,
          started_at: call.startedAt,
          last_at: call.lastAt,
          message_count: call.added,
          truncated: call.truncated ? 1 : 0,
        });
      }
      for (const m of messages) {
        insertMessage.run({
          call_id: m.callId,
          mono_us: m.monoUs,
          wall_us: m.wallUs,
          direction: m.direction,
          protocol: m.protocol,
          local: m.local,
          remote: m.remote,
          first_line: m.firstLine,
          text: m.text,
        });
      }
      const excess = (countCalls.get()?.n ?? 0) - maxCalls;
      if (excess > 0) dropOldest.run(excess);
    })();
  }

  /** The most recently started traced calls first. */
  calls(limit = 50): TraceCall[] {
    return this.#statements.recentCalls.all(limit).map(toCall);
  }

  call(callId: string): TraceCall | undefined {
    const row = this.#statements.call.get(callId);
    return row && toCall(row);
  }

  /** A call's messages in capture order (monotonic time). */
  messages(callId: string): TraceMessage[] {
    return this.#statements.messages.all(callId).map((row) => ({
      callId: row.call_id,
      monoUs: row.mono_us,
      wallUs: row.wall_us,
      direction: row.direction,
      protocol: row.protocol,
      local: row.local,
      remote: row.remote,
      firstLine: row.first_line,
      text: row.text,
    }));
  }

  /** Deletes every captured call; rules stay. */
  clearCalls(): number {
    return this.#statements.deleteCalls.run().changes;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function toRule(row: RuleRow): TraceRule {
  return { kind: row.kind, target: row.target, createdAt: row.created_at, expiresAt: row.expires_at };
}

function toCall(row: CallRow): TraceCall {
  return {
    callId: row.call_id,
    matched: row.matched,
    ...(row.linked_to === null ? {} : { linkedTo: row.linked_to }),
    firstLine: row.first_line,
    startedAt: row.started_at,
    lastAt: row.last_at,
    messageCount: row.message_count,
    truncated: row.truncated !== 0,
  };
}

export interface OpenTraceStoreOptions {
  dataDir: string;
  logger: Logger;
  /** Default traces.sqlite; `:memory:` for tests. */
  fileName?: string;
  clock?: () => number;
  /** How long a write waits for another connection's lock (default 5000 ms). The server passes
   *  a short one: a trace batch is worth less than a stalled event loop. */
  busyTimeoutMs?: number;
}

/** Opens (creating and migrating) the trace database. */
export function openTraceStore(options: OpenTraceStoreOptions): TraceStore {
  const db = openDatabase({
    dataDir: options.dataDir,
    logger: options.logger,
    fileName: options.fileName ?? TRACE_DATABASE_FILE,
    migrations: TRACE_MIGRATIONS,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  return new TraceStore(db, options.clock ? { clock: options.clock } : {});
}
