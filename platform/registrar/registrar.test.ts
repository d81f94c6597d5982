/**
 * The registrar's rules (RFC 3261 §10.3, RFC 3327) against a real in-memory SQLite store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { parseMessage, SipRequest } from '../sip/index.js';
import { openDatabase } from '../store/database.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { BindingChange } from './binding-events.js';
import { Registrar } from './registrar.js';

const T0 = 1_700_000_000_000;
const SOURCE = { protocol: 'udp', address: '198.51.100.7', port: 5070 };

let cseq = 0;
function register(options: { contacts?: string[]; expires?: string; callId?: string; cseq?: number; to?: string; uri?: string; extra?: string[] } = {}): SipRequest {
  const lines = [
    `REGISTER ${options.uri ?? 'sip:example.com'} SIP/2.0`,
    'Via: SIP/2.0/UDP 198.51.100.7:5070;branch=z9hG4bKr' + ++cseq,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    `To: ${options.to ?? '<sip:alice@example.com>'}`,
    `Call-ID: ${options.callId ?? 'reg-1@198.51.100.7'}`,
    `CSeq: ${options.cseq ?? cseq} REGISTER`,
    ...(options.contacts ?? []).map((contact) => `Contact: ${contact}`),
    ...(options.expires !== undefined ? [`Expires: ${options.expires}`] : []),
    ...(options.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const { message, errors } = parseMessage(Buffer.from(lines.join('\r\n')));
  if (!(message instanceof SipRequest) || errors.length > 0) throw new Error(JSON.stringify(errors));
  return message;
}

describe('Registrar (RFC 3261 §10.3)', () => {
  let store: SqliteStore;
  let registrar: Registrar;
  let now: number;
  let changes: BindingChange[];

  beforeEach(async () => {
    now = T0;
    const db = openDatabase({ dataDir: '.', fileName: ':memory:', logger: silentLogger });
    store = new SqliteStore(db, { logger: silentLogger, clock: () => now });
    await store.users.add({ username: 'alice', domain: 'example.com', password: 'secret' });
    await store.users.add({ username: 'bob', domain: 'example.com', password: 'secret' });
    registrar = new Registrar({
      bindings: store.bindings,
      users: store.users,
      config: { domains: ['example.com'], minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContactsPerAor: 3 },
      logger: silentLogger,
      clock: () => now,
    });
    changes = [];
    registrar.onBindingChange((change) => changes.push(change));
  });
  afterEach(async () => {
    registrar.stopSweeper();
    await store.close();
  });

  const contacts = (reply: { headers: Array<{ name: string; value: string }> }): string[] =>
    reply.headers.filter((h) => h.name === 'Contact').map((h) => h.value);

  it('adds a binding and lists it with its expires (step 8), with a Date header', async () => {
    const reply = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '600' }), SOURCE);
    expect(reply.status).toBe(200);
    expect(contacts(reply)).toEqual(['<sip:alice@198.51.100.7:5070>;expires=600']);
    expect(reply.headers.find((h) => h.name === 'Date')?.value).toBe(new Date(T0).toUTCString());
    expect(changes.map((c) => c.type)).toEqual(['added']);
    const [binding] = await store.bindings.listActive('alice@example.com', now);
    expect(binding?.received).toEqual(SOURCE);
  });

  it('the Contact expires parameter wins over Expires; the default applies when neither is given', async () => {
    const reply = await registrar.register(
      register({ contacts: ['<sip:alice@198.51.100.7:5070>;expires=120', '<sip:alice@198.51.100.8>'] }),
      SOURCE,
    );
    expect(contacts(reply).sort()).toEqual(['<sip:alice@198.51.100.7:5070>;expires=120', '<sip:alice@198.51.100.8>;expires=1800']);
  });

  it('refreshes a binding (same Call-ID, higher CSeq) and lists every current contact', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '600', cseq: 1 }), SOURCE);
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.9>'], expires: '600', cseq: 2, callId: 'other-phone' }), SOURCE);
    now += 100_000;
    const reply = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '900', cseq: 3 }), SOURCE);
    expect(contacts(reply).sort()).toEqual(['<sip:alice@198.51.100.7:5070>;expires=900', '<sip:alice@198.51.100.9>;expires=500']);
    expect(changes.map((c) => c.type)).toEqual(['added', 'added', 'refreshed']);
  });

  it('answers 500 for a REGISTER older than the stored one (same Call-ID, CSeq not higher)', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], cseq: 5 }), SOURCE);
    const stale = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '0', cseq: 5 }), SOURCE);
    expect(stale.status).toBe(500);
    expect(await store.bindings.countActive('alice@example.com', now)).toBe(1);
  });

  it('removes one binding with expires=0', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>', '<sip:alice@198.51.100.8>'], cseq: 1 }), SOURCE);
    const reply = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>;expires=0'], cseq: 2 }), SOURCE);
    expect(contacts(reply)).toEqual(['<sip:alice@198.51.100.8>;expires=1800']);
    expect(changes.map((c) => c.type)).toEqual(['added', 'added', 'removed']);
  });

  it('Contact: * with Expires: 0 removes every binding (step 6)', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>', '<sip:alice@198.51.100.8>'], cseq: 1 }), SOURCE);
    const reply = await registrar.register(register({ contacts: ['*'], expires: '0', cseq: 2 }), SOURCE);
    expect(reply.status).toBe(200);
    expect(contacts(reply)).toEqual([]);
    expect(changes.filter((c) => c.type === 'removed')).toHaveLength(2);
  });

  it('Contact: * without Expires: 0 is a 400', async () => {
    expect((await registrar.register(register({ contacts: ['*'], expires: '60' }), SOURCE)).status).toBe(400);
    expect((await registrar.register(register({ contacts: ['*'] }), SOURCE)).status).toBe(400);
  });

  it('Contact: * next to another Contact is a 400', async () => {
    expect((await registrar.register(register({ contacts: ['*', '<sip:alice@198.51.100.8>'], expires: '0' }), SOURCE)).status).toBe(400);
  });

  it('423 with Min-Expires for an interval below the minimum; nothing is stored', async () => {
    const reply = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '30' }), SOURCE);
    expect(reply).toEqual({ status: 423, reason: 'Interval Too Brief', headers: [{ name: 'Min-Expires', value: '60' }] });
    expect(await store.bindings.countActive('alice@example.com', now)).toBe(0);
  });

  it('caps the expiry at the configured maximum', async () => {
    const reply = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '86400' }), SOURCE);
    expect(contacts(reply)).toEqual(['<sip:alice@198.51.100.7:5070>;expires=3600']);
  });

  it('keeps q-values and lists higher q first', async () => {
    const reply = await registrar.register(
      register({ contacts: ['<sip:alice@198.51.100.7:5070>;q=0.1', '<sip:alice@198.51.100.8>;q=0.9'] }),
      SOURCE,
    );
    expect(contacts(reply)).toEqual(['<sip:alice@198.51.100.8>;expires=1800;q=0.9', '<sip:alice@198.51.100.7:5070>;expires=1800;q=0.1']);
  });

  it('rejects a malformed q-value with 400', async () => {
    expect((await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7>;q=1.5'] }), SOURCE)).status).toBe(400);
  });

  it('a REGISTER without Contact is a query: 200 with the current bindings, nothing changed', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '600' }), SOURCE);
    const reply = await registrar.register(register({}), SOURCE);
    expect(contacts(reply)).toEqual(['<sip:alice@198.51.100.7:5070>;expires=600']);
    expect(changes).toHaveLength(1);
  });

  it('stores Path (RFC 3327) and echoes it only when the UA supports path', async () => {
    const path = ['Path: <sip:edge.example.net;lr>'];
    const withSupport = await registrar.register(
      register({ contacts: ['<sip:alice@198.51.100.7:5070>'], extra: [...path, 'Supported: path'], cseq: 1 }),
      SOURCE,
    );
    expect(withSupport.headers.find((h) => h.name === 'Path')?.value).toBe('<sip:edge.example.net;lr>');
    const without = await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], extra: path, cseq: 2 }), SOURCE);
    expect(without.headers.some((h) => h.name === 'Path')).toBe(false);
    const [binding] = await store.bindings.listActive('alice@example.com', now);
    expect(binding?.path).toEqual(['<sip:edge.example.net;lr>']);
  });

  it('400 when To is not a SIP AOR; 404 when its domain is not the Request-URI\'s, or the user is unknown', async () => {
    expect((await registrar.register(register({ to: '<tel:+15551234>', contacts: ['<sip:a@198.51.100.7>'] }), SOURCE)).status).toBe(400);
    expect((await registrar.register(register({ to: '<sip:alice@other.example>', contacts: ['<sip:a@198.51.100.7>'] }), SOURCE)).status).toBe(404);
    expect((await registrar.register(register({ to: '<sip:carol@example.com>', contacts: ['<sip:c@198.51.100.7>'] }), SOURCE)).status).toBe(404);
  });

  it('is responsible only for its domains', () => {
    expect(registrar.isResponsibleFor(register())).toBe(true);
    expect(registrar.isResponsibleFor(register({ uri: 'sip:EXAMPLE.com' }))).toBe(true);
    expect(registrar.isResponsibleFor(register({ uri: 'sip:other.example' }))).toBe(false);
  });

  it('refuses more bindings than the per-AOR limit with 403 and stores none of them', async () => {
    const four = ['<sip:a@198.51.100.1>', '<sip:a@198.51.100.2>', '<sip:a@198.51.100.3>', '<sip:a@198.51.100.4>'];
    expect((await registrar.register(register({ contacts: four }), SOURCE)).status).toBe(403);
    expect(await store.bindings.countActive('alice@example.com', now)).toBe(0);
  });

  it('sweeps expired bindings and reports them', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'], expires: '60' }), SOURCE);
    now += 61_000;
    const expired = await registrar.sweep();
    expect(expired.map((b) => b.contactUri)).toEqual(['sip:alice@198.51.100.7:5070']);
    expect(changes.map((c) => c.type)).toEqual(['added', 'expired']);
  });

  it('location service: found / no-bindings (known user) / unknown-user / not-ours', async () => {
    await registrar.register(register({ contacts: ['<sip:alice@198.51.100.7:5070>'] }), SOURCE);
    expect((await registrar.location.lookup('sip:alice@EXAMPLE.com;user=phone')).kind).toBe('found');
    expect(await registrar.location.lookup('sip:bob@example.com')).toEqual({ kind: 'no-bindings', aor: 'bob@example.com' });
    expect(await registrar.location.lookup('sip:nobody@example.com')).toEqual({ kind: 'unknown-user', aor: 'nobody@example.com' });
    expect(await registrar.location.lookup('sip:alice@elsewhere.example')).toEqual({ kind: 'not-ours' });
  });
});
