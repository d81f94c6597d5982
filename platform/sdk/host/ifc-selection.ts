/**
 * Application selection on the 3GPP initial Filter Criteria model (TS 29.228 Annex B, issue 5
 * §4), evaluated by platform/isc's IfcEngine: ascending Priority; trigger points on method,
 * Request-URI, headers, session case and SDP; DefaultHandling for faults. The app is named by the
 * ApplicationServer's ServerName: the user part of `sip:<app>@host` (or the host of `sip:<app>`).
 *
 * Session case (24.229 §5.4.3.1 as the standalone server sees it): originating for the caller's
 * service, terminating for the callee's; registered when the location service has a binding for
 * the served user (which also selects the ProfilePartIndicator part).
 */
import { readFileSync } from 'node:fs';
import {
  DefaultHandling,
  findServiceProfile,
  formatProblem,
  IfcEngine,
  loadProfile,
  SessionCase,
  type ImsSubscription,
  type InitialFilterCriteria,
  type ProfileFormat,
} from '../../isc/index.js';
import type { Logger } from '../../log/logger.js';
import type { ServiceCall } from '../../services/index.js';
import { parseUri } from '../../sip/index.js';
import type { AppSelector, SelectedApp } from './app-selection.js';
import { parseDarProperties } from './dar-properties.js';

/** `apps.selection: { initialFilterCriteria: [...] }` — the YAML form, inline in the config. */
export function ifcInlineSelector(criteria: readonly unknown[], logger: Logger): AppSelector {
  // JSON is YAML: the isc loader validates and positions problems the same way for both.
  return fromProfileText(JSON.stringify({ initialFilterCriteria: criteria }), 'apps.selection', logger, 'yaml');
}

/** `apps.selection: { ifcFile: path }` — an IMSSubscription XML or the YAML form. */
export function ifcFileSelector(file: string, logger: Logger): AppSelector {
  return fromProfileText(readText(file), file, logger);
}

/** `apps.selection: { dar: text }` or `{ darFile: path }` — JSR 289 DAR properties. */
export function darSelector(source: { text: string } | { file: string }, logger: Logger): AppSelector {
  const name = 'file' in source ? source.file : 'apps.selection.dar';
  const parsed = parseDarProperties('file' in source ? readText(source.file) : source.text, name);
  if (!parsed.ok) throw new Error(`application router rules refused:\n  ${parsed.problems.join('\n  ')}`);
  for (const warning of parsed.warnings) logger.warn(warning);
  return criteriaSelector(parsed.criteria, logger);
}

/** One engine over a fixed list of iFCs that applies to every served user. */
export function criteriaSelector(criteria: readonly InitialFilterCriteria[], logger: Logger): AppSelector {
  return subscriptionSelector({ serviceProfiles: [{ publicIdentities: [], initialFilterCriteria: [...criteria], sharedIfcSetIds: [] }] }, logger);
}

export function subscriptionSelector(subscription: ImsSubscription, logger: Logger): AppSelector {
  const engines = subscription.serviceProfiles.map((profile) => IfcEngine.compile(profile.initialFilterCriteria, logger));
  // Profiles without identities (the standalone YAML form) apply to every served user.
  const everyone = subscription.serviceProfiles.every((profile) => profile.publicIdentities.length === 0)
    ? IfcEngine.compile(subscription.serviceProfiles.flatMap((profile) => profile.initialFilterCriteria), logger)
    : undefined;
  return {
    async select(call) {
      const registered = (await call.host.lookup(`sip:${call.aor}`)).kind === 'found';
      const sessionCase = sessionCaseOf(call, registered);
      let engine = everyone;
      if (engine === undefined) {
        const found = findServiceProfile(subscription, call.request, sessionCase, `sip:${call.aor}`);
        if (!found.ok) return [];
        engine = engines[found.match.index];
      }
      const chosen: SelectedApp[] = [];
      for (const ifc of engine?.evaluate(call.request, { sessionCase, registered }) ?? []) {
        const app = appOf(ifc);
        if (app === undefined || chosen.some((c) => c.app === app)) continue;
        const handling = ifc.applicationServer.defaultHandling;
        chosen.push({
          app,
          explicit: true,
          ...(handling === undefined ? {} : { onFault: handling === DefaultHandling.SESSION_TERMINATED ? 'terminate' : 'continue' }),
        });
      }
      return chosen;
    },
  };
}

function sessionCaseOf(call: ServiceCall, registered: boolean): SessionCase {
  if (call.direction === 'originating') return registered ? SessionCase.ORIGINATING_REGISTERED : SessionCase.ORIGINATING_UNREGISTERED;
  return registered ? SessionCase.TERMINATING_REGISTERED : SessionCase.TERMINATING_UNREGISTERED;
}

/** The app an iFC names: `sip:<app>@host` or `sip:<app>`. */
export function appOf(ifc: InitialFilterCriteria): string | undefined {
  try {
    const uri = parseUri(ifc.applicationServer.serverName);
    if (uri.kind !== 'sip') return undefined;
    return (uri.user ?? uri.host).toLowerCase();
  } catch {
    return undefined;
  }
}

function fromProfileText(text: string, source: string, logger: Logger, format?: ProfileFormat): AppSelector {
  const loaded = loadProfile(text, format === undefined ? {} : { format });
  if (!loaded.ok) throw new Error(`iFC application selection refused:\n  ${loaded.problems.map((p) => formatProblem(source, p)).join('\n  ')}`);
  for (const warning of loaded.warnings) logger.warn(formatProblem(source, warning));
  return subscriptionSelector(loaded.subscription, logger);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}
