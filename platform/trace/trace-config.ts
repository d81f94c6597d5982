/**
 * Config section `trace` (optional; every key has a default):
 *
 *   trace:
 *     maxCalls: 1000            # traced calls kept in <dataDir>/traces.sqlite, oldest dropped
 *     maxMessagesPerCall: 500   # later messages of a call are counted, not kept
 *
 * Rules themselves are not configuration: `switchboard trace on …` or POST /api/v1/traces/rules.
 */
import { z } from 'zod';

export const traceConfigSchema = z
  .object({
    maxCalls: z.number().int().min(1).max(100_000).default(1000),
    maxMessagesPerCall: z.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export type TraceConfig = z.output<typeof traceConfigSchema>;
