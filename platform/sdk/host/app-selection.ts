/**
 * Which deployed apps see an initial request (config `apps.selection`): every app (`all`, in
 * deploy order) or ordered rules per user, domain, method and direction. The first app that
 * acts decides; an app that passes leaves the request to the next one. (The full iFC / DAR
 * application router of issue 5 §4 is a later step; these rules are its static subset.)
 */
import { z } from 'zod';
import type { ServiceCall } from '../../services/index.js';

export const appSelectionRuleSchema = z
  .object({
    app: z.string().min(1),
    /** Served users (`user@domain`); absent: every user. */
    users: z.array(z.string().min(1)).optional(),
    /** Domains of the served user; absent: every domain. */
    domains: z.array(z.string().min(1)).optional(),
    /** Methods (upper case); absent: every method. */
    methods: z.array(z.string().min(1)).optional(),
    direction: z.enum(['originating', 'terminating']).optional(),
  })
  .strict();

export const appSelectionSchema = z.union([z.literal('all'), z.array(appSelectionRuleSchema)]);

export type AppSelectionRule = z.infer<typeof appSelectionRuleSchema>;
export type AppSelection = z.infer<typeof appSelectionSchema>;

/** App names for `call`, in order, among `deployed` (names in deploy order). */
export function selectApps(selection: AppSelection, call: ServiceCall, deployed: readonly string[]): string[] {
  if (selection === 'all') return [...deployed];
  const available = new Set(deployed);
  const aor = call.aor.toLowerCase();
  const domain = aor.slice(aor.lastIndexOf('@') + 1);
  const method = call.request.method.toUpperCase();
  const chosen: string[] = [];
  for (const rule of selection) {
    if (!available.has(rule.app) || chosen.includes(rule.app)) continue;
    if (rule.direction !== undefined && rule.direction !== call.direction) continue;
    if (rule.users !== undefined && !rule.users.some((user) => user.toLowerCase() === aor)) continue;
    if (rule.domains !== undefined && !rule.domains.some((d) => d.toLowerCase() === domain)) continue;
    if (rule.methods !== undefined && !rule.methods.some((m) => m.toUpperCase() === method)) continue;
    chosen.push(rule.app);
  }
  return chosen;
}
