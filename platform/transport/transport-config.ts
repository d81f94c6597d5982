/**
 * Configuration of the transport layer and its defaults. The server maps its `sip` config
 * section onto this; tests build it directly (port 0 binds an ephemeral port).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import type { TransportProtocol } from './types.js';

/** PEM text, or a path to a PEM file (a string not starting with `-----BEGIN`). */
export type PemSource = string | Buffer;

export interface TlsListenConfig {
  cert: PemSource;
  key: PemSource;
  /** CAs trusted when this server connects out over TLS; the system store when absent. */
  ca?: PemSource | PemSource[];
  /** Verify the peer certificate on outbound connections (default true, RFC 5922 §7.2). */
  rejectUnauthorized?: boolean;
}

export interface ListenConfig {
  protocol: TransportProtocol;
  /** Bind address: an IPv4 or IPv6 literal; `0.0.0.0` / `::` for every interface. */
  host: string;
  port: number;
  /** Host written in Via sent-by when `host` is a wildcard (e.g. the public name or address). */
  advertisedHost?: string;
  tls?: TlsListenConfig;
}

export interface TransportConfig {
  listen: ListenConfig[];
  /** Largest message accepted on any transport, in octets (default 65535). */
  maxMessageSize?: number;
  /** Open TCP/TLS connections, inbound and outbound together (default 1024). */
  maxConnections?: number;
  /** Close a TCP/TLS connection after this long without traffic (default 120000 ms). */
  idleTimeoutMs?: number;
  /** RFC 3261 §18.1.1: a UDP request larger than this goes over TCP (default 1300 octets). */
  mtuThreshold?: number;
  /** Give up opening an outbound connection after this long (default 10000 ms). */
  connectTimeoutMs?: number;
  /** Each UDP socket in a thread of its own, off the server thread (default false; udp-socket-thread.ts). */
  udpSocketThread?: boolean;
  logger: Logger;
}

export type ResolvedTransportConfig = Required<TransportConfig>;

export const transportDefaults = {
  maxMessageSize: 65_535,
  maxConnections: 1024,
  idleTimeoutMs: 120_000,
  mtuThreshold: 1300,
  connectTimeoutMs: 10_000,
  udpSocketThread: false,
} as const;

export function resolveTransportConfig(config: TransportConfig): ResolvedTransportConfig {
  const resolved: ResolvedTransportConfig = {
    listen: config.listen,
    logger: config.logger,
    maxMessageSize: config.maxMessageSize ?? transportDefaults.maxMessageSize,
    maxConnections: config.maxConnections ?? transportDefaults.maxConnections,
    idleTimeoutMs: config.idleTimeoutMs ?? transportDefaults.idleTimeoutMs,
    mtuThreshold: config.mtuThreshold ?? transportDefaults.mtuThreshold,
    connectTimeoutMs: config.connectTimeoutMs ?? transportDefaults.connectTimeoutMs,
    udpSocketThread: config.udpSocketThread ?? transportDefaults.udpSocketThread,
  };
  if (resolved.listen.length === 0) throw new Error('transport config: `listen` needs at least one entry');
  for (const entry of resolved.listen) {
    if (entry.protocol === 'tls' && !entry.tls) {
      throw new Error(`transport config: the tls listener on ${entry.host}:${entry.port} needs tls.cert and tls.key`);
    }
  }
  for (const name of ['maxMessageSize', 'maxConnections', 'idleTimeoutMs', 'mtuThreshold', 'connectTimeoutMs'] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value < 1) throw new Error(`transport config: ${name} must be a positive integer, got ${value}`);
  }
  return resolved;
}

/** PEM text from inline text, a Buffer, or a file path. */
export function readPem(source: PemSource): string | Buffer {
  if (Buffer.isBuffer(source) || source.trimStart().startsWith('-----BEGIN')) return source;
  return readFileSync(source);
}
