/**
 * BindingRepository on SQLite. Statements are prepared once; every method runs synchronously
 * inside its call (better-sqlite3), so its promise resolves only after the change is committed.
 *
 * Contact matching: rows carry `contact_key` (contact-uri.ts); a lookup reads the rows of the
 * AOR with the same key and keeps those `contactUrisEquivalent` to the given URI (§19.1.4).
 */
import type { Logger } from '../log/logger.js';
import { normalizeAor } from './aor.js';
import type {
  Binding,
  BindingInput,
  BindingRepository,
  ContactUpdate,
  RegistrationOutcome,
  RegistrationUpdate,
} from './binding-repository.js';
import { contactKey, contactUrisEquivalent } from './contact-uri.js';
import type { SqliteDatabase } from './database.js';
import { StoreError } from './errors.js';

interface BindingRow {
  id: number;
  aor: string;
  contact_uri: string;
  contact_key: string;
  expires_at: number;
  q_milli: number;
  call_id: string;
  cseq: number;
  path: string;
  received_protocol: string | null;
  received_address: string | null;
  received_port: number | null;
  received_local_address: string | null;
  received_local_port: number | null;
  instance_id: string | null;
  reg_id: number | null;
  user_agent: string | null;
  updated_at: number;
}

type BindingValues = Omit<BindingRow, 'id'>;

/** Thrown inside a transaction to roll it back and report an expected outcome. */
class RegistrationAbort extends Error {
  constructor(readonly outcome: Extract<RegistrationOutcome, { ok: false }>) {
    super(outcome.message);
  }
}

const COLUMNS = `aor, contact_uri, contact_key, expires_at, q_milli, call_id, cseq, path,
  received_protocol, received_address, received_port, received_local_address, received_local_port,
  instance_id, reg_id, user_agent, updated_at`;
const VALUES = `@aor, @contact_uri, @contact_key, @expires_at, @q_milli, @call_id, @cseq, @path,
  @received_protocol, @received_address, @received_port, @received_local_address, @received_local_port,
  @instance_id, @reg_id, @user_agent, @updated_at`;
const ACTIVE_ORDER = 'ORDER BY q_milli DESC, updated_at DESC, id DESC';

export class SqliteBindingRepository implements BindingRepository {
  readonly #db: SqliteDatabase;
  readonly #clock: () => number;
  readonly #logger: Logger;
  readonly #insert;
  readonly #update;
  readonly #deleteById;
  readonly #deleteByAor;
  readonly #selectByKey;
  readonly #selectByInstance;
  readonly #selectAll;
  readonly #selectActive;
  readonly #countActive;
  readonly #sweep;
  readonly #totalChanges;
  readonly #dataVersion;
  #otherVersion: unknown;
  #otherReadAt = 0;

