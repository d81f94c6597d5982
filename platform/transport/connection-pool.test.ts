import { describe, expect, it } from 'vitest';
import { ConnectionPool, type PooledConnection } from './connection-pool.js';
import { TransportError, type SocketAddress } from './types.js';

class FakeConnection implements PooledConnection {
  isOpen = true;
  readonly flow;
  constructor(remote: SocketAddress, local = 5060) {
    this.flow = { protocol: 'tcp' as const, local: { address: '127.0.0.1', port: local }, remote, id: `tcp:127.0.0.1:${local}>${remote.address}:${remote.port}` };
  }
  close(): void {
    this.isOpen = false;
  }
}

const remote = { address: '192.0.2.1', port: 5060 };

describe('ConnectionPool', () => {
  it('finds connections by protocol + remote and by flow id, open ones only', () => {
    const pool = new ConnectionPool<FakeConnection>(10);
    const connection = new FakeConnection(remote);
    pool.add(connection);
    expect(pool.get('tcp', { address: '::ffff:192.0.2.1', port: 5060 })).toBe(connection);
    expect(pool.get('tls', remote)).toBeUndefined();
    expect(pool.getById(connection.flow.id)).toBe(connection);
    connection.isOpen = false;
    expect(pool.get('tcp', remote)).toBeUndefined();
    pool.remove(connection);
    expect(pool.size).toBe(0);
  });

  it('shares one open between concurrent callers for the same destination', async () => {
    const pool = new ConnectionPool<FakeConnection>(10);
    let opens = 0;
    const open = async (): Promise<FakeConnection> => {
      opens++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return new FakeConnection(remote);
    };
    const [a, b] = await Promise.all([pool.acquire('tcp', remote, open), pool.acquire('tcp', remote, open)]);
    expect(a).toBe(b);
    expect(opens).toBe(1);
    expect(await pool.acquire('tcp', remote, open)).toBe(a);
    expect(opens).toBe(1);
  });

  it('refuses to open past the limit with a TransportError naming it, counting opens in progress', async () => {
    const pool = new ConnectionPool<FakeConnection>(1);
    let finish: (connection: FakeConnection) => void = () => undefined;
    const first = pool.acquire('tcp', remote, () => new Promise((resolve) => (finish = resolve)));
    const other = { address: '192.0.2.2', port: 5060 };
    await expect(pool.acquire('tcp', other, async () => new FakeConnection(other))).rejects.toThrow(TransportError);
    await expect(pool.acquire('tcp', other, async () => new FakeConnection(other))).rejects.toThrow(/connection limit of 1 reached/);
    finish(new FakeConnection(remote));
    await first;
    expect(pool.isFull).toBe(true);
  });

  it('frees the slot when an open fails', async () => {
    const pool = new ConnectionPool<FakeConnection>(1);
    await expect(pool.acquire('tcp', remote, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(pool.isFull).toBe(false);
  });

  it('keeps the newest connection under a key but the older one reachable by id', () => {
    const pool = new ConnectionPool<FakeConnection>(10);
    const older = new FakeConnection(remote, 5060);
    const newer = new FakeConnection(remote, 5062);
    pool.add(older);
    pool.add(newer);
    expect(pool.get('tcp', remote)).toBe(newer);
    pool.remove(older);
    expect(pool.get('tcp', remote)).toBe(newer);
    expect(pool.getById(older.flow.id)).toBeUndefined();
    pool.closeAll('test');
    expect(newer.isOpen).toBe(false);
    expect(pool.size).toBe(0);
  });
});
