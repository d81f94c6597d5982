/** Config section `apps`, apart from the container so the config layer can validate it without loading the sandbox. */
import { z } from 'zod';
import { appSelectionSchema } from './app-selection.js';

/** Config section `apps` (all optional). */
export const appsConfigSchema = z
  .object({
    /** Run the app engine at all. */
    enabled: z.boolean().default(true),
    /** Which apps see which initial requests: `all` (deploy order) or rules per user/domain/method/direction. */
    selection: appSelectionSchema.default('all'),
    /** Where isolates run (platform/container README "Hosting decision"). */
    hosting: z.enum(['in-process', 'worker']).default('in-process'),
    /** in-process: well-behaved apps run with sync entries (platform/container README "Fast path");
     *  false: every event through isolated-vm's thread pool. */
    fastPath: z.boolean().default(true),
    /** How often CLI deploys are picked up, ms. */
    syncMs: z.number().int().min(100).max(60_000).default(1000),
    /** Idle application-session expiry, ms (JSR 289 default 3 minutes). */
    sessionExpiryMs: z.number().int().min(1000).max(86_400_000).default(180_000),
  })
  .strict();

export type AppsConfig = z.output<typeof appsConfigSchema>;