  constructor(db: SqliteDatabase, options: { logger: Logger; clock?: () => number }) {
    this.#db = db;
    this.#logger = options.logger;
    this.#clock = options.clock ?? Date.now;
    this.#insert = db.prepare<[BindingValues]>(`INSERT INTO bindings (${COLUMNS}) VALUES (${VALUES})`);
    this.#update = db.prepare<[BindingRow]>(
      `UPDATE bindings SET (${COLUMNS}) = (${VALUES}) WHERE id = @id`,
    );
    this.#deleteById = db.prepare<[number]>('DELETE FROM bindings WHERE id = ?');
    this.#deleteByAor = db.prepare<[string], BindingRow>(`DELETE FROM bindings WHERE aor = ? RETURNING *`);
    this.#selectByKey = db.prepare<[string, string], BindingRow>(
      'SELECT * FROM bindings WHERE aor = ? AND contact_key = ? ORDER BY updated_at DESC, id DESC',
    );
    this.#selectByInstance = db.prepare<[string, string, number], BindingRow>(
      'SELECT * FROM bindings WHERE aor = ? AND instance_id = ? AND reg_id = ? ORDER BY updated_at DESC, id DESC',
    );
    this.#selectAll = db.prepare<[string], BindingRow>('SELECT * FROM bindings WHERE aor = ?');
    this.#selectActive = db.prepare<[string, number], BindingRow>(
      `SELECT * FROM bindings WHERE aor = ? AND expires_at > ? ${ACTIVE_ORDER}`,
    );
    this.#countActive = db
      .prepare<[string, number], number>('SELECT count(*) FROM bindings WHERE aor = ? AND expires_at > ?')
      .pluck();
    this.#sweep = db.prepare<[number], BindingRow>('DELETE FROM bindings WHERE expires_at <= ? RETURNING *');
    this.#totalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /**
   * Changes with every write committed to the database: the location cache's coherence check
   * (platform/registrar/binding-cache.ts). Writes on this connection: total_changes(), at once
   * (0.2 µs). Writes by other processes (the CLI's `user del`): PRAGMA data_version (~4 µs, it
   * opens a read transaction), read at most every 100 ms — such a change reaches the cache
   * within 100 ms.
   */
  changeVersion(): string {
    const now = Date.now();
    if (now - this.#otherReadAt >= 100) {
      this.#otherReadAt = now;
      this.#otherVersion = this.#dataVersion.get();
    }
    return `${this.#totalChanges.get()}:${String(this.#otherVersion)}`;
  }

  async upsert(input: BindingInput, now: number = this.#clock()): Promise<Binding> {
    const values = toValues(input, now);
    const row = this.#db
      .transaction(() => {
        const existing = this.#match(values.aor, values.contact_uri, values.instance_id, values.reg_id);
        return this.#write(values, existing);
      })
      .immediate();
    return toBinding(row);
  }

  async find(aor: string, contactUri: string, now: number): Promise<Binding | undefined> {
    const row = this.#match(normalizeAor(aor), contactUri, null, null);
    return row && row.expires_at > now ? toBinding(row) : undefined;
  }

  async remove(aor: string, contactUri: string): Promise<Binding[]> {
    const key = normalizeAor(aor);
    const removed = this.#db
      .transaction(() => {
        const rows = this.#equivalent(key, contactUri);
        for (const row of rows) this.#deleteById.run(row.id);
        return rows;
      })
      .immediate();
    return removed.map(toBinding);
  }

  async removeAll(aor: string): Promise<Binding[]> {
    return this.#deleteByAor.all(normalizeAor(aor)).map(toBinding);
  }

  async listActive(aor: string, now: number): Promise<Binding[]> {
    return this.#selectActive.all(normalizeAor(aor), now).map(toBinding);
  }

  async countActive(aor: string, now: number): Promise<number> {
    return this.#countActive.get(normalizeAor(aor), now) ?? 0;
  }

  async sweepExpired(now: number): Promise<Binding[]> {
    const removed = this.#sweep.all(now).map(toBinding);
    if (removed.length > 0) this.#logger.debug({ count: removed.length }, 'expired bindings removed');
    return removed;
  }

  async applyRegistration(update: RegistrationUpdate): Promise<RegistrationOutcome> {
    const aor = normalizeAor(update.aor);
    const { callId, cseq, now } = update;
    checkCallIdAndCseq(callId, cseq);
    const contacts = (update.contacts ?? []).map((contact) => ({
      contact,
      values: toValues({ ...contact, aor, callId, cseq }, now),
    }));

    try {
      return this.#db
        .transaction((): RegistrationOutcome => {
          const removed: BindingRow[] = [];
          // Rows written by this request, by id: a Contact listed twice in one REGISTER is
          // written twice, and the CSeq check applies only to what was stored before it.
          const written = new Map<number, { row: BindingRow; before?: BindingRow }>();

          if (update.removeAll) {
            const active = this.#selectActive.all(aor, now);
            for (const row of active) this.#checkOrder(row, callId, cseq);
            this.#deleteByAor.run(aor);
            removed.push(...active);
          }

          for (const { contact, values } of contacts) {
            const existing = this.#match(aor, values.contact_uri, values.instance_id, values.reg_id);
            const earlier = existing ? written.get(existing.id) : undefined;
            // What was stored before this request, if it was active.
            const before = earlier ? earlier.before : existing && existing.expires_at > now ? existing : undefined;
            if (before && !earlier) this.#checkOrder(before, callId, cseq);
            if (isRemoval(contact, now)) {
              if (existing) {
                this.#deleteById.run(existing.id);
                written.delete(existing.id);
                if (before) removed.push(before);
              }
              continue;
            }
            const row = this.#write(values, existing);
            written.set(row.id, before ? { row, before } : { row });
          }

          const count = this.#countActive.get(aor, now) ?? 0;
          if (update.maxBindings !== undefined && count > update.maxBindings) {
            throw new RegistrationAbort({
              ok: false,
              reason: 'too-many-bindings',
              limit: update.maxBindings,
              message: `${aor} would have ${count} bindings, more than the limit of ${update.maxBindings}`,
            });
          }
          return {
            ok: true,
            added: [...written.values()].filter((w) => !w.before).map((w) => toBinding(w.row)),
            refreshed: [...written.values()].filter((w) => w.before).map((w) => toBinding(w.row)),
            removed: removed.map(toBinding),
            active: this.#selectActive.all(aor, now).map(toBinding),
          };
        })
        .immediate();
    } catch (error) {
      if (error instanceof RegistrationAbort) return error.outcome;
      throw error;
    }
  }

  /** §10.3 steps 6/7: same Call-ID needs a higher CSeq, or the request is stale or reordered. */
  #checkOrder(row: BindingRow, callId: string, cseq: number): void {
    if (row.call_id === callId && cseq <= row.cseq) {
      throw new RegistrationAbort({
        ok: false,
        reason: 'out-of-order',
        contactUri: row.contact_uri,
        message: `binding ${row.contact_uri} of ${row.aor} was set by CSeq ${row.cseq} of the same Call-ID; CSeq ${cseq} is not newer`,
      });
    }
  }

  /** Insert, or overwrite the matched row in place (it keeps its id). */
  #write(values: BindingValues, existing: BindingRow | undefined): BindingRow {
    if (existing) {
      const row: BindingRow = { ...values, id: existing.id };
      this.#update.run(row);
      return row;
    }
    const id = Number(this.#insert.run(values).lastInsertRowid);
    return { ...values, id };
  }

  /** The row a new registration of this contact replaces: by instance-id and reg-id when both
   *  are given (RFC 5626 §6), else the most recent row with an equivalent Contact URI. */
  #match(aor: string, contactUri: string, instanceId: string | null, regId: number | null): BindingRow | undefined {
    if (instanceId !== null && regId !== null) {
      const byInstance = this.#selectByInstance.get(aor, instanceId, regId);
      if (byInstance) return byInstance;
    }
    const candidates = this.#equivalent(aor, contactUri);
    return candidates.find((row) => row.contact_uri === contactUri) ?? candidates[0];
  }

  #equivalent(aor: string, contactUri: string): BindingRow[] {
    return this.#selectByKey
      .all(aor, contactKey(contactUri))
      .filter((row) => contactUrisEquivalent(row.contact_uri, contactUri));
  }

  /** Every binding of an AOR, expired ones included (diagnostics and tests). */
  listAll(aor: string): Binding[] {
    return this.#selectAll.all(normalizeAor(aor)).map(toBinding);
  }
}

