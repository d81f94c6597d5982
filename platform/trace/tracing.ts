/**
 * Tracing as the server runs it: the trace database (with a short lock wait: a lost trace batch
 * is better than a stalled event loop) and a started Tracer over it. The HTTP routes use the
 * same `store`; close after the SIP pipeline has stopped.
 */
import type { Logger } from '../log/logger.js';
import { openTraceStore, type TraceStore } from './trace-store.js';
import { Tracer, type TracerLimits } from './tracer.js';

export interface Tracing {
  readonly store: TraceStore;
  readonly tracer: Tracer;
  /** Writes what is queued, stops polling, closes the database. */
  close(): void;
}

const SERVER_BUSY_TIMEOUT_MS = 250;

export function openTracing(options: { dataDir: string; logger: Logger; limits?: TracerLimits }): Tracing {
  const { logger } = options;
  const store = openTraceStore({ dataDir: options.dataDir, logger, busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS });
  const tracer = new Tracer({ store, logger, ...options.limits });
  tracer.start();
  return {
    store,
    tracer,
    close() {
      tracer.close();
      store.close();
    },
  };
}
