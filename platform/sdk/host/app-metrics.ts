/**
 * Per-app counters in the Prometheus text exposition format (issue 5 §8), for
 * `GET /metrics/apps`: requests, events, faults by kind, CPU time, live sessions and bridged calls, recent
 * faults, disabled, and the manifest limits — one sample per app (label `app`, and `version`
 * on the info metric).
 */
import type { AppListing } from './app-manager.js';

const esc = (value: string): string => value.replace(/\\/gu, '\\\\').replace(/"/gu, '\\"').replace(/\n/gu, '\\n');

export function formatAppMetrics(apps: readonly AppListing[]): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[labels: string, value: number]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) out.push(`${name}{${labels}} ${Number.isFinite(value) ? value : 0}`);
  };
  const app = (a: AppListing): string => `app="${esc(a.name)}"`;
  family('switchboard_app_info', 'gauge', 'Deployed app and its current version.', apps.map((a) => [`${app(a)},version="${esc(a.version)}"`, 1]));
  family('switchboard_app_requests_total', 'counter', 'Initial requests offered to the app.', apps.map((a) => [app(a), a.stats?.requests ?? 0]));
  family('switchboard_app_events_total', 'counter', 'Events delivered into the app (requests, outcomes, responses, timers, expiries).', apps.map((a) => [app(a), a.stats?.events ?? 0]));
  family(
    'switchboard_app_faults_total',
    'counter',
    'Failed events by fault kind (timeout, error, memory, overloaded, unhandled, ...).',
    apps.flatMap((a) => Object.entries(a.stats?.faults ?? {}).map(([kind, n]): [string, number] => [`${app(a)},kind="${esc(kind)}"`, n])),
  );
  family('switchboard_app_cpu_seconds_total', 'counter', 'CPU time spent in the app isolate.', apps.map((a) => [app(a), (a.stats?.cpuMs ?? 0) / 1000]));
  family('switchboard_app_sessions', 'gauge', 'Live application sessions.', apps.map((a) => [app(a), a.stats?.sessions ?? a.sessions]));
  family('switchboard_app_calls', 'gauge', 'Calls the app bridged (b2bua) that are up.', apps.map((a) => [app(a), a.stats?.calls ?? 0]));
  family('switchboard_app_recent_faults', 'gauge', 'Faults in the quarantine window (5 in 60 s disable the app).', apps.map((a) => [app(a), a.recentFaults]));
  family('switchboard_app_disabled', 'gauge', '1 while the app is disabled after repeated faults.', apps.map((a) => [app(a), a.disabled ? 1 : 0]));
  family('switchboard_app_limit_cpu_ms_per_event', 'gauge', 'Manifest CPU budget per event, ms.', apps.map((a) => [app(a), a.limits?.cpuMsPerEvent ?? 0]));
  family('switchboard_app_limit_memory_mb', 'gauge', 'Manifest isolate memory limit, MB.', apps.map((a) => [app(a), a.limits?.memoryMb ?? 0]));
  return `${out.join('\n')}\n`;
}