function isRemoval(contact: ContactUpdate, now: number): boolean {
  return contact.expiresAt <= now;
}

function invalid(message: string): StoreError {
  return new StoreError('invalid-binding', message);
}

function checkCallIdAndCseq(callId: string, cseq: number): void {
  if (typeof callId !== 'string' || callId.length === 0) throw invalid('binding needs a Call-ID');
  // RFC 3261 §8.1.1.5: the CSeq number is a 32-bit unsigned integer.
  if (!Number.isInteger(cseq) || cseq < 0 || cseq > 0xffffffff) throw invalid(`CSeq ${cseq} is not a 32-bit unsigned integer`);
}

function toValues(input: BindingInput, now: number): BindingValues {
  const aor = normalizeAor(input.aor);
  if (typeof input.contactUri !== 'string' || input.contactUri.length === 0) throw invalid('binding needs a Contact URI');
  if (!Number.isSafeInteger(input.expiresAt)) throw invalid(`expiresAt ${input.expiresAt} is not an epoch-milliseconds integer`);
  const q = input.q ?? 1;
  if (!Number.isFinite(q) || q < 0 || q > 1) throw invalid(`q ${q} is outside 0..1 (RFC 3261 §20.10)`);
  checkCallIdAndCseq(input.callId, input.cseq);
  if (!Array.isArray(input.path) || input.path.some((hop) => typeof hop !== 'string')) {
    throw invalid('path must be a list of Path header values');
  }
  const received = input.received;
  if (received) {
    if (!isPort(received.port) || (received.localPort !== undefined && !isPort(received.localPort))) {
      throw invalid('received ports must be integers 0..65535');
    }
  }
  if (input.regId !== undefined && (!Number.isSafeInteger(input.regId) || input.regId < 0)) {
    throw invalid(`reg-id ${input.regId} is not a non-negative integer (RFC 5626 §4.2)`);
  }
  return {
    aor,
    contact_uri: input.contactUri,
    contact_key: contactKey(input.contactUri),
    expires_at: input.expiresAt,
    q_milli: Math.round(q * 1000),
    call_id: input.callId,
    cseq: input.cseq,
    path: JSON.stringify(input.path),
    received_protocol: received?.protocol ?? null,
    received_address: received?.address ?? null,
    received_port: received?.port ?? null,
    received_local_address: received?.localAddress ?? null,
    received_local_port: received?.localPort ?? null,
    instance_id: input.instanceId ?? null,
    reg_id: input.regId ?? null,
    user_agent: input.userAgent ?? null,
    updated_at: now,
  };
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

function toBinding(row: BindingRow): Binding {
  const binding: Binding = {
    aor: row.aor,
    contactUri: row.contact_uri,
    expiresAt: row.expires_at,
    q: row.q_milli / 1000,
    callId: row.call_id,
    cseq: row.cseq,
    path: parsePath(row.path),
    updatedAt: row.updated_at,
  };
  if (row.received_protocol !== null && row.received_address !== null && row.received_port !== null) {
    binding.received = {
      protocol: row.received_protocol,
      address: row.received_address,
      port: row.received_port,
      ...(row.received_local_address !== null ? { localAddress: row.received_local_address } : {}),
      ...(row.received_local_port !== null ? { localPort: row.received_local_port } : {}),
    };
  }
  if (row.instance_id !== null) binding.instanceId = row.instance_id;
  if (row.reg_id !== null) binding.regId = row.reg_id;
  if (row.user_agent !== null) binding.userAgent = row.user_agent;
  return binding;
}

function parsePath(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.filter((hop): hop is string => typeof hop === 'string') : [];
}
