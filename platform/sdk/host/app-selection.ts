/**
 * Which deployed apps see an initial request, and in which order (config `apps.selection`,
 * issue 5 §4). Five forms:
 *   - `all`: every deployed app in deploy order; an app without a handler for the method is
 *     skipped (it was not chosen for it);
 *   - a list of `{ app, users?, domains?, methods?, direction? }` rules (the static subset);
 *   - `{ initialFilterCriteria: [...] }`: 3GPP TS 29.228 iFCs in YAML (platform/isc model;
 *     ApplicationServer.ServerName `sip:<app>@…` names the app, DefaultHandling says what a
 *     fault does);
 *   - `{ ifcFile: path }`: the same from an iFC XML (IMSSubscription) or YAML file;
 *   - `{ dar: text }` / `{ darFile: path }`: the JSR 289 Default Application Router properties.
 * Apps chain in the order returned (app-chain.ts). Files are read once, at server start,
 * relative to the working directory.
 */
import { z } from 'zod';
import type { Logger } from '../../log/logger.js';
import type { ServiceCall } from '../../services/index.js';
import { darSelector, ifcFileSelector, ifcInlineSelector } from './ifc-selection.js';

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

/** The shapes only: iFC documents and DAR text are checked when the engine is built. */
export const appSelectionSchema = z.union([
  z.literal('all'),
  z.array(appSelectionRuleSchema),
  z.object({ initialFilterCriteria: z.array(z.unknown()).min(1) }).strict(),
  z.object({ ifcFile: z.string().min(1) }).strict(),
  z.object({ dar: z.string().min(1) }).strict(),
  z.object({ darFile: z.string().min(1) }).strict(),
]);

export type AppSelectionRule = z.infer<typeof appSelectionRuleSchema>;
export type AppSelection = z.infer<typeof appSelectionSchema>;

/** One app in a request's chain. */
export interface SelectedApp {
  readonly app: string;
  /** Chosen by a rule that names it (so a missing handler is answered 501, spec §B.2), not by `all`. */
  readonly explicit: boolean;
  /** iFC DefaultHandling: on a fault, skip the app (`continue`) or fail the call (`terminate`).
   *  Absent: a fault costs the call a 500, a disabled app is skipped. */
  readonly onFault?: 'continue' | 'terminate';
}

export interface AppSelector {
  /** The chain for `call`, in order, among `deployed` (app names in deploy order). */
  select(call: ServiceCall, deployed: readonly string[]): SelectedApp[] | Promise<SelectedApp[]>;
}

/** Builds the selector for a configured selection; throws with every problem of an iFC or DAR document. */
export function createAppSelector(selection: AppSelection, logger: Logger): AppSelector {
  if (selection === 'all') return { select: (_call, deployed) => deployed.map((app) => ({ app, explicit: false })) };
  if (Array.isArray(selection)) return { select: (call, deployed) => selectApps(selection, call, deployed).map((app) => ({ app, explicit: true })) };
  if ('initialFilterCriteria' in selection) return ifcInlineSelector(selection.initialFilterCriteria, logger);
  if ('ifcFile' in selection) return ifcFileSelector(selection.ifcFile, logger);
  return darSelector('dar' in selection ? { text: selection.dar } : { file: selection.darFile }, logger);
}

/** App names for `call` under static rules, in order, among `deployed`. */
export function selectApps(selection: AppSelectionRule[] | 'all', call: ServiceCall, deployed: readonly string[]): string[] {
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
