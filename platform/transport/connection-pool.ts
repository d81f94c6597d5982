/**
 * The open TCP/TLS connections, inbound and outbound alike, keyed by protocol + remote address
 * + port (RFC 3261 §18.1.1: a request to a destination with an open connection reuses it) and
 * by flow id (§18.2.2: a response goes back over the connection its request came on).
 * It also enforces the connection limit and merges concurrent opens to one destination.
 */
import { formatSocketAddress, normalizeAddress } from './address.js';
import { TransportError, type Flow, type SocketAddress, type TransportProtocol } from './types.js';

/** What the pool needs of a connection. */
export interface PooledConnection {
  readonly flow: Flow;
  readonly isOpen: boolean;
  close(reason: string): void;
}

export function connectionKey(protocol: TransportProtocol, remote: SocketAddress): string {
  return `${protocol}:${formatSocketAddress({ address: normalizeAddress(remote.address), port: remote.port })}`;
}

export class ConnectionPool<C extends PooledConnection> {
  readonly #byKey = new Map<string, C>();
  readonly #byId = new Map<string, C>();
  readonly #opening = new Map<string, Promise<C>>();

  constructor(readonly maxConnections: number) {}

  /** Open connections (not counting ones still being opened). */
  get size(): number {
    return this.#byId.size;
  }

  /** True when one more connection would exceed the limit (opens in progress count). */
  get isFull(): boolean {
    return this.#byId.size + this.#opening.size >= this.maxConnections;
  }

  get(protocol: TransportProtocol, remote: SocketAddress): C | undefined {
    const connection = this.#byKey.get(connectionKey(protocol, remote));
    return connection?.isOpen ? connection : undefined;
  }

  getById(id: string): C | undefined {
    const connection = this.#byId.get(id);
    return connection?.isOpen ? connection : undefined;
  }

  /** Register a connection. The newest one to a remote wins the key; all stay reachable by id. */
  add(connection: C): void {
    this.#byId.set(connection.flow.id, connection);
    this.#byKey.set(connectionKey(connection.flow.protocol, connection.flow.remote), connection);
  }

  remove(connection: C): void {
    if (this.#byId.get(connection.flow.id) === connection) this.#byId.delete(connection.flow.id);
    const key = connectionKey(connection.flow.protocol, connection.flow.remote);
    if (this.#byKey.get(key) === connection) this.#byKey.delete(key);
  }

  /**
   * The open connection to `remote`, or a new one from `open` (one open per destination at a
   * time: concurrent callers share it). Rejects with TransportError when the pool is full.
   */
  acquire(protocol: TransportProtocol, remote: SocketAddress, open: () => Promise<C>): Promise<C> {
    const existing = this.get(protocol, remote);
    if (existing) return Promise.resolve(existing);
    const key = connectionKey(protocol, remote);
    const pending = this.#opening.get(key);
    if (pending) return pending;
    if (this.isFull) {
      return Promise.reject(
        new TransportError(
          `connection limit of ${this.maxConnections} reached: not opening a ${protocol} connection to ${formatSocketAddress(remote)}`,
          { protocol, address: remote.address, port: remote.port },
        ),
      );
    }
    const opening = open().then(
      (connection) => {
        this.#opening.delete(key);
        if (connection.isOpen) this.add(connection);
        return connection;
      },
      (error: unknown) => {
        this.#opening.delete(key);
        throw error;
      },
    );
    this.#opening.set(key, opening);
    return opening;
  }

  closeAll(reason: string): void {
    for (const connection of [...this.#byId.values()]) connection.close(reason);
    this.#byId.clear();
    this.#byKey.clear();
  }
}
