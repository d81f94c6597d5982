import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { BindingInput } from './binding-repository.js';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import { makeTempDir } from './test-support.js';

const T0 = 1_700_000_000_000;
const AOR = 'alice@example.com';

function binding(overrides: Partial<BindingInput> = {}): BindingInput {
  return {
    aor: AOR,
    contactUri: 'sip:alice@192.0.2.10:5060;transport=udp',
    expiresAt: T0 + 3600_000,
    callId: 'call-1@192.0.2.10',
    cseq: 1,
    path: [],
    ...overrides,
  };
}

describe('SqliteBindingRepository', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let store: SqliteStore;
  const open = (): SqliteStore => openSqliteStore({ dataDir: temp.dir, logger: silentLogger, clock: () => T0 });

  beforeEach(() => {
    temp = makeTempDir();
    store = open();
  });
  afterEach(async () => {
    await store.close();
    temp.cleanup();
  });

  it('stores every field of a binding and reads it back', async () => {
    const input = binding({
      q: 0.7,
      path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'],
      received: { protocol: 'tcp', address: '198.51.100.7', port: 40123, localAddress: '192.0.2.1', localPort: 5060 },
      instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
      regId: 1,
      userAgent: 'Softphone/1.0',
    });
    const stored = await store.bindings.upsert(input, T0 + 5);
    expect(stored).toEqual({ ...input, aor: AOR, updatedAt: T0 + 5 });
    expect(await store.bindings.listActive(AOR, T0)).toEqual([stored]);
  });

  it('defaults q to 1.0 and keeps three decimals exactly', async () => {
    const a = await store.bindings.upsert(binding({ contactUri: 'sip:a@192.0.2.1' }));
    const b = await store.bindings.upsert(binding({ contactUri: 'sip:b@192.0.2.1', q: 0.001 }));
    expect(a.q).toBe(1);
    expect(b.q).toBe(0.001);
    await expect(store.bindings.upsert(binding({ q: 1.5 }))).rejects.toMatchObject({ code: 'invalid-binding' });
  });

  it('refreshes the binding whose Contact URI is equivalent instead of adding one (§10.3 step 7)', async () => {
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@192.0.2.10:5060;transport=UDP' }), T0);
    const refreshed = await store.bindings.upsert(
      binding({ contactUri: 'sip:%61lice@192.0.2.10:5060;transport=udp;ob', cseq: 2, expiresAt: T0 + 7200_000 }),
      T0 + 10,
    );
    const active = await store.bindings.listActive(AOR, T0 + 10);
    expect(active).toHaveLength(1);
    expect(active[0]).toEqual(refreshed);
    expect(refreshed.contactUri).toBe('sip:%61lice@192.0.2.10:5060;transport=udp;ob');
    // A different port is a different binding.
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@192.0.2.10:5062;transport=udp' }));
    expect(await store.bindings.countActive(AOR, T0)).toBe(2);
  });

  it('replaces the binding with the same instance-id and reg-id even when the Contact changed (RFC 5626 §6)', async () => {
    const instanceId = '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>';
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@192.0.2.10:5060', instanceId, regId: 1 }));
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@198.51.100.3:6000', instanceId, regId: 1, cseq: 2 }));
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@203.0.113.9:6000', instanceId, regId: 2, cseq: 3 }));
    const contacts = (await store.bindings.listActive(AOR, T0)).map((b) => b.contactUri).sort();
    expect(contacts).toEqual(['sip:alice@198.51.100.3:6000', 'sip:alice@203.0.113.9:6000']);
  });

  it('lists active bindings by q descending, then most recently updated', async () => {
    await store.bindings.upsert(binding({ contactUri: 'sip:low@192.0.2.1', q: 0.1 }), T0 + 1);
    await store.bindings.upsert(binding({ contactUri: 'sip:old@192.0.2.1', q: 0.5 }), T0 + 2);
    await store.bindings.upsert(binding({ contactUri: 'sip:new@192.0.2.1', q: 0.5 }), T0 + 3);
    await store.bindings.upsert(binding({ contactUri: 'sip:top@192.0.2.1' }), T0 + 4);
    await store.bindings.upsert(binding({ contactUri: 'sip:gone@192.0.2.1', q: 1, expiresAt: T0 + 10 }), T0 + 5);
    const order = (await store.bindings.listActive(AOR, T0 + 10)).map((b) => b.contactUri);
    expect(order).toEqual(['sip:top@192.0.2.1', 'sip:new@192.0.2.1', 'sip:old@192.0.2.1', 'sip:low@192.0.2.1']);
    expect(await store.bindings.countActive(AOR, T0 + 10)).toBe(4);
  });

  it('finds and removes by equivalent Contact URI', async () => {
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@Host.example.com;transport=tcp' }));
    await store.bindings.upsert(binding({ contactUri: 'sip:alice@other.example.com' }));
    expect((await store.bindings.find(AOR, 'sip:alice@host.example.com;TRANSPORT=TCP', T0))?.contactUri).toBe(
      'sip:alice@Host.example.com;transport=tcp',
    );
    expect(await store.bindings.find(AOR, 'sip:alice@host.example.com', T0)).toBeUndefined();
    const removed = await store.bindings.remove('alice@EXAMPLE.com', 'sip:alice@host.example.com;transport=tcp');
    expect(removed.map((b) => b.contactUri)).toEqual(['sip:alice@Host.example.com;transport=tcp']);
    expect((await store.bindings.removeAll(AOR)).map((b) => b.contactUri)).toEqual(['sip:alice@other.example.com']);
    expect(await store.bindings.countActive(AOR, T0)).toBe(0);
  });

  it('sweeps expired bindings and returns what it removed', async () => {
    await store.bindings.upsert(binding({ contactUri: 'sip:a@192.0.2.1', expiresAt: T0 + 1000 }));
    await store.bindings.upsert(binding({ contactUri: 'sip:b@192.0.2.1', expiresAt: T0 + 2000 }));
    await store.bindings.upsert(binding({ aor: 'bob@example.com', contactUri: 'sip:c@192.0.2.1', expiresAt: T0 + 1000 }));
    expect(await store.bindings.sweepExpired(T0 + 999)).toEqual([]);
    const swept = await store.bindings.sweepExpired(T0 + 1000);
    expect(swept.map((b) => b.contactUri).sort()).toEqual(['sip:a@192.0.2.1', 'sip:c@192.0.2.1']);
    expect(store.bindings.listAll(AOR).map((b) => b.contactUri)).toEqual(['sip:b@192.0.2.1']);
  });

  it('keeps unexpired bindings across close and reopen', async () => {
    const kept = await store.bindings.upsert(binding({ contactUri: 'sip:kept@192.0.2.1', path: ['<sip:edge;lr>'] }));
    await store.bindings.upsert(binding({ contactUri: 'sip:short@192.0.2.1', expiresAt: T0 + 1 }));
    await store.close();
    store = open();
    expect(await store.bindings.listActive(AOR, T0 + 1)).toEqual([kept]);
  });

  describe('applyRegistration (RFC 3261 §10.3 steps 6–8)', () => {
    const contact = (contactUri: string, expiresAt = T0 + 3600_000, q?: number) => ({
      contactUri,
      expiresAt,
      path: [],
      ...(q !== undefined ? { q } : {}),
    });

    it('adds, then refreshes with a higher CSeq of the same Call-ID', async () => {
      const first = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c1', cseq: 1, now: T0, contacts: [contact('sip:a@192.0.2.1'), contact('sip:b@192.0.2.1', T0 + 3600_000, 0.5)],
      });
      expect(first).toMatchObject({ ok: true, refreshed: [], removed: [] });
      expect(first.ok && first.added.map((b) => b.contactUri)).toEqual(['sip:a@192.0.2.1', 'sip:b@192.0.2.1']);
      const second = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c1', cseq: 2, now: T0 + 1, contacts: [contact('sip:a@192.0.2.1', T0 + 7200_000)],
      });
      expect(second.ok && second.refreshed.map((b) => [b.contactUri, b.cseq, b.expiresAt])).toEqual([
        ['sip:a@192.0.2.1', 2, T0 + 7200_000],
      ]);
      expect(second.ok && second.active.map((b) => b.contactUri)).toEqual(['sip:a@192.0.2.1', 'sip:b@192.0.2.1']);
    });

    it('fails the whole request, changing nothing, when a CSeq of the same Call-ID is not higher', async () => {
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 5, now: T0, contacts: [contact('sip:a@192.0.2.1')] });
      const outcome = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c1', cseq: 5, now: T0 + 1, contacts: [contact('sip:new@192.0.2.1'), contact('sip:a@192.0.2.1', T0)],
      });
      expect(outcome).toMatchObject({ ok: false, reason: 'out-of-order', contactUri: 'sip:a@192.0.2.1' });
      expect((await store.bindings.listActive(AOR, T0 + 1)).map((b) => b.contactUri)).toEqual(['sip:a@192.0.2.1']);
    });

    it('lets another Call-ID replace or remove a binding whatever its CSeq', async () => {
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 100, now: T0, contacts: [contact('sip:a@192.0.2.1'), contact('sip:b@192.0.2.1')] });
      const outcome = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c2', cseq: 1, now: T0 + 1, contacts: [contact('sip:a@192.0.2.1', T0 + 60_000), contact('sip:b@192.0.2.1', 0)],
      });
      expect(outcome.ok && outcome.refreshed.map((b) => [b.contactUri, b.callId, b.cseq])).toEqual([['sip:a@192.0.2.1', 'c2', 1]]);
      expect(outcome.ok && outcome.removed.map((b) => b.contactUri)).toEqual(['sip:b@192.0.2.1']);
    });

    it('removes every binding for Contact: * unless one is newer (step 6)', async () => {
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 3, now: T0, contacts: [contact('sip:a@192.0.2.1')] });
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c2', cseq: 9, now: T0, contacts: [contact('sip:b@192.0.2.1')] });
      const stale = await store.bindings.applyRegistration({ aor: AOR, callId: 'c2', cseq: 9, now: T0 + 1, removeAll: true });
      expect(stale).toMatchObject({ ok: false, reason: 'out-of-order' });
      expect(await store.bindings.countActive(AOR, T0 + 1)).toBe(2);
      const cleared = await store.bindings.applyRegistration({ aor: AOR, callId: 'c2', cseq: 10, now: T0 + 1, removeAll: true });
      expect(cleared.ok && cleared.removed.map((b) => b.contactUri).sort()).toEqual(['sip:a@192.0.2.1', 'sip:b@192.0.2.1']);
      expect(cleared.ok && cleared.active).toEqual([]);
    });

    it('rolls back when more bindings than allowed would remain', async () => {
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 1, now: T0, contacts: [contact('sip:a@192.0.2.1')] });
      const outcome = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c2', cseq: 1, now: T0, maxBindings: 2, contacts: [contact('sip:b@192.0.2.1'), contact('sip:c@192.0.2.1')],
      });
      expect(outcome).toMatchObject({ ok: false, reason: 'too-many-bindings', limit: 2 });
      expect(await store.bindings.countActive(AOR, T0)).toBe(1);
    });

    it('treats an expired binding as absent: no CSeq check, reported as added', async () => {
      await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 7, now: T0, contacts: [contact('sip:a@192.0.2.1', T0 + 10)] });
      const outcome = await store.bindings.applyRegistration({ aor: AOR, callId: 'c1', cseq: 1, now: T0 + 20, contacts: [contact('sip:a@192.0.2.1')] });
      expect(outcome.ok && outcome.added.map((b) => b.cseq)).toEqual([1]);
      expect(store.bindings.listAll(AOR)).toHaveLength(1);
    });

    it('writes a Contact listed twice in one request once, the last one winning', async () => {
      const outcome = await store.bindings.applyRegistration({
        aor: AOR, callId: 'c1', cseq: 1, now: T0, contacts: [contact('sip:a@192.0.2.1', T0 + 1000), contact('sip:A@192.0.2.1'), contact('sip:a@192.0.2.1', T0 + 2000)],
      });
      expect(outcome.ok && outcome.active.map((b) => [b.contactUri, b.expiresAt])).toEqual([
        ['sip:A@192.0.2.1', T0 + 3600_000],
        ['sip:a@192.0.2.1', T0 + 2000],
      ]);
      expect(outcome.ok && outcome.added).toHaveLength(2);
    });
  });
});
