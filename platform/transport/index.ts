/** Public entry of the transport layer (RFC 3261 §18). The transaction layer imports ./types.js only. */
export { TransportLayer, type Listener, type SentBy } from './transport-layer.js';
export {
  resolveTransportConfig,
  transportDefaults,
  type ListenConfig,
  type PemSource,
  type TlsListenConfig,
  type TransportConfig,
} from './transport-config.js';
export * from './types.js';
